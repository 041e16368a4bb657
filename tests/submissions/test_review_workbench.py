"""The reviewer's workbench: the resubmission deadline rule at its edges, the board's server-side sort and filters,
queues and assignment, approval guards with their reasons, "next" after a decision, bulk actions and their undo."""

from __future__ import annotations

import asyncio
import csv
import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from edudx_common.auth import Role
from edudx_common.tables.outbox import EventSink, OutboxMessage
from identity.units.models import Unit
from submissions.deadlines import default_resubmission_due
from tests.identity.builders import make_province, make_user
from tests.submissions.builders import API, make_campaign, make_school_year
from tests.submissions.conftest import MovableClock
from tests.submissions.status_builders import status_view, submitted

VN = timedelta(hours=7)


def vn(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    """A Vietnam wall-clock time, as UTC."""
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC) - VN


# --- the resubmission deadline rule --------------------------------------------------------------------

# 2026-06-10 is a Wednesday; 2026-06-13/14 a Saturday/Sunday.
@pytest.mark.parametrize(("now", "campaign_due", "days", "expected"), [
    # now + 7 days is later than the campaign's deadline: 17:00 on that day
    (vn(2026, 6, 3, 9, 13), vn(2026, 6, 5, 17), 7, vn(2026, 6, 10, 17)),
    # exactly 17:00:00 stays on the day; one second later moves to the next working day
    (vn(2026, 6, 3, 17), vn(2026, 6, 1), 7, vn(2026, 6, 10, 17)),
    (vn(2026, 6, 3, 17, 0, 1), vn(2026, 6, 1), 7, vn(2026, 6, 11, 17)),
    # Friday after 17:00 → Monday; Saturday and Sunday → Monday
    (vn(2026, 6, 5, 18), vn(2026, 6, 1), 7, vn(2026, 6, 15, 17)),
    (vn(2026, 6, 6, 8), vn(2026, 6, 1), 7, vn(2026, 6, 15, 17)),
    (vn(2026, 6, 7, 23, 59), vn(2026, 6, 1), 7, vn(2026, 6, 15, 17)),
    # the campaign's own deadline is later: never earlier than it (and moved off its Sunday)
    (vn(2026, 6, 1, 9), vn(2026, 6, 14, 10), 7, vn(2026, 6, 15, 17)),
    (vn(2026, 6, 1, 9), vn(2026, 6, 12, 16, 59), 3, vn(2026, 6, 12, 17)),
    # one day of revision, across midnight in Vietnam (16:30 UTC is 23:30 there)
    (vn(2026, 6, 9, 23, 30), vn(2026, 6, 1), 1, vn(2026, 6, 11, 17)),
])
def test_default_resubmission_deadline(now: datetime, campaign_due: datetime, days: int, expected: datetime) -> None:
    assert default_resubmission_due(now, campaign_due, days) == expected


@dataclass
class Board:
    units: dict[str, Unit]
    campaign: dict[str, Any]
    admin: dict[str, str]
    reviewer: dict[str, str]
    reviewer_id: str
    other: dict[str, str]
    other_id: str
    submissions: dict[str, dict[str, Any]]


async def make_board(client: httpx.AsyncClient, id_session: AsyncSession, sign_in: Any, clock: MovableClock,
                     **campaign_fields: Any) -> Board:
    """A Sở campaign for its primary and lower-secondary schools: three submitted (T-DT, T-HB, T-LP by name) and
    nothing from the others."""
    units = await make_province(id_session)
    admin = await sign_in(await make_user(id_session, units["so"], Role.AUTHORITY_ADMIN))
    reviewer_user = await make_user(id_session, units["so"], Role.REVIEWER, name="Lê Thẩm Định")
    other_user = await make_user(id_session, units["so"], Role.REVIEWER, name="Trần Kiểm Tra")
    year = await make_school_year(client, admin)
    now = datetime.now(UTC).replace(microsecond=0)
    clock.now = now
    campaign = await make_campaign(client, admin, school_year_id=year, due_at=now + timedelta(days=3),
                                   **campaign_fields)
    done = {key: await submitted(client, admin, campaign["id"], units[key].id) for key in ("s11", "s12", "s21")}
    return Board(units, campaign, admin, await sign_in(reviewer_user), str(reviewer_user.id),
                 await sign_in(other_user), str(other_user.id), done)


