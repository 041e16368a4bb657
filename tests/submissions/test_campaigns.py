"""Campaign life cycle: editing limits once published, targets added and withdrawn, per-unit extensions,
copying to the next school year, closing and archiving; and the two-level (Phòng → Sở) review."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from edudx_common.auth import Role
from tests.identity.builders import make_province, make_unit, make_user
from tests.submissions.builders import API, FULL_ANSWERS, make_campaign, make_school_year, open_submission, save, submit


async def test_life_cycle_targets_extension_and_copy(client: httpx.AsyncClient, id_session: AsyncSession, sign_in,  # type: ignore[no-untyped-def]
                                                     clock) -> None:
    units = await make_province(id_session)
    admin = await sign_in(await make_user(id_session, units["p1"], Role.AUTHORITY_ADMIN))
    principal = await sign_in(await make_user(id_session, units["s11"], Role.PRINCIPAL))
    year = await make_school_year(client, admin, "2021-2022")
    campaign = await make_campaign(client, admin, school_year_id=year, late_policy="hard_cutoff", levels=["thcs"])
    url = f"{API}/campaigns/{campaign['id']}"
    due = datetime.fromisoformat(campaign["due_at"])

    rule_change = await client.patch(url, json={"targets": {"unit_types": ["school"]}}, headers=admin)
    moved_deadline = await client.patch(url, json={"due_at": (due + timedelta(days=1)).isoformat()}, headers=admin)
    new_school = await make_unit(id_session, parent=units["p1"], name="Trường THCS Mới", code="T-NEW", levels=["thcs"])
    added = await client.post(f"{url}/targets", json={"unit_id": str(new_school.id)}, headers=admin)
    outside = await client.post(f"{url}/targets", json={"unit_id": str(units["s21"].id)}, headers=admin)
    withdrawn = await client.delete(f"{url}/targets/{new_school.id}", headers=admin)
    extended = await client.put(f"{url}/targets/{units['s11'].id}/extension", headers=admin,
                                json={"due_at": (due + timedelta(days=5)).isoformat(), "reason": "Mất điện"})
    targets = (await client.get(f"{url}/targets", headers=admin)).json()

    assert rule_change.status_code == 409 and rule_change.json()["code"] == "campaign_state_conflict"
    assert moved_deadline.status_code == 200
    assert added.status_code == 201 and outside.status_code == 422
    assert withdrawn.json()["withdrawn_at"] is not None
    assert {t["unit_code"] for t in targets["items"]} == {"T-HB"}
    assert extended.status_code == 200 and extended.json()["extension_reason"] == "Mất điện"

    # past the general deadline, inside the extension: accepted and on time despite the hard cut-off
    clock.now = due + timedelta(days=3)
    draft = await open_submission(client, principal, campaign["id"])
    submitted = await submit(client, principal, (await save(client, principal, draft, FULL_ANSWERS)).json())
    assert submitted.status_code == 200 and submitted.json()["late_seconds"] == 0

    closed = await client.post(f"{url}/close", headers=admin)
    archived = await client.post(f"{url}/archive", headers=admin)
    reopen_archived = await client.post(f"{url}/reopen", headers=admin)
    copied = await client.post(f"{url}/copy", json={}, headers=admin)

    assert closed.json()["status"] == "closed" and archived.json()["status"] == "archived"
    assert reopen_archived.status_code == 409
    assert copied.status_code == 201
    copy = copied.json()
    assert copy["status"] == "draft" and copy["title"].endswith("2022-2023")
    assert datetime.fromisoformat(copy["due_at"]) == datetime.fromisoformat(moved_deadline.json()["due_at"]).replace(
        year=due.year + 1)
    assert copy["outline"] == campaign["outline"] and copy["copied_from_id"] == campaign["id"]
    years = (await client.get(f"{API}/school-years", headers=admin)).json()
    assert [y["name"] for y in years["items"]] == ["2022-2023", "2021-2022"]


async def test_two_level_review_phong_then_so(client: httpx.AsyncClient, id_session: AsyncSession,
                                              sign_in) -> None:  # type: ignore[no-untyped-def]
    units = await make_province(id_session)
    so_admin = await sign_in(await make_user(id_session, units["so"], Role.AUTHORITY_ADMIN))
    so_reviewer = await sign_in(await make_user(id_session, units["so"], Role.REVIEWER))
    phong_reviewer = await sign_in(await make_user(id_session, units["p1"], Role.REVIEWER))
    principal = await sign_in(await make_user(id_session, units["s11"], Role.PRINCIPAL))
    year = await make_school_year(client, so_admin)
    campaign = await make_campaign(client, so_admin, school_year_id=year, two_level_review=True, levels=["thcs"])
    draft = await open_submission(client, principal, campaign["id"])
    await submit(client, principal, (await save(client, principal, draft, FULL_ANSWERS)).json())
    base = f"{API}/submissions/{draft['id']}"

    so_too_early = await client.post(f"{base}/approve", json={}, headers=so_reviewer)
    phong_view = (await client.get(base, headers=phong_reviewer)).json()
    phong_cannot_approve = await client.post(f"{base}/approve", json={}, headers=phong_reviewer)
    forwarded = await client.post(f"{base}/forward", json={"comment": "Đủ hồ sơ"}, headers=phong_reviewer)
    approved = await client.post(f"{base}/approve", json={"confirm_unit_name": draft["unit_name"]},
                                 headers=so_reviewer)
    history = [e["action"] for e in (await client.get(f"{base}/history", headers=so_reviewer)).json()["items"]]

    assert so_too_early.status_code == 409
    assert "forward" in phong_view["allowed_actions"] and "approve" not in phong_view["allowed_actions"]
    assert phong_cannot_approve.status_code == 409
    assert forwarded.json()["status"] == "forwarded"
    assert approved.json()["status"] == "approved"
    assert history[-2:] == ["forwarded", "approved"]
