"""Boundaries between schools and between Phòng, and two people saving one draft at once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

from edudx_common.auth import Role
from edudx_common.timezone import format_vn
from submissions.workflow import outline_cache
from tests.identity.builders import make_province, make_user
from tests.submissions.builders import API, FULL_ANSWERS, make_campaign, make_school_year, open_submission, save, submit
from tests.support import on_postgres
from tests.user_facing_times import iso_timestamps


async def _sở_campaign(client, id_session, sign_in):  # type: ignore[no-untyped-def]
    units = await make_province(id_session)
    so_admin = await sign_in(await make_user(id_session, units["so"], Role.AUTHORITY_ADMIN))
    year = await make_school_year(client, so_admin)
    campaign = await make_campaign(client, so_admin, school_year_id=year,
                                   levels=["mam_non", "tieu_hoc", "thcs", "thpt"])
    return units, so_admin, campaign


async def test_schools_and_phong_stay_inside_their_scope(client: httpx.AsyncClient, id_session: AsyncSession,
                                                         sign_in) -> None:  # type: ignore[no-untyped-def]
    units, so_admin, campaign = await _sở_campaign(client, id_session, sign_in)
    school_a = await sign_in(await make_user(id_session, units["s11"], Role.PRINCIPAL))
    school_b = await sign_in(await make_user(id_session, units["s12"], Role.SCHOOL_IT_OFFICER))
    p1_reviewer = await sign_in(await make_user(id_session, units["p1"], Role.REVIEWER))
    p2_reviewer = await sign_in(await make_user(id_session, units["p2"], Role.REVIEWER))

    mine = await open_submission(client, school_a, campaign["id"])
    saved = await save(client, school_a, mine, {"s3_posts": 3})
    other_reads = await client.get(f"{API}/submissions/{mine['id']}", headers=school_b)
    other_writes = await save(client, school_b, saved.json(), {"s3_posts": 99})
    other_opens = await client.post(f"{API}/campaigns/{campaign['id']}/submissions",
                                    params={"unit_id": str(units["s11"].id)}, headers=school_b)
    own_phong = await client.get(f"{API}/submissions/{mine['id']}", headers=p1_reviewer)
    other_phong = await client.get(f"{API}/submissions/{mine['id']}", headers=p2_reviewer)
    p2_targets = (await client.get(f"{API}/campaigns/{campaign['id']}/targets", headers=p2_reviewer)).json()
    so_targets = (await client.get(f"{API}/campaigns/{campaign['id']}/targets", headers=so_admin)).json()
    school_targets = (await client.get(f"{API}/campaigns/{campaign['id']}/targets", headers=school_b)).json()

    assert saved.status_code == 200
    assert other_reads.status_code == 404 and other_reads.json()["code"] == "submission_not_found"
    assert other_writes.status_code == 404
    assert other_opens.status_code == 404
    assert own_phong.status_code == 200
    assert other_phong.status_code == 404
    assert {t["unit_code"] for t in p2_targets["items"]} == {"T-DT", "T-HS"}
    assert so_targets["total"] == 5
    assert [t["unit_code"] for t in school_targets["items"]] == ["T-LP"]


async def test_draft_campaign_is_invisible_to_schools(client: httpx.AsyncClient, id_session: AsyncSession,
                                                      sign_in) -> None:  # type: ignore[no-untyped-def]
    units = await make_province(id_session)
    admin = await sign_in(await make_user(id_session, units["p1"], Role.AUTHORITY_ADMIN))
    school = await sign_in(await make_user(id_session, units["s11"], Role.PRINCIPAL))
    year = await make_school_year(client, admin)
    draft = await make_campaign(client, admin, school_year_id=year, publish=False)

    listed = await client.get(f"{API}/campaigns", headers=school)
    direct = await client.get(f"{API}/campaigns/{draft['id']}", headers=school)
    await client.post(f"{API}/campaigns/{draft['id']}/publish", headers=admin)
    listed_after = await client.get(f"{API}/campaigns", headers=school)

    assert listed.json()["total"] == 0
    assert direct.status_code == 404
    assert [c["id"] for c in listed_after.json()["items"]] == [draft["id"]]


async def test_two_concurrent_edits_one_wins_nothing_lost(client: httpx.AsyncClient, id_session: AsyncSession,
                                                          sign_in) -> None:  # type: ignore[no-untyped-def]
    units, _admin, campaign = await _sở_campaign(client, id_session, sign_in)
    principal = await sign_in(await make_user(id_session, units["s11"], Role.PRINCIPAL, name="Hiệu trưởng"))
    officer = await sign_in(await make_user(id_session, units["s11"], Role.SCHOOL_IT_OFFICER, name="Cán bộ CNTT"))
    draft = await open_submission(client, officer, campaign["id"])

    results = await asyncio.gather(
        save(client, officer, draft, {"s3_posts": 41, "s1_result": "Bản của cán bộ CNTT"}),
        save(client, principal, draft, {"s3_posts": 50, "s2_result": "Bản của hiệu trưởng"}),
    )
    winner = next(r for r in results if r.status_code == 200)
    loser = next(r for r in results if r.status_code != 200)
    stored = (await client.get(f"{API}/submissions/{draft['id']}", headers=officer)).json()
    retried = await save(client, officer, stored, {"s4c_result": "Bổ sung sau khi tải lại"})

    assert sorted(r.status_code for r in results) == [200, 412]
    assert loser.json()["code"] == "stale_submission"
    assert loser.json()["extra"]["current_version"] == stored["version"]
    assert stored["content"] == winner.json()["content"]  # the winner's answers are all there, untouched
    assert stored["version"] == draft["version"] + 1
    assert retried.status_code == 200


async def test_save_without_version_is_refused(client: httpx.AsyncClient, id_session: AsyncSession,
                                               sign_in) -> None:  # type: ignore[no-untyped-def]
    units, _admin, campaign = await _sở_campaign(client, id_session, sign_in)
    officer = await sign_in(await make_user(id_session, units["s11"], Role.SCHOOL_IT_OFFICER))
    draft = await open_submission(client, officer, campaign["id"])

    no_version = await client.patch(f"{API}/submissions/{draft['id']}", json={"values": {"s3_posts": 1}},
                                    headers=officer)
    only_unknown = await save(client, officer, draft, {"unknown_field": 1})
    stored = (await client.get(f"{API}/submissions/{draft['id']}", headers=officer)).json()

    assert no_version.status_code == 428 and no_version.json()["code"] == "version_required"
    # Nothing of the request has a place to go: refused, and nothing written.
    assert only_unknown.status_code == 422 and only_unknown.json()["code"] == "invalid_content"
    assert {e["field"] for e in only_unknown.json()["errors"]} == {"unknown_field"}
    assert stored["version"] == draft["version"] and stored["content"] == {}


async def test_half_a_surrogate_pair_in_an_answer_is_refused_and_the_draft_stays_readable(
        client: httpx.AsyncClient, id_session: AsyncSession, sign_in) -> None:  # type: ignore[no-untyped-def]
    """`"\\ud800"` alone is valid JSON, but no UTF-8 text holds it. It was stored, and from then on every read of the
    draft failed (500) on every device. Now the save is a 422 naming the field, and nothing of it is written."""
    units, _admin, campaign = await _sở_campaign(client, id_session, sign_in)
    officer = await sign_in(await make_user(id_session, units["s11"], Role.SCHOOL_IT_OFFICER))
    draft = await open_submission(client, officer, campaign["id"])
    saved = await save(client, officer, draft, {"s3_posts": 12})
    assert saved.status_code == 200, saved.text

    refused = await client.patch(
        f"{API}/submissions/{draft['id']}", content=b'{"values": {"s3_posts": 13, "s3_portal_url": "https://a.vn/\\ud800"}}',
        headers={**officer, "If-Match": f'"{saved.json()["version"]}"', "Content-Type": "application/json"})
    after = await client.get(f"{API}/submissions/{draft['id']}", headers=officer)

    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert "values.s3_portal_url" in refused.json()["errors"][0]["message"]
    assert "không hợp lệ" in refused.json()["errors"][0]["message"]
    assert after.status_code == 200 and after.json()["version"] == saved.json()["version"]
    assert after.json()["content"] == {"s3_posts": 12}


async def test_wrong_answers_are_saved_and_named_per_field(client: httpx.AsyncClient, id_session: AsyncSession,
                                                            sign_in, monkeypatch: pytest.MonkeyPatch,
                                                            ) -> None:  # type: ignore[no-untyped-def]
    """A link typed without https:// must not keep the rest of the report on one phone: the draft stores every
    answer, says per field what is wrong (200, not 422), and the principal on another device reads it all. The
    first save finds no parsed outline kept (as after a restart): it reads the outline itself."""
    units, _admin, campaign = await _sở_campaign(client, id_session, sign_in)
    officer = await sign_in(await make_user(id_session, units["s11"], Role.SCHOOL_IT_OFFICER))
    principal = await sign_in(await make_user(id_session, units["s11"], Role.PRINCIPAL))
    draft = await open_submission(client, officer, campaign["id"])
    answers = {**FULL_ANSWERS, "s3_portal_url": "thcshoabinh.edu.vn", "s3_posts": "nhiều", "unknown_field": 1,
               "s4_infrastructure": [{"item": "Máy", "quantity": -1}]}
    monkeypatch.setattr(outline_cache, "OUTLINES", {})

    saved = await save(client, officer, draft, answers)
    on_other_device = await client.get(f"{API}/submissions/{draft['id']}", headers=principal)
    refused = await submit(client, principal, on_other_device.json())
    fixed = await save(client, officer, saved.json(), {"s3_portal_url": "https://thcshoabinh.edu.vn", "s3_posts": 52,
                                                       "s4_infrastructure": FULL_ANSWERS["s4_infrastructure"]})
    submitted = await submit(client, principal, fixed.json())

    assert saved.status_code == 200, saved.text
    problems = {p["field"]: p for p in saved.json()["problems"]}
    assert set(problems) == {"s3_portal_url", "s3_posts", "s4_infrastructure[1].quantity", "unknown_field"}
    assert "bắt đầu bằng https://" in problems["s3_portal_url"]["message"]
    assert problems["s3_portal_url"]["section"] == "3"
    assert problems["unknown_field"]["saved"] is False and problems["s3_posts"]["saved"] is True
    content = on_other_device.json()["content"]
    assert content == {k: v for k, v in answers.items() if k != "unknown_field"}  # every answer, wrong ones too
    assert {p["field"] for p in on_other_device.json()["problems"]} == set(problems) - {"unknown_field"}
    assert refused.status_code == 422 and refused.json()["code"] == "incomplete_submission"
    assert {e["field"] for e in refused.json()["errors"]} == {"s3_portal_url", "s3_posts",
                                                               "s4_infrastructure[1].quantity"}
    assert refused.json()["extra"]["invalid"] == 3 and refused.json()["extra"]["sections"] == ["3", "4"]
    assert fixed.json()["problems"] == [] and submitted.status_code == 200, submitted.text
    assert submitted.json()["problems"] == []  # a submitted report is no longer checked as a draft


async def test_authority_submits_on_behalf_and_hard_cutoff(client: httpx.AsyncClient, id_session: AsyncSession,
                                                           sign_in, clock) -> None:  # type: ignore[no-untyped-def]
    units = await make_province(id_session)
    admin = await sign_in(await make_user(id_session, units["p1"], Role.AUTHORITY_ADMIN, name="Phạm Văn Hùng"))
    year = await make_school_year(client, admin)
    campaign = await make_campaign(client, admin, school_year_id=year, late_policy="hard_cutoff")
    for_school = await open_submission(client, admin, campaign["id"], unit_id=str(units["s11"].id))
    filled = await save(client, admin, for_school, FULL_ANSWERS)
    submitted = await submit(client, admin, filled.json())
    other = await open_submission(client, admin, campaign["id"], unit_id=str(units["s12"].id))
    other_filled = await save(client, admin, other, FULL_ANSWERS)
    clock.now = datetime.fromisoformat(campaign["due_at"]) + timedelta(minutes=1)
    too_late = await submit(client, admin, other_filled.json())
    history = (await client.get(f"{API}/submissions/{for_school['id']}/history", headers=admin)).json()["items"]

    assert submitted.status_code == 200
    assert history[-1]["action"] == "submitted" and history[-1]["on_behalf"] is True
    assert history[-1]["actor_name"] == "Phạm Văn Hùng"
    assert too_late.status_code == 409 and too_late.json()["code"] == "deadline_passed"
    due_shown = format_vn(datetime.fromisoformat(campaign["due_at"]))  # 'dd/mm/yyyy HH:mm', Vietnam time
    assert f"Hạn nộp là {due_shown};" in too_late.json()["detail"]
    assert iso_timestamps(too_late.json()["detail"]) == []


async def test_autosaves_by_one_person_within_15_minutes_are_one_history_line(  # type: ignore[no-untyped-def]
        client: httpx.AsyncClient, id_session: AsyncSession, sign_in, clock) -> None:
    units, _, campaign = await _sở_campaign(client, id_session, sign_in)
    officer = await sign_in(await make_user(id_session, units["s11"], Role.SCHOOL_IT_OFFICER, name="CNTT Hòa Bình"))
    principal = await sign_in(await make_user(id_session, units["s11"], Role.PRINCIPAL, name="Hiệu trưởng Hòa Bình"))
    start = datetime.now(UTC).replace(microsecond=0)
    draft = await open_submission(client, officer, campaign["id"])
    saved = draft
    for at, who, posts in ((0, officer, 1), (5, officer, 2), (14, officer, 3),  # one line, 3 saves
                           (16, principal, 4),  # someone else: a new line
                           (40, principal, 5)):  # the same person after a pause: a new line
        clock.now = start + timedelta(minutes=at)
        answer = await save(client, who, saved, {"s3_posts": posts})
        assert answer.status_code == 200, answer.text
        saved = answer.json()

    history = (await client.get(f"{API}/submissions/{draft['id']}/history", headers=principal)).json()["items"]

    edits = [(e["actor_name"], e["detail"]["saves"], datetime.fromisoformat(e["at"]))
             for e in history if e["action"] == "edited"]
    assert edits == [("CNTT Hòa Bình", 3, start + timedelta(minutes=14)),
                     ("Hiệu trưởng Hòa Bình", 1, start + timedelta(minutes=16)),
                     ("Hiệu trưởng Hòa Bình", 1, start + timedelta(minutes=40))]
    assert saved["content"]["s3_posts"] == 5 and saved["version"] == draft["version"] + 5


async def test_an_autosave_is_one_statement(  # type: ignore[no-untyped-def]
        client: httpx.AsyncClient, id_session: AsyncSession, sign_in, submissions_app,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Deadline day is mostly autosaves: on PostgreSQL a save of a draft the process saved before is one statement
    that checks the version, the draft's state and the caller's scope, merges the answers, and writes the row and
    its history line. The first save, and the first after the campaign was edited, read first (the campaign and
    its outline) and write after. A stale save writes nothing. No BEGIN or COMMIT either: each write is atomic by
    itself; nor for the dashboard and a submission's page, which only read."""
    units, so_admin, campaign = await _sở_campaign(client, id_session, sign_in)
    officer = await sign_in(await make_user(id_session, units["s11"], Role.SCHOOL_IT_OFFICER, name="CNTT Hòa Bình"))
    draft = await open_submission(client, officer, campaign["id"])
    statements: list[str] = []

    def count(_conn, _cursor, statement: str, *_args) -> None:  # type: ignore[no-untyped-def]
        # The bulk-action runner polls its queue every second on its own connection: not the save's.
        if "bulk_actions" not in statement:
            statements.append(" ".join(statement.split()))

    transactions: list[str] = []  # what asyncpg sends by the simple-query protocol: BEGIN, COMMIT, ROLLBACK
    simple_query = asyncpg.connection.Connection.execute

    this_test = asyncio.current_task()  # the app runs in it (ASGI transport); the bulk runner polls in another

    async def record(self, query: str, *args, **kwargs):  # type: ignore[no-untyped-def]
        if not args and asyncio.current_task() is this_test:
            transactions.append(query.split()[0].rstrip(";").upper())
        return await simple_query(self, query, *args, **kwargs)

    async def save_counted(saved: dict, posts: int) -> tuple[httpx.Response, list[str]]:  # type: ignore[type-arg]
        statements[:] = []
        answer = await save(client, officer, saved, {"s3_posts": posts})
        return answer, list(statements)

    engine = submissions_app.state.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    monkeypatch.setattr(asyncpg.connection.Connection, "execute", record)
    try:
        first, first_sent = await save_counted(draft, 1)  # a new history line
        second, second_sent = await save_counted(first.json(), 2)  # the same line, one more save
        before_edit = len(transactions)
        edited = await client.patch(f"{API}/campaigns/{campaign['id']}", headers=so_admin,
                                    json={"title": "Báo cáo (sửa tên)"})
        del transactions[before_edit:]
        third, third_sent = await save_counted(second.json(), 3)  # the campaign's version changed
        fourth, fourth_sent = await save_counted(third.json(), 4)
        stale = await save(client, officer, first.json(), {"s3_posts": 99})
        dashboard = await client.get(f"{API}/submissions", headers=officer)
        page = await client.get(f"{API}/submissions/{draft['id']}", headers=officer)
        saves_and_reads = list(transactions)
        # An ordinary request after them, on the same pool, still runs in a transaction.
        submitted = await client.post(f"{API}/submissions/{draft['id']}/submit", headers=officer,
                                      json={"base_version": fourth.json()["version"]})
    finally:
        event.remove(engine, "before_cursor_execute", count)
    history = (await client.get(f"{API}/submissions/{draft['id']}/history", headers=officer)).json()["items"]
    stored = (await client.get(f"{API}/submissions/{draft['id']}", headers=officer)).json()

    assert edited.status_code == 200, edited.text
    assert [answer.status_code for answer in (first, second, third, fourth)] == [200] * 4
    assert stale.status_code == 412 and stale.json()["extra"]["current_version"] == stored["version"]
    assert [(e["action"], (e["detail"] or {}).get("saves")) for e in history] == [("created", None), ("edited", 4)]
    assert stored["content"]["s3_posts"] == 4 and stored["version"] == draft["version"] + 4
    assert fourth.json() == stored
    assert fourth.headers["etag"] == f'"{stored["version"]}"'
    assert dashboard.status_code == 200 and [line["version"] for line in dashboard.json()["items"]] == [
        stored["version"]]
    assert page.status_code == 200 and page.json()["version"] == stored["version"]
    assert submitted.status_code == 403  # an IT officer does not submit
    if on_postgres():
        assert saves_and_reads == []
        assert transactions[:1] == ["BEGIN"]
        at_once = "WITH saved AS ( UPDATE submissions AS s SET (content, completeness)"
        read_then_write = "WITH saved AS (UPDATE submissions"
        assert len(first_sent) == 2 and first_sent[1].startswith(read_then_write), first_sent
        # After the edit: the statement misses (it names the campaign's old version), then the read, the new
        # outline, and the write.
        assert len(third_sent) == 4, third_sent
        assert third_sent[0].startswith(at_once) and third_sent[3].startswith(read_then_write), third_sent
        assert "outline" in third_sent[2]
        for sent in (second_sent, fourth_sent):
            assert len(sent) == 1 and sent[0].startswith(at_once), sent