async def test_a_return_without_a_date_gets_the_rule_s_deadline(
        client: httpx.AsyncClient, id_session: AsyncSession, sign_in: Any, clock: MovableClock) -> None:
    board = await make_board(client, id_session, sign_in, clock, revision_days=2)
    clock.now = vn(2030, 1, 4, 17, 0, 1)  # a Friday, one second after the office closes; campaign due earlier

    returned = await client.post(f"{API}/submissions/{board.submissions['s11']['id']}/return",
                                 headers=board.reviewer, json={"reasons": {"general": "Bổ sung"}})

    assert returned.status_code == 200, returned.text
    # now + 2 days is Sunday 06/01 17:00:01 → Monday 07/01/2030 at 17:00 Vietnam time
    assert returned.json()["resubmission_due_at"] == "2030-01-07T10:00:00Z"  # 17:00 in Vietnam, UTC on the wire
    assert returned.json()["next"]["submission_id"] is not None


async def test_an_extension_of_n_days_ends_at_the_end_of_a_working_day(
        client: httpx.AsyncClient, id_session: AsyncSession, sign_in: Any, clock: MovableClock,
        submissions_app: Any) -> None:
    """An extension given as a period follows the resubmission rule: now + N days at 17:00 Vietnam time, the next
    working day when that moment is past 17:00 or on a weekend; a date and time typed by a person is kept."""
    board = await make_board(client, id_session, sign_in, clock)
    campaign_id = board.campaign["id"]
    s11, s12, s21 = (str(board.units[k].id) for k in ("s11", "s12", "s21"))
    # Thursday 03/01/2030, 09:13 in Vietnam (the campaign's deadline is three days after today: years earlier)
    clock.now = vn(2030, 1, 3, 9, 13)
    one_day = await client.put(f"{API}/campaigns/{campaign_id}/targets/{s11}/extension", headers=board.admin,
                               json={"days": 1, "reason": "Mất điện"})
    clock.now = vn(2030, 1, 3, 17, 0, 1)  # one second after the office closes: Friday + 1 day is Saturday
    over_weekend = await client.put(f"{API}/campaigns/{campaign_id}/targets/{s12}/extension", headers=board.admin,
                                    json={"days": 1, "reason": "Mất điện"})
    typed = await client.put(f"{API}/campaigns/{campaign_id}/targets/{s21}/extension", headers=board.admin,
                             json={"due_at": "2030-01-09T09:13:00+07:00", "reason": "Theo đề nghị"})
    both = await client.put(f"{API}/campaigns/{campaign_id}/targets/{s21}/extension", headers=board.admin,
                            json={"due_at": "2030-01-09T09:13:00+07:00", "days": 2, "reason": "Hai hạn"})
    neither = await client.put(f"{API}/campaigns/{campaign_id}/targets/{s21}/extension", headers=board.admin,
                               json={"reason": "Không có hạn"})
    # the bulk action counts the period from when the reviewer asked: Wednesday 09:00 + 2 days → Friday 17:00
    clock.now = vn(2030, 1, 2, 9)
    bulk = await client.post(f"{API}/campaigns/{campaign_id}/bulk-actions", headers=board.admin, json={
        "kind": "extend", "unit_ids": [s21], "days": 2, "reason": "Gia hạn chung"})
    by_reviewer = await client.post(f"{API}/campaigns/{campaign_id}/bulk-actions", headers=board.reviewer, json={
        "kind": "extend", "unit_ids": [s21], "days": 2, "reason": "Gia hạn chung"})
    clock.now = vn(2030, 1, 2, 9) + timedelta(seconds=11)
    await submissions_app.state.bulk_runner.run_due()
    bulk_done = (await client.get(f"{API}/bulk-actions/{bulk.json()['id']}", headers=board.admin)).json()
    targets = (await client.get(f"{API}/campaigns/{campaign_id}/targets", headers=board.admin,
                                params={"limit": 100})).json()

    assert one_day.status_code == 200, one_day.text
    assert one_day.json()["extension_due_at"] == "2030-01-04T10:00:00Z"  # Friday 17:00 in Vietnam
    assert over_weekend.json()["extension_due_at"] == "2030-01-07T10:00:00Z"  # Monday 17:00
    assert typed.json()["extension_due_at"] == "2030-01-09T02:13:00Z"  # as typed
    assert (both.status_code, neither.status_code) == (422, 422)
    # deadlines are the issuer's admins': a reviewer's extension is refused when asked, not school by school later
    assert by_reviewer.status_code == 403, by_reviewer.text
    assert bulk.status_code == 202, bulk.text
    assert bulk_done["state"] == "done" and bulk_done["results"][0]["outcome"] == "done"
    assert "17:00" in bulk_done["results"][0]["message"]
    due = {t["unit_id"]: t["extension_due_at"] for t in targets["items"]}
    assert due[s21] == "2030-01-04T10:00:00Z"  # Friday 04/01 17:00, not 09:00


