"""Events reach the services that need them: written with the change, delivered after, once, also to a
receiver that was down when they happened."""

from __future__ import annotations

from pathlib import Path

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from edudx_common.auth import Role
from edudx_common.tables.outbox import OutboxMessage
from submissions.config import Settings
from submissions.main import create_app
from tests.common.event_support import create_receiver, eventually
from tests.identity.builders import make_province, make_user
from tests.submissions.builders import FULL_ANSWERS, make_campaign, make_school_year, open_submission, save, submit
from tests.support import free_port


async def test_campaign_and_submission_events_reach_a_receiver_that_was_down(
    client: httpx.AsyncClient, id_session: AsyncSession, sign_in, submissions_settings: Settings,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    receiver = await create_receiver(tmp_path, "notifications")
    port = free_port()  # nothing listens there yet: the receiver is down
    settings = submissions_settings.model_copy(update={"event_receivers": {"notifications": f"http://127.0.0.1:{port}"}})
    app = create_app(settings)
    units = await make_province(id_session)
    admin = await sign_in(await make_user(id_session, units["p1"], Role.AUTHORITY_ADMIN))
    principal = await sign_in(await make_user(id_session, units["s11"], Role.PRINCIPAL))

    async with app.router.lifespan_context(app), httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://submissions"
    ) as producer:
        year = await make_school_year(producer, admin)
        campaign = await make_campaign(producer, admin, school_year_id=year)

        async def attempted() -> bool:
            async with app.state.session_factory() as session:
                message = (await session.execute(select(OutboxMessage))).scalar_one()
                return message.attempts >= 1 and message.status == "pending"

        await eventually(attempted, within=10)

        with receiver.serving(port=port):
            draft = await open_submission(producer, principal, campaign["id"])
            saved = await save(producer, principal, draft, FULL_ANSWERS)
            await submit(producer, principal, saved.json())

            async def both_processed() -> bool:
                return len(await receiver.processed()) == 2

            await eventually(both_processed, within=20)

        async def statuses() -> dict[str, int]:
            async with app.state.session_factory() as session:
                rows = (await session.execute(
                    select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status))).all()
            return {status: count for status, count in rows}

        async def all_recorded() -> bool:  # the receiver has applied them; the producer records it right after
            return (await statuses()).get("delivered") == 2

        await eventually(all_recorded, within=10)
        final = await statuses()

    types = [p.type for p in receiver.posts]
    assert sorted(set(types)) == ["campaign.published", "submission.submitted"]
    assert len(set(await receiver.processed())) == 2  # each event applied once
    assert final == {"delivered": 2}
    published = next(p for p in receiver.posts if p.type == "campaign.published")
    assert published.payload["campaign_id"] == campaign["id"]
    assert published.payload["target_count"] == 2
    assert receiver.batch_sizes  # sent in batches, where each event is named by its id (no Idempotency-Key)
    await receiver.engine.dispose()
