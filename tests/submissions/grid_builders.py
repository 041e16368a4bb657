"""A campaign in an in-memory SQLite database, with one target per combination a test enumerates: for the tests
that check a rule written twice (in Python and in SQL) agrees with itself on every case."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlmodel import SQLModel

from submissions.campaigns.models import Campaign, CampaignTarget
from submissions.workflow.models import Submission


@asynccontextmanager
async def grid_database(*tables: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions on a new in-memory database holding `tables` (and only those), disposed of afterwards."""
    engine = create_async_engine("sqlite+aiosqlite://")
    async with engine.begin() as conn:
        await conn.run_sync(lambda sync: SQLModel.metadata.create_all(
            sync, tables=[SQLModel.metadata.tables[t] for t in tables]))
    try:
        yield async_sessionmaker(engine, expire_on_commit=False)
    finally:
        await engine.dispose()


def grid_campaign(due: datetime) -> Campaign:
    return Campaign(issuer_unit_id=uuid.uuid4(), issuer_path="/", issuer_name="Sở", school_year_id=uuid.uuid4(),
                    title="Báo cáo", title_folded="bao cao", kind="year_end_report", opens_at=due - timedelta(30),
                    due_at=due)


def add_grid_target(session: AsyncSession, campaign: Campaign, *, extension: datetime | None, state: str | None,
                    **submission: Any) -> CampaignTarget:
    """A school target of `campaign` with `extension`, and its submission in `state` (none when `state` is None)
    with the other `submission` fields given."""
    target = CampaignTarget(campaign_id=campaign.id, unit_id=uuid.uuid4(), unit_code="T", unit_name="Trường",
                            unit_name_folded="truong", unit_type="school", unit_path="/", extension_due_at=extension)
    session.add(target)
    if state is not None:
        session.add(Submission(campaign_id=campaign.id, target_id=target.id, unit_id=target.unit_id, status=state,
                               **submission))
    return target