async def test_the_board_sorts_filters_and_exports_exactly_the_filtered_rows(
        client: httpx.AsyncClient, id_session: AsyncSession, sign_in: Any, clock: MovableClock) -> None:
    board = await make_board(client, id_session, sign_in, clock)
    campaign_id = board.campaign["id"]
    await client.post(f"{API}/campaigns/{campaign_id}/assignments", headers=board.admin,
                      json={"unit_ids": [str(board.units["s12"].id)],
                            "reviewer": {"id": board.reviewer_id, "name": "Lê Thẩm Định"}})

    by_name = await status_view(client, board.reviewer, campaign_id)
    descending = await status_view(client, board.reviewer, campaign_id, sort="-name")
    waiting = await status_view(client, board.reviewer, campaign_id, queue="awaiting")
    mine = await status_view(client, board.reviewer, campaign_id, queue="mine")
    unassigned = await status_view(client, board.reviewer, campaign_id, queue="awaiting",
                                   match="reviewer_id:none", limit=1)
    complete = await status_view(client, board.reviewer, campaign_id, range="completeness:100:", sort="reviewer")
    wrong = await status_view(client, board.reviewer, campaign_id, sort="password")
    wrong_range = await status_view(client, board.reviewer, campaign_id, range="completeness:abc")
    exported = await client.get(f"{API}/campaigns/{campaign_id}/status/export", headers=board.reviewer,
                                params={"format": "csv", "queue": "awaiting", "match": "reviewer_id:none"})

    def codes(response: httpx.Response) -> list[str]:
        assert response.status_code == 200, response.text
        return [t["unit_code"] for t in response.json()["targets"]["items"]]

    assert codes(by_name) == ["T-DT", "T-HB", "T-LP"] and codes(descending) == ["T-LP", "T-HB", "T-DT"]
    assert codes(waiting) == ["T-DT", "T-HB", "T-LP"] and codes(mine) == ["T-LP"]
    assert codes(unassigned) == ["T-DT"] and unassigned.json()["targets"]["total"] == 2
    # sorted by reviewer: the assigned school first, the unassigned ones after it (empty last), then by name
    assert codes(complete) == ["T-LP", "T-DT", "T-HB"]
    assert complete.json()["targets"]["items"][0]["completeness"] == 100
    assert complete.json()["targets"]["items"][0]["reviewer_name"] == "Lê Thẩm Định"
    # the chart covers the whole scope, whatever the list's filters
    assert mine.json()["summary"] == by_name.json()["summary"]
    assert by_name.json()["summary"]["awaiting"] == 3 and by_name.json()["summary"]["unassigned"] == 2
    assert wrong.status_code == 422 and wrong.json()["code"] == "invalid_board_filter"
    assert wrong_range.status_code == 422 and wrong_range.json()["code"] == "invalid_board_filter"
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    # the same rows as the list, by group (Long Hồ, Mang Thít) as the file always was
    assert exported.status_code == 200 and [r[1] for r in rows[1:]] == ["T-HB", "T-DT"]


