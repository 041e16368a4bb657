"""The status view filters by a target's status with conditions on the columns (`status_condition`), which the
planner can estimate, not by comparing the status CASE (`status_expression`): the two agree on every combination of
submission state, lateness and extension, for each status and for sets of them."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlmodel import SQLModel

from submissions.campaigns.models import Campaign, CampaignTarget
from submissions.status import board, expressions, repository
from submissions.status.schemas import TargetStatus
from submissions.workflow.models import Submission, SubmissionStatus

NOW = datetime(2026, 12, 16, 10, tzinfo=UTC)
DUE = NOW - timedelta(days=1)
EXTENSIONS = (None, NOW + timedelta(days=3), NOW - timedelta(hours=1))
STATES = (None, *(s.value for s in SubmissionStatus))  # None: the unit never opened its report
LATENESS = (None, 0, 600)


async def test_status_conditions_and_the_status_expression_agree_on_every_combination() -> None:
    engine = create_async_engine("sqlite+aiosqlite://")
    async with engine.begin() as conn:
        await conn.run_sync(lambda sync: SQLModel.metadata.create_all(sync, tables=[
            SQLModel.metadata.tables[t] for t in ("campaigns", "campaign_targets", "submissions", "target_reviews",
                                                  "signed_reports")]))
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    campaign = Campaign(issuer_unit_id=uuid.uuid4(), issuer_path="/", issuer_name="Sở", school_year_id=uuid.uuid4(),
                        title="Báo cáo", title_folded="bao cao", kind="year_end_report", opens_at=DUE - timedelta(30),
                        due_at=DUE)
    async with sessions() as session, session.begin():
        session.add(campaign)
        for extension, state, late in itertools.product(EXTENSIONS, STATES, LATENESS):
            if state is None and late is not None:
                continue  # no submission, no lateness
            target = CampaignTarget(campaign_id=campaign.id, unit_id=uuid.uuid4(), unit_code="T", unit_name="Trường",
                                    unit_name_folded="truong", unit_type="school", unit_path="/",
                                    extension_due_at=extension)
            session.add(target)
            if state is not None:
                session.add(Submission(campaign_id=campaign.id, target_id=target.id, unit_id=target.unit_id,
                                       status=state, late_seconds=late,
                                       resubmission_due_at=NOW - timedelta(hours=2) if state == "returned" else None))
    scope = expressions.Scope(campaign_id=campaign.id, campaign_due=DUE, now=NOW, group_unit_id=campaign.issuer_unit_id)

    async def listed(filters: board.BoardFilters) -> dict[uuid.UUID, str]:
        async with sessions() as session:
            rows = await repository.listed(session, scope, filters=filters, limit=None, offset=0)
        return {row.unit_id: row.status for row in rows}

    every = await listed(board.BoardFilters())
    by_status = {s: await listed(board.BoardFilters(statuses={s.value})) for s in TargetStatus}
    pair = await listed(board.BoardFilters(statuses={"overdue", "submitted_late"}))
    overdue_queue = await listed(board.BoardFilters(queue="overdue"))
    unknown = await listed(board.BoardFilters(statuses={"no_such_status"}))
    # The same statements (one per shape, built once) with another scope's values: a month earlier nothing is late.
    scope = expressions.Scope(campaign_id=campaign.id, campaign_due=DUE, now=NOW - timedelta(days=30),
                             group_unit_id=campaign.issuer_unit_id)
    earlier = await listed(board.BoardFilters())
    earlier_overdue = await listed(board.BoardFilters(statuses={"overdue"}))
    await engine.dispose()

    for status, found in by_status.items():
        assert found == {u: s for u, s in every.items() if s == status.value}, status
    assert pair == {u: s for u, s in every.items() if s in ("overdue", "submitted_late")}
    assert set(overdue_queue) == {u for u, s in every.items() if s == "overdue" or s == "returned"}
    assert unknown == {}
    assert set(every.values()) == {s.value for s in TargetStatus}  # every status is met by some combination
    assert set(earlier) == set(every) and "overdue" not in earlier.values() and earlier_overdue == {}
