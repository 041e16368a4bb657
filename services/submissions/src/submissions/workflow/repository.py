"""Every query on submissions, their versions and their history."""

from __future__ import annotations

import functools
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer
from sqlmodel import col

from submissions.campaigns.models import Campaign, CampaignStatus, CampaignTarget
from submissions.workflow.models import Submission, SubmissionEvent, SubmissionVersion


async def get(session: AsyncSession, submission_id: uuid.UUID) -> Submission | None:
    return await session.get(Submission, submission_id)


# The statements of every autosave are built once, with bound parameters: building a statement and its cache key
# on each call was a tenth of the service's CPU on deadline day.
_WITH_CONTEXT = (
    select(Submission, CampaignTarget, Campaign)
    .join(CampaignTarget, col(CampaignTarget.id) == col(Submission.target_id))
    .join(Campaign, col(Campaign.id) == col(Submission.campaign_id))
    .where(col(Submission.id) == bindparam("submission_id"))
)
_LAST_EVENT = (select(SubmissionEvent).where(col(SubmissionEvent.submission_id) == bindparam("submission_id"))
               .order_by(col(SubmissionEvent.seq).desc()).limit(1))
_TOUCH_EVENT = (update(SubmissionEvent).where(col(SubmissionEvent.id) == bindparam("event_id"))
                .values(at=bindparam("at"),
                        detail=bindparam("detail", type_=sa_inspect(SubmissionEvent).columns["detail"].type))
                .execution_options(synchronize_session=False))


async def with_context(session: AsyncSession,
                       submission_id: uuid.UUID) -> tuple[Submission, CampaignTarget, Campaign] | None:
    """The submission with its target and campaign, in one statement: every workflow step needs all three, and
    an autosave on deadline day should not pay three round trips for them."""
    result = await session.execute(_WITH_CONTEXT, {"submission_id": submission_id})
    row = result.one_or_none()
    return (row[0], row[1], row[2]) if row is not None else None


async def unit_took_part(session: AsyncSession, submission_id: uuid.UUID, unit_id: uuid.UUID) -> bool:
    """Whether someone of the unit appears in the submission's history (reviewed, returned, accepted it …)."""
    result = await session.execute(select(col(SubmissionEvent.id)).where(
        col(SubmissionEvent.submission_id) == submission_id, col(SubmissionEvent.actor_unit_id) == unit_id).limit(1))
    return result.first() is not None


async def for_unit(session: AsyncSession, campaign_id: uuid.UUID, unit_id: uuid.UUID) -> Submission | None:
    result = await session.execute(select(Submission).where(col(Submission.campaign_id) == campaign_id,
                                                            col(Submission.unit_id) == unit_id))
    return result.scalar_one_or_none()


_NOT_ON_DASHBOARD: tuple[Any, ...] = (col(Campaign.outline), col(Campaign.attachments), col(Campaign.instructions),
                                     col(Campaign.target_rule), col(Submission.content), col(Submission.return_reasons))


async def of_unit(session: AsyncSession, unit_id: uuid.UUID, *, path_pattern: str | None,
                  campaign_id: uuid.UUID | None, limit: int,
                  offset: int) -> tuple[list[tuple[CampaignTarget, Campaign, Submission | None]], int]:
    """Every non-draft campaign the unit is (still) a target of, with its submission if opened; latest deadline
    first. `path_pattern` keeps only targets under the caller's unit."""
    stmt = (
        select(CampaignTarget, Campaign, Submission)
        .join(Campaign, col(Campaign.id) == col(CampaignTarget.campaign_id))
        .outerjoin(Submission, col(Submission.target_id) == col(CampaignTarget.id))
        .where(col(CampaignTarget.unit_id) == unit_id, col(CampaignTarget.withdrawn_at).is_(None),
               col(Campaign.status) != CampaignStatus.DRAFT.value)
    )
    if path_pattern is not None:
        stmt = stmt.where(col(CampaignTarget.unit_path).like(path_pattern))
    if campaign_id is not None:
        stmt = stmt.where(col(CampaignTarget.campaign_id) == campaign_id)
    total = (await session.execute(select(func.count()).select_from(stmt.subquery()))).scalar_one()
    # The dashboard shows none of the large JSON (outline, answers): not read, not decoded, never lazy-loaded.
    page = stmt.options(*(defer(column, raiseload=True) for column in _NOT_ON_DASHBOARD))
    rows = await session.execute(page.order_by(col(Campaign.due_at).desc(), col(Campaign.id)).limit(limit)
                                 .offset(offset))
    return [(target, campaign, submission) for target, campaign, submission in rows.all()], int(total)


async def compare_and_set(session: AsyncSession, submission: Submission, expected_version: int,
                          values: dict[str, Any]) -> bool:
    """Write `values` only if nobody wrote since `expected_version` (one statement: safe under concurrency).
    The row comes back from the same statement (RETURNING) and refreshes `submission`."""
    params = {f"new_{name}": value for name, value in values.items()}
    params |= {"submission_id": submission.id, "expected_version": expected_version,
               "new_version": expected_version + 1}
    result = await session.execute(_compare_and_set_statement(tuple(sorted(values))), params)
    return result.scalar_one_or_none() is not None


@functools.cache
def _compare_and_set_statement(columns: tuple[str, ...]) -> Any:
    """One statement per set of columns written (a save, a submit, a return …), built once."""
    return (
        update(Submission)
        .where(col(Submission.id) == bindparam("submission_id"),
               col(Submission.version) == bindparam("expected_version"))
        # `new_…`: a bound parameter may not share its column's name in an UPDATE.
        .values({**{name: bindparam(f"new_{name}", type_=sa_inspect(Submission).columns[name].type)
                    for name in columns},
                 "version": bindparam("new_version")})
        .returning(Submission)
        .execution_options(synchronize_session=False, populate_existing=True)
    )


async def last_event(session: AsyncSession, submission_id: uuid.UUID) -> SubmissionEvent | None:
    result = await session.execute(_LAST_EVENT, {"submission_id": submission_id})
    return result.scalar_one_or_none()


async def events(session: AsyncSession, submission_id: uuid.UUID) -> list[SubmissionEvent]:
    result = await session.execute(select(SubmissionEvent).where(col(SubmissionEvent.submission_id) == submission_id)
                                   .order_by(col(SubmissionEvent.seq)))
    return list(result.scalars())


async def versions(session: AsyncSession, submission_id: uuid.UUID) -> list[SubmissionVersion]:
    stmt = select(SubmissionVersion).where(col(SubmissionVersion.submission_id) == submission_id)
    result = await session.execute(stmt.order_by(col(SubmissionVersion.number)))
    return list(result.scalars())


async def version(session: AsyncSession, submission_id: uuid.UUID, number: int) -> SubmissionVersion | None:
    result = await session.execute(select(SubmissionVersion).where(
        col(SubmissionVersion.submission_id) == submission_id, col(SubmissionVersion.number) == number))
    return result.scalar_one_or_none()


async def touch_event(session: AsyncSession, event: SubmissionEvent, at: datetime) -> None:
    """One more save on an existing history line. A plain UPDATE, not a change of the loaded object: the unit of
    work's flush at commit costs more than the statement itself."""
    detail = {**(event.detail or {}), "saves": int((event.detail or {}).get("saves", 1)) + 1}
    await session.execute(_TOUCH_EVENT, {"event_id": event.id, "at": at, "detail": detail})