async def test_assignment_is_balanced_and_a_declined_school_is_never_given_back(
        client: httpx.AsyncClient, id_session: AsyncSession, sign_in: Any, clock: MovableClock) -> None:
    board = await make_board(client, id_session, sign_in, clock)
    campaign_id = board.campaign["id"]
    hb = board.submissions["s11"]["id"]
    declined = await client.post(f"{API}/submissions/{hb}/decline", headers=board.other,
                                 json={"reason": "Xung đột lợi ích: trường cũ của tôi"})
    by_hand = await client.post(f"{API}/campaigns/{campaign_id}/assignments", headers=board.admin,
                                json={"unit_ids": [str(board.units["s11"].id)],
                                      "reviewer": {"id": board.other_id, "name": "Trần Kiểm Tra"}})
    reviewers = [{"id": board.other_id, "name": "Trần Kiểm Tra"}, {"id": board.reviewer_id, "name": "Lê Thẩm Định"}]
    auto = await client.post(f"{API}/campaigns/{campaign_id}/assignments/auto", headers=board.admin,
                             json={"reviewers": reviewers})
    claimed_by_other = await client.post(f"{API}/submissions/{hb}/claim", headers=board.other)
    released = await client.post(f"{API}/submissions/{hb}/release", headers=board.reviewer)
    claimed = await client.post(f"{API}/submissions/{hb}/claim", headers=board.reviewer)

    assert declined.status_code == 200 and declined.json()["declined_by"] == [board.other_id]
    assert by_hand.json()["assigned"] == 0 and "từ chối" in by_hand.json()["results"][0]["reason"]
    given = {r["unit_name"]: r["reviewer_id"] for r in auto.json()["results"]}
    # by name: Đức Thành → the first (least loaded) reviewer; Hòa Bình was declined by them → the second;
    # Long Phước → the first again (1 against 1, the order given breaks the tie)
    assert given == {"Trường TH&THCS Đức Thành": board.other_id, "Trường THCS Hòa Bình": board.reviewer_id,
                     "Trường Tiểu học Long Phước": board.other_id}
    assert auto.json()["load"] == {board.other_id: 2, board.reviewer_id: 1}
    assert claimed_by_other.status_code == 409
    assert released.json()["reviewer_id"] is None and claimed.json()["reviewer_id"] == board.reviewer_id


async def test_approval_is_refused_with_its_reasons_then_confirmed_and_names_the_next_report(
        client: httpx.AsyncClient, id_session: AsyncSession, sign_in: Any, clock: MovableClock) -> None:
    board = await make_board(client, id_session, sign_in, clock)
    campaign_id = board.campaign["id"]
    await client.post(f"{API}/campaigns/{campaign_id}/assignments", headers=board.admin,
                      json={"unit_ids": [str(board.units[k].id) for k in ("s11", "s21")],
                            "reviewer": {"id": board.reviewer_id, "name": "Lê Thẩm Định"}})
    first = board.submissions["s21"]

    unconfirmed = await client.post(f"{API}/submissions/{first['id']}/approve", headers=board.reviewer, json={})
    wrong_school = await client.post(f"{API}/submissions/{first['id']}/approve", headers=board.reviewer,
                                     json={"confirm_unit_name": "Trường THCS Hòa Bình"})
    state_after = (await client.get(f"{API}/submissions/{first['id']}", headers=board.reviewer)).json()["status"]
    approved = await client.post(f"{API}/submissions/{first['id']}/approve", headers=board.reviewer,
                                 json={"confirm_unit_name": "Trường TH&THCS Đức Thành"})
    then = await client.post(f"{API}/submissions/{board.submissions['s11']['id']}/approve", headers=board.reviewer,
                             json={"confirm_unit_name": "Trường THCS Hòa Bình"})

    assert unconfirmed.status_code == 409 and unconfirmed.json()["code"] == "approval_refused"
    assert unconfirmed.json()["extra"]["unit_name"] == "Trường TH&THCS Đức Thành"
    assert "Trường TH&THCS Đức Thành" in unconfirmed.json()["detail"]
    assert wrong_school.status_code == 409 and state_after == "submitted"
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    # next: the rest of my queue, then (when it is empty) the first unassigned report waiting
    assert approved.json()["next"] == {"submission_id": board.submissions["s11"]["id"],
                                       "unit_id": str(board.units["s11"].id), "unit_name": "Trường THCS Hòa Bình",
                                       "queue": "mine", "remaining": 1}
    assert then.json()["next"]["submission_id"] == board.submissions["s12"]["id"]
    assert then.json()["next"]["queue"] == "awaiting" and then.json()["next"]["remaining"] == 0


