"""A draft campaign that was never published can be deleted (and nothing else can); a campaign that accepts
late reports can stop accepting them at a cut-off distinct from the deadline, moved to the new year by a copy."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from edudx_common.auth import Role
from edudx_common.tables.audit import AuditRecord
from tests.identity.builders import make_province, make_user
from tests.submissions.builders import API, FULL_ANSWERS, make_campaign, make_school_year, open_submission, save, submit


async def test_a_draft_is_deleted_a_published_campaign_is_not(client: httpx.AsyncClient, id_session: AsyncSession,
                                                               sign_in, submissions_app) -> None:  # type: ignore[no-untyped-def]
    units = await make_province(id_session)
    admin = await sign_in(await make_user(id_session, units["p1"], Role.AUTHORITY_ADMIN))
    other_admin = await sign_in(await make_user(id_session, units["p2"], Role.AUTHORITY_ADMIN))
    officer = await sign_in(await make_user(id_session, units["s11"], Role.SCHOOL_IT_OFFICER))
    year = await make_school_year(client, admin, "2021-2022")
    draft = await make_campaign(client, admin, school_year_id=year, publish=False)
    published = await make_campaign(client, admin, school_year_id=year)

    by_school = await client.delete(f"{API}/campaigns/{draft['id']}", headers=officer)
    by_other_authority = await client.delete(f"{API}/campaigns/{draft['id']}", headers=other_admin)
    refused = await client.delete(f"{API}/campaigns/{published['id']}", headers=admin)
    deleted = await client.delete(f"{API}/campaigns/{draft['id']}", headers=admin)
    again = await client.delete(f"{API}/campaigns/{draft['id']}", headers=admin)

    assert by_school.status_code == 404 and by_other_authority.status_code == 404  # a draft is hidden from them
    assert refused.status_code == 409 and refused.json()["code"] == "campaign_state_conflict"
    assert deleted.status_code == 204
    assert again.status_code == 404 and again.json()["code"] == "campaign_not_found"
    listed = (await client.get(f"{API}/campaigns", headers=admin)).json()["items"]
    assert [c["id"] for c in listed] == [published["id"]]
    assert (await client.get(f"{API}/campaigns/{published['id']}", headers=admin)).json()["status"] == "published"
    async with submissions_app.state.session_factory() as session:
        actions = (await session.execute(select(AuditRecord.action).where(
            AuditRecord.target_id == draft["id"]))).scalars().all()
    assert sorted(actions) == ["campaign.created", "campaign.deleted"]


async def test_late_reports_are_accepted_until_the_cutoff(client: httpx.AsyncClient, id_session: AsyncSession,
                                                           sign_in, clock) -> None:  # type: ignore[no-untyped-def]
    units = await make_province(id_session)
    admin = await sign_in(await make_user(id_session, units["p1"], Role.AUTHORITY_ADMIN))
    principal = await sign_in(await make_user(id_session, units["s11"], Role.PRINCIPAL))
    year = await make_school_year(client, admin, "2021-2022")
    start = clock()
    due = start + timedelta(days=7)
    cutoff = due + timedelta(days=3)

    before_due = await client.post(f"{API}/campaigns", headers=admin, json={
        "title": "Kế hoạch CNTT 2021-2022", "kind": "annual_plan", "school_year_id": year,
        "opens_at": start.isoformat(), "due_at": due.isoformat(), "late_until": (due - timedelta(hours=1)).isoformat()})
    with_hard_cutoff = await client.post(f"{API}/campaigns", headers=admin, json={
        "title": "Kế hoạch CNTT 2021-2022", "kind": "annual_plan", "school_year_id": year, "late_policy": "hard_cutoff",
        "opens_at": start.isoformat(), "due_at": due.isoformat(), "late_until": cutoff.isoformat()})
    assert before_due.status_code == 422 and with_hard_cutoff.status_code == 422

    campaign = await make_campaign(client, admin, school_year_id=year, opens_at=start - timedelta(days=1),
                                   due_at=due, levels=["thcs"], late_until=cutoff.isoformat())
    assert datetime.fromisoformat(campaign["late_until"]) == cutoff
    url = f"{API}/campaigns/{campaign['id']}"
    # Published: the cut-off may move, but never to before the deadline.
    moved_before = await client.patch(url, json={"late_until": (due - timedelta(days=1)).isoformat()}, headers=admin)
    assert moved_before.status_code == 422 and moved_before.json()["code"] == "invalid_late_cutoff"

    draft = await open_submission(client, principal, campaign["id"])
    saved = (await save(client, principal, draft, FULL_ANSWERS)).json()
    clock.now = cutoff + timedelta(minutes=1)
    too_late = await submit(client, principal, saved)
    assert too_late.status_code == 409 and too_late.json()["code"] == "deadline_passed"
    assert "chỉ nhận báo cáo muộn đến" in too_late.json()["detail"]

    clock.now = cutoff - timedelta(hours=1)
    late = await submit(client, principal, saved)
    assert late.status_code == 200, late.text
    assert late.json()["late_seconds"] == int((cutoff - timedelta(hours=1) - due).total_seconds())

    copied = await client.post(f"{url}/copy", json={}, headers=admin)
    assert copied.status_code == 201
    assert datetime.fromisoformat(copied.json()["late_until"]) == cutoff.replace(year=cutoff.year + 1)
    # Switching to "no late reports" drops the cut-off that no longer means anything.
    hardened = await client.patch(f"{API}/campaigns/{copied.json()['id']}", json={"late_policy": "hard_cutoff"},
                                  headers=admin)
    assert hardened.status_code == 200 and hardened.json()["late_until"] is None
    # The wizard sends the whole form: a null cut-off means "none" (as it does for the rubric), not a refusal.
    copy_url = f"{API}/campaigns/{copied.json()['id']}"
    reopened = await client.patch(copy_url, json={"late_policy": "accept_late", "late_until": None,
                                                  "rubric_id": None}, headers=admin)
    assert reopened.status_code == 200, reopened.text
    assert reopened.json()["late_until"] is None
