"""Changes to a published campaign's targets and life cycle are events too: the notifications service plans
reminders from them (who must submit, by when, whether the campaign is still open)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from edudx_common.auth import Role
from edudx_common.db import utcnow
from edudx_common.tables.outbox import OutboxMessage
from submissions.config import Settings
from submissions.main import create_app
from tests.identity.builders import make_province, make_user
from tests.submissions.builders import API, make_campaign, make_school_year
from tests.support import free_port


async def test_target_extension_and_life_cycle_changes_are_recorded_as_events(
    client: httpx.AsyncClient, id_session: AsyncSession, sign_in, submissions_settings: Settings,  # type: ignore[no-untyped-def]
) -> None:
    # A receiver nobody listens at: the events stay in the outbox, where the test reads them.
    settings = submissions_settings.model_copy(
        update={"event_receivers": {"notifications": f"http://127.0.0.1:{free_port()}"}})
    app = create_app(settings)
    units = await make_province(id_session)
    admin = await sign_in(await make_user(id_session, units["p1"], Role.AUTHORITY_ADMIN))
    later = utcnow() + timedelta(days=20)

    async with app.router.lifespan_context(app), httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://submissions"
    ) as producer:
        year = await make_school_year(producer, admin)
        campaign = await make_campaign(producer, admin, school_year_id=year, levels=["tieu_hoc"])  # s12 only
        base = f"{API}/campaigns/{campaign['id']}"
        added = await producer.post(f"{base}/targets", json={"unit_id": str(units["s11"].id)}, headers=admin)
        extended = await producer.put(f"{base}/targets/{units['s11'].id}/extension", headers=admin,
                                      json={"due_at": later.isoformat(), "reason": "Mất điện kéo dài"})
        withdrawn = await producer.delete(f"{base}/targets/{units['s12'].id}", headers=admin)
        closed = await producer.post(f"{base}/close", headers=admin)
        reopened = await producer.post(f"{base}/reopen", headers=admin)

        async with app.state.session_factory() as session:
            rows = (await session.execute(select(OutboxMessage).order_by(OutboxMessage.created_at))).scalars().all()

    assert [r.status_code for r in (added, extended, withdrawn, closed, reopened)] == [201, 200, 200, 200, 200]
    events: list[tuple[str, dict[str, Any]]] = [(r.event_type, r.payload) for r in rows]
    assert [t for t, _ in events] == ["campaign.published", "campaign.target_added", "campaign.extension_changed",
                                      "campaign.target_withdrawn", "campaign.closed", "campaign.reopened"]
    assert all(p["campaign_id"] == campaign["id"] and p["title"] == campaign["title"] for _, p in events)
    added_payload, extension, withdrawal = events[1][1], events[2][1], events[3][1]
    assert added_payload["unit_id"] == str(units["s11"].id) and added_payload["extension_due_at"] is None
    assert extension["unit_id"] == str(units["s11"].id) and extension["reason"] == "Mất điện kéo dài"
    assert (datetime.fromisoformat(extension["extension_due_at"]) == datetime.fromisoformat(extension["unit_due_at"])
            == later)
    assert withdrawal["unit_id"] == str(units["s12"].id)
    assert events[4][1]["status"] == "closed" and events[5][1]["status"] == "published"
