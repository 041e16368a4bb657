"""The submissions audit trail: a campaign's life and a report's decisions leave one record each with the
request id; drafts (open, save) and refused actions leave none; each authority reads its own subtree."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from edudx_common.auth import Role
from edudx_common.db import utcnow
from tests.identity.builders import make_province, make_user
from tests.submissions.builders import API, make_campaign, make_school_year, open_submission, submit

AUDIT = f"{API}/audit"
SIMPLE_OUTLINE = {"sections": [{"number": "1", "title": "Mục", "fields": []}]}


async def _trail(client: httpx.AsyncClient, headers: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    response = await client.get(AUDIT, headers=headers, params={"limit": 500, **params})
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


async def test_campaign_and_report_decisions_are_recorded_once_each(
        client: httpx.AsyncClient, id_session: AsyncSession, sign_in) -> None:  # type: ignore[no-untyped-def]
    units = await make_province(id_session)
    admin_user = await make_user(id_session, units["p1"], Role.AUTHORITY_ADMIN)
    admin = await sign_in(admin_user)
    principal = await sign_in(await make_user(id_session, units["s11"], Role.PRINCIPAL))
    so_admin = await sign_in(await make_user(id_session, units["so"], Role.AUTHORITY_ADMIN))
    p2_admin = await sign_in(await make_user(id_session, units["p2"], Role.AUTHORITY_ADMIN))
    year = await make_school_year(client, admin)
    campaign = await make_campaign(client, admin, school_year_id=year, outline=SIMPLE_OUTLINE)

    draft = await open_submission(client, principal, campaign["id"])
    early_approval = await client.post(f"{API}/submissions/{draft['id']}/approve", headers=admin, json={})
    submitted = await submit(client, principal, draft)
    resubmit_while_submitted = await submit(client, principal, submitted.json())
    base = f"{API}/submissions/{draft['id']}"
    returned = await client.post(f"{base}/return", headers=admin, json={"reasons": {"general": "Bổ sung số liệu"}})
    resubmitted = await submit(client, principal, (await client.get(base, headers=principal)).json())
    approved = await client.post(f"{base}/approve", headers=admin,
                                 json={"comment": "Đạt", "confirm_unit_name": draft["unit_name"]})
    extended = await client.put(f"{API}/campaigns/{campaign['id']}/targets/{units['s12'].id}/extension",
                                headers=admin, json={"due_at": (utcnow() + timedelta(days=30)).isoformat(),
                                                     "reason": "Trường bị ngập"})
    closed = await client.post(f"{API}/campaigns/{campaign['id']}/close", headers=admin)
    assert early_approval.status_code == 409 and resubmit_while_submitted.status_code in (409, 412)
    for response in (submitted, returned, resubmitted, approved, extended, closed):
        assert response.status_code == 200, response.text

    by_p1 = await _trail(client, admin, occurred_from=(utcnow() - timedelta(hours=1)).isoformat())
    mine = [r for r in by_p1 if r["target_id"] in (campaign["id"], draft["id"])]
    assert sorted(r["action"] for r in mine) == sorted([
        "campaign.created", "campaign.published", "campaign.extension_changed", "campaign.closed",
        "submission.submitted", "submission.returned", "submission.resubmitted", "submission.approved"])
    request_ids = {r["action"]: r["request_id"] for r in mine}
    assert request_ids["submission.submitted"] == submitted.headers["X-Request-ID"]
    assert request_ids["submission.returned"] == returned.headers["X-Request-ID"]
    assert request_ids["submission.approved"] == approved.headers["X-Request-ID"]
    assert request_ids["campaign.closed"] == closed.headers["X-Request-ID"]
    actions = {r["action"]: r for r in mine}
    assert actions["campaign.published"]["changes"]["status"] == {"before": "draft", "after": "published"}
    assert actions["campaign.published"]["unit_id"] == str(units["p1"].id)
    assert actions["campaign.closed"]["changes"]["status"] == {"before": "published", "after": "closed"}
    assert actions["submission.approved"]["unit_id"] == str(units["s11"].id)
    assert actions["submission.approved"]["actor_id"] == str(admin_user.id)
    assert actions["submission.returned"]["changes"]["reasons"]["general"] == "Bổ sung số liệu"
    extension = actions["campaign.extension_changed"]
    assert extension["unit_id"] == str(units["s12"].id)
    assert extension["changes"]["extension_reason"] == {"before": None, "after": "Trường bị ngập"}

    # The Sở above sees the same records; the other Phòng sees none of them; a school reads nothing.
    by_so = await _trail(client, so_admin, unit_id=str(units["p1"].id))
    assert {r["id"] for r in mine} <= {r["id"] for r in by_so}
    assert not {r["id"] for r in mine} & {r["id"] for r in await _trail(client, p2_admin)}
    assert (await client.get(AUDIT, headers=principal)).status_code == 403