async def test_a_bulk_action_waits_out_its_undo_window_and_answers_per_school(
        client: httpx.AsyncClient, id_session: AsyncSession, sign_in: Any, clock: MovableClock,
        submissions_app: Any) -> None:
    board = await make_board(client, id_session, sign_in, clock, levels=["mam_non", "tieu_hoc", "thcs"])
    campaign_id = board.campaign["id"]
    everyone = [str(board.units[k].id) for k in ("s11", "s12", "s21")]
    late_ones = [str(board.units[k].id) for k in ("s11", "s22")]
    start = clock.now
    assert start is not None

    undone = await client.post(f"{API}/campaigns/{campaign_id}/bulk-actions", headers=board.reviewer, json={
        "kind": "return", "unit_ids": everyone, "reasons": {"general": "Thiếu minh chứng"}})
    cancelled = await client.delete(f"{API}/bulk-actions/{undone.json()['id']}", headers=board.reviewer)
    remind = await client.post(f"{API}/campaigns/{campaign_id}/bulk-actions", headers=board.reviewer, json={
        "kind": "remind", "unit_ids": late_ones, "message": "Hạn nộp là thứ Sáu"})
    approve = await client.post(f"{API}/campaigns/{campaign_id}/bulk-actions", headers=board.reviewer, json={
        "kind": "approve", "unit_ids": everyone})
    ran_early = await submissions_app.state.bulk_runner.run_due()
    clock.now = start + timedelta(seconds=11)
    events = submissions_app.state.events
    submissions_app.state.events = EventSink(("notifications",))  # kept in the outbox: nobody delivers it here
    try:
        await submissions_app.state.bulk_runner.run_due()
    finally:
        submissions_app.state.events = events
    cancel_late = await client.delete(f"{API}/bulk-actions/{approve.json()['id']}", headers=board.reviewer)
    remind_done = (await client.get(f"{API}/bulk-actions/{remind.json()['id']}", headers=board.reviewer)).json()
    approve_done = (await client.get(f"{API}/bulk-actions/{approve.json()['id']}", headers=board.reviewer)).json()
    board_after = (await status_view(client, board.reviewer, campaign_id, queue="returned")).json()
    async with submissions_app.state.session_factory() as session:
        reminders = [m.payload for m in (await session.execute(select(OutboxMessage))).scalars()
                     if m.event_type == "campaign.reminders_requested"]

    assert undone.status_code == 202 and cancelled.json()["state"] == "cancelled"
    assert ran_early == 0 and board_after["targets"]["total"] == 0  # the cancelled return never happened
    assert {r["unit_name"]: r["outcome"] for r in remind_done["results"]} == {
        "Trường THCS Hòa Bình": "skipped", "Trường Mầm non Hoa Sen": "done"}
    outcomes = {r["unit_name"]: (r["outcome"], r["message"]) for r in approve_done["results"]}
    assert approve_done["state"] == "done" and {o for o, _ in outcomes.values()} == {"done"}
    assert cancel_late.status_code == 409 and cancel_late.json()["code"] == "bulk_action_closed"
    # one event names the reminded schools once; notifications keys each reminder by (action, school)
    assert len(reminders) == 1 and reminders[0]["unit_ids"] == [str(board.units["s22"].id)]
    assert reminders[0]["request_id"] == remind.json()["id"] and reminders[0]["message"] == "Hạn nộp là thứ Sáu"


async def test_two_passes_of_the_bulk_runner_at_once_answer_each_school_once(
        client: httpx.AsyncClient, id_session: AsyncSession, sign_in: Any, clock: MovableClock,
        submissions_app: Any) -> None:
    """The background loop and a pass asked for directly (or another process's) may find the same action due: the
    schools are still acted on once, one outcome each, and the reminder is one event."""
    board = await make_board(client, id_session, sign_in, clock, levels=["mam_non", "tieu_hoc", "thcs"])
    start = clock.now
    assert start is not None
    schools = [str(board.units[k].id) for k in ("s11", "s12", "s21", "s22")]
    remind = await client.post(f"{API}/campaigns/{board.campaign['id']}/bulk-actions", headers=board.reviewer,
                               json={"kind": "remind", "unit_ids": schools})
    assert remind.status_code == 202, remind.text
    clock.now = start + timedelta(seconds=11)
    events = submissions_app.state.events
    submissions_app.state.events = EventSink(("notifications",))  # kept in the outbox: nobody delivers it here
    try:
        runner = submissions_app.state.bulk_runner
        await asyncio.gather(runner.run_due(), runner.run_due(), runner.run_due())
    finally:
        submissions_app.state.events = events
    done = (await client.get(f"{API}/bulk-actions/{remind.json()['id']}", headers=board.reviewer)).json()
    async with submissions_app.state.session_factory() as session:
        reminders = [m.payload for m in (await session.execute(select(OutboxMessage))).scalars()
                     if m.event_type == "campaign.reminders_requested"]

    assert done["state"] == "done"
    assert sorted(r["unit_id"] for r in done["results"]) == sorted(schools)
    assert len(reminders) == 1 and reminders[0]["request_id"] == remind.json()["id"]
