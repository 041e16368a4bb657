"""A unit's work list (`GET /submissions`): the school dashboard's one call, scoped like every other read."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from edudx_common.auth import Role
from edudx_common.db import utcnow
from tests.identity.builders import make_province, make_user
from tests.submissions.builders import API, make_campaign, make_school_year, open_submission, save, submit


async def test_a_school_sees_its_campaigns_with_the_state_of_its_submission(
        client: httpx.AsyncClient, id_session: AsyncSession, sign_in) -> None:  # type: ignore[no-untyped-def]
    units = await make_province(id_session)
    admin = await sign_in(await make_user(id_session, units["p1"], Role.AUTHORITY_ADMIN))
    principal = await sign_in(await make_user(id_session, units["s11"], Role.PRINCIPAL))
    year = await make_school_year(client, admin)
    due = utcnow() + timedelta(days=3)
    campaign = await make_campaign(client, admin, school_year_id=year, due_at=due)
    await make_campaign(client, admin, school_year_id=year, publish=False, title="Bản nháp chưa ban hành")
    other = await make_campaign(client, admin, school_year_id=year, due_at=due + timedelta(days=30))

    before = (await client.get(f"{API}/submissions", headers=principal)).json()
    draft = await open_submission(client, principal, campaign["id"])
    saved = (await save(client, principal, draft, {"s3_posts": 12})).json()
    extended = await client.put(f"{API}/campaigns/{campaign['id']}/targets/{units['s11'].id}/extension",
                                json={"due_at": (due + timedelta(days=5)).isoformat()}, headers=admin)
    after = (await client.get(f"{API}/submissions", params={"campaign_id": campaign["id"]},
                              headers=principal)).json()
    # The total comes with the page's rows; past the end there is none to carry it.
    second_page = (await client.get(f"{API}/submissions", params={"limit": 1, "offset": 1},
                                    headers=principal)).json()
    past_the_end = (await client.get(f"{API}/submissions", params={"limit": 1, "offset": 5},
                                     headers=principal)).json()

    assert before["total"] == 2 and before["items"][0]["campaign"]["id"] == other["id"]  # latest deadline first
    assert second_page["total"] == 2 and [i["campaign"]["id"] for i in second_page["items"]] == [campaign["id"]]
    assert past_the_end["total"] == 2 and past_the_end["items"] == []
    line = before["items"][1]
    assert line["campaign"]["id"] == campaign["id"] and line["unit_id"] == str(units["s11"].id)
    assert line["submission_id"] is None and line["status"] is None and line["version"] is None
    assert extended.status_code == 200
    [line] = after["items"]
    assert line["submission_id"] == draft["id"] and line["status"] == "draft"
    assert line["version"] == saved["version"] == 2
    assert line["due_at"] == extended.json()["extension_due_at"]


async def test_submitted_and_late_submissions_show_as_such(
        client: httpx.AsyncClient, id_session: AsyncSession, sign_in, clock) -> None:  # type: ignore[no-untyped-def]
    units = await make_province(id_session)
    admin = await sign_in(await make_user(id_session, units["p1"], Role.AUTHORITY_ADMIN))
    principal = await sign_in(await make_user(id_session, units["s12"], Role.PRINCIPAL))
    year = await make_school_year(client, admin)
    campaign = await make_campaign(client, admin, school_year_id=year, due_at=utcnow() + timedelta(hours=1),
                                   outline={"sections": [{"number": "1", "title": "Mục", "fields": []}]})
    draft = await open_submission(client, principal, campaign["id"])
    clock.now = utcnow() + timedelta(days=2, hours=1)
    submitted = await submit(client, principal, draft)

    [line] = (await client.get(f"{API}/submissions", headers=principal)).json()["items"]

    assert submitted.status_code == 200, submitted.text
    assert line["status"] == "submitted" and line["late_seconds"] > 0
    assert line["late_text"].startswith("nộp muộn 2 ngày")
    assert line["last_submitted_at"] is not None


async def test_other_units_lists_follow_the_tree(client: httpx.AsyncClient, id_session: AsyncSession,
                                                 sign_in) -> None:  # type: ignore[no-untyped-def]
    units = await make_province(id_session)
    admin = await sign_in(await make_user(id_session, units["p1"], Role.AUTHORITY_ADMIN))
    other_school = await sign_in(await make_user(id_session, units["s12"], Role.SCHOOL_IT_OFFICER))
    other_phong = await sign_in(await make_user(id_session, units["p2"], Role.REVIEWER))
    year = await make_school_year(client, admin)
    await make_campaign(client, admin, school_year_id=year)
    s11 = {"unit_id": str(units["s11"].id)}

    by_admin = (await client.get(f"{API}/submissions", params=s11, headers=admin)).json()
    by_other_school = (await client.get(f"{API}/submissions", params=s11, headers=other_school)).json()
    by_other_phong = (await client.get(f"{API}/submissions", params=s11, headers=other_phong)).json()
    own_phong = (await client.get(f"{API}/submissions", headers=admin)).json()

    assert [line["unit_name"] for line in by_admin["items"]] == ["Trường THCS Hòa Bình"]
    assert by_other_school == {"items": [], "total": 0, "limit": 50, "offset": 0, "next": None}
    assert by_other_phong["total"] == 0
    assert own_phong["total"] == 0  # the Phòng itself is not a target


async def test_each_line_says_whether_the_campaign_is_open_yet_late_or_closed(
        client: httpx.AsyncClient, id_session: AsyncSession, sign_in, clock) -> None:  # type: ignore[no-untyped-def]
    """The dashboard shows what the server will allow: no "Bắt đầu soạn" before the opening day, and the
    difference between "late but accepted" and "closed"."""
    units = await make_province(id_session)
    admin = await sign_in(await make_user(id_session, units["p1"], Role.AUTHORITY_ADMIN))
    principal = await sign_in(await make_user(id_session, units["s11"], Role.PRINCIPAL))
    year = await make_school_year(client, admin)
    now = utcnow()
    later = await make_campaign(client, admin, school_year_id=year, title="Chưa mở", opens_at=now + timedelta(days=3),
                                due_at=now + timedelta(days=20))
    accepting = await make_campaign(client, admin, school_year_id=year, title="Nhận muộn",
                                    due_at=now + timedelta(days=1))
    await make_campaign(client, admin, school_year_id=year, title="Không nhận muộn",
                        due_at=now + timedelta(days=2), late_policy="hard_cutoff")

    def phases(body: dict) -> dict[str, str]:  # type: ignore[type-arg]
        return {line["campaign"]["title"]: line["phase"] for line in body["items"]}

    today = (await client.get(f"{API}/submissions", headers=principal)).json()
    too_early = await client.post(f"{API}/campaigns/{later['id']}/submissions", headers=principal)
    clock.now = now + timedelta(days=4)
    in_four_days = (await client.get(f"{API}/submissions", headers=principal)).json()
    closed = await client.post(f"{API}/campaigns/{later['id']}/close", headers=admin)
    after_close = (await client.get(f"{API}/submissions", headers=principal)).json()

    assert phases(today) == {"Chưa mở": "not_open", "Nhận muộn": "open", "Không nhận muộn": "open"}
    line = next(i for i in today["items"] if i["campaign"]["id"] == later["id"])
    assert line["campaign"]["opens_at"] == later["opens_at"] and line["campaign"]["late_policy"] == "accept_late"
    assert (too_early.status_code, too_early.json()["code"]) == (409, "submission_state_conflict")
    assert phases(in_four_days) == {"Chưa mở": "open", "Nhận muộn": "late", "Không nhận muộn": "closed"}
    assert accepting["late_policy"] == "accept_late"
    assert closed.status_code == 200, closed.text
    assert phases(after_close)["Chưa mở"] == "closed"  # closed by the issuer, whatever its dates
