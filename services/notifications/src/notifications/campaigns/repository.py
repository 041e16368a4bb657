"""Every query on tracked campaigns, their targets and reminder policies (the reminders' own queries, which write
notifications, are in reminders/repository.py)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, or_, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from notifications.campaigns.models import (
    OUTSTANDING,
    CampaignState,
    ReminderPolicy,
    TargetState,
    TrackedCampaign,
    TrackedTarget,
)
from notifications.sql import insert_missing, utc_literal

IDS_PER_STATEMENT = 1000


async def get_campaign(session: AsyncSession, campaign_id: uuid.UUID, *, lock: bool = False) -> TrackedCampaign | None:
    statement = select(TrackedCampaign).where(col(TrackedCampaign.id) == campaign_id)
    if lock and session.get_bind().dialect.name == "postgresql":
        # Two events of one campaign at once (a deadline change and a publication): one waits for the other.
        statement = statement.with_for_update()
    return (await session.execute(statement)).scalar_one_or_none()


async def insert_campaign_if_absent(session: AsyncSession, row: dict[str, Any]) -> bool:
    """Insert the campaign unless a row with its id exists (or is being inserted by another transaction, which
    this one then waits for). True when this call created it."""
    return bool(await insert_missing(session, TrackedCampaign, [row], key=["id"]))


async def campaigns(session: AsyncSession, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, TrackedCampaign]:
    found: dict[uuid.UUID, TrackedCampaign] = {}
    for chunk in _chunks(ids):
        result = await session.execute(select(TrackedCampaign).where(col(TrackedCampaign.id).in_(chunk)))
        found.update({c.id: c for c in result.scalars()})
    return found


async def open_campaigns(session: AsyncSession) -> list[TrackedCampaign]:
    result = await session.execute(select(TrackedCampaign).where(campaign_open()))
    return list(result.scalars())


async def campaigns_to_sync(session: AsyncSession, *, synced_before: datetime, limit: int) -> list[uuid.UUID]:
    """Campaigns an event said we know too little about, then open ones not compared for a while."""
    statement = (
        select(TrackedCampaign.id)
        .where(or_(col(TrackedCampaign.needs_sync).is_(True),
                   and_(campaign_open(),
                        or_(col(TrackedCampaign.synced_at).is_(None), col(TrackedCampaign.synced_at) < synced_before))))
        .order_by(col(TrackedCampaign.needs_sync).desc(), col(TrackedCampaign.synced_at).asc())
        .limit(limit)
    )
    return list((await session.execute(statement)).scalars())


async def policy(session: AsyncSession, campaign_id: uuid.UUID) -> ReminderPolicy | None:
    return await session.get(ReminderPolicy, campaign_id)


async def policies(session: AsyncSession, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, ReminderPolicy]:
    found: dict[uuid.UUID, ReminderPolicy] = {}
    for chunk in _chunks(ids):
        result = await session.execute(select(ReminderPolicy).where(col(ReminderPolicy.campaign_id).in_(chunk)))
        found.update({p.campaign_id: p for p in result.scalars()})
    return found


async def target(session: AsyncSession, campaign_id: uuid.UUID, unit_id: uuid.UUID) -> TrackedTarget | None:
    return await session.get(TrackedTarget, (campaign_id, unit_id))


async def targets_of(session: AsyncSession, campaign_id: uuid.UUID) -> dict[uuid.UUID, TrackedTarget]:
    result = await session.execute(select(TrackedTarget).where(col(TrackedTarget.campaign_id) == campaign_id))
    return {t.unit_id: t for t in result.scalars()}


TargetKey = tuple[uuid.UUID, uuid.UUID]  # (campaign id, unit id)


async def targets_by_key(session: AsyncSession, keys: Sequence[TargetKey]) -> dict[TargetKey, TrackedTarget]:
    """(campaign id, unit id) → target, for the given pairs that exist."""
    found: dict[tuple[uuid.UUID, uuid.UUID], TrackedTarget] = {}
    by_campaign: dict[uuid.UUID, list[uuid.UUID]] = {}
    for campaign_id, unit_id in keys:
        by_campaign.setdefault(campaign_id, []).append(unit_id)
    for campaign_id, unit_ids in by_campaign.items():
        for chunk in _chunks(unit_ids):
            result = await session.execute(select(TrackedTarget).where(
                col(TrackedTarget.campaign_id) == campaign_id, col(TrackedTarget.unit_id).in_(chunk)))
            found.update({(t.campaign_id, t.unit_id): t for t in result.scalars()})
    return found


async def add_targets(session: AsyncSession, rows: list[dict[str, Any]]) -> list[uuid.UUID]:
    """New targets; those already known keep what we know about them. Returns the units that were new."""
    return [unit_id for _campaign_id, unit_id in
            await insert_missing(session, TrackedTarget, rows, key=["campaign_id", "unit_id"])]


def campaign_open() -> Any:
    return col(TrackedCampaign.status) == CampaignState.OPEN.value


def outstanding() -> Any:
    return and_(col(TrackedTarget.state).in_(OUTSTANDING), col(TrackedTarget.withdrawn).is_(False))


def _scope(campaign_id: uuid.UUID, unit_ids: Sequence[uuid.UUID] | None) -> list[Any]:
    conditions: list[Any] = [col(TrackedTarget.campaign_id) == campaign_id]
    if unit_ids is not None:
        conditions.append(col(TrackedTarget.unit_id).in_(list(unit_ids)))
    return conditions


async def follow_campaign_deadline(session: AsyncSession, campaign: TrackedCampaign, *, due_at: datetime,
                                   fact_at: datetime, except_units: Sequence[uuid.UUID]) -> None:
    """The campaign's deadline became `due_at` (a fact of `fact_at`): every target not in `except_units` whose
    deadline comes from an older fact now has it (bumping its revision when it moves)."""
    older = or_(col(TrackedTarget.due_fact_at).is_(None), col(TrackedTarget.due_fact_at) < utc_literal(fact_at))
    revision = col(TrackedTarget.revision)
    moved = case((col(TrackedTarget.due_at) != utc_literal(due_at), revision + 1), else_=revision)
    conditions = [col(TrackedTarget.campaign_id) == campaign.id, older]
    excepted = list(except_units)
    for start in range(0, len(excepted), IDS_PER_STATEMENT):
        conditions.append(col(TrackedTarget.unit_id).not_in(excepted[start : start + IDS_PER_STATEMENT]))
    await session.execute(update(TrackedTarget).where(*conditions)
                          .values(due_at=utc_literal(due_at), due_fact_at=utc_literal(fact_at), revision=moved)
                          .execution_options(synchronize_session=False))


async def outstanding_deadlines(session: AsyncSession, campaign_id: uuid.UUID,
                                unit_ids: Sequence[uuid.UUID] | None = None) -> list[datetime]:
    deadlines: set[datetime] = set()
    for chunk in _chunks_or_all(unit_ids):
        result = await session.execute(select(TrackedTarget.due_at).distinct()
                                       .where(*_scope(campaign_id, chunk), outstanding()))
        deadlines.update(result.scalars())
    return sorted(deadlines)


async def set_next_reminder(session: AsyncSession, campaign_id: uuid.UUID, due_at: datetime | None,
                            next_at: datetime | None, unit_ids: Sequence[uuid.UUID] | None = None, *,
                            keep: Sequence[datetime] = ()) -> None:
    """Outstanding targets with deadline `due_at` (None: every target that is not outstanding) are next reminded
    at `next_at` — except those waiting for one of the times in `keep` (a slot of the same deadline whose time
    has come but that the planner has not handled yet: moving past it would lose that reminder)."""
    value: Any = next_at
    if keep:
        value = case((col(TrackedTarget.next_reminder_at).in_(list(keep)), TrackedTarget.next_reminder_at),
                     else_=utc_literal(next_at))
    for chunk in _chunks_or_all(unit_ids):
        conditions = _scope(campaign_id, chunk)
        if due_at is None:
            conditions.append(~outstanding())
        else:
            conditions += [outstanding(), col(TrackedTarget.due_at) == due_at]
        await session.execute(update(TrackedTarget).where(*conditions).values(next_reminder_at=value)
                              .execution_options(synchronize_session=False))


async def clear_reminders(session: AsyncSession, campaign_id: uuid.UUID) -> None:
    await session.execute(update(TrackedTarget).where(col(TrackedTarget.campaign_id) == campaign_id)
                          .values(next_reminder_at=None).execution_options(synchronize_session=False))


async def units_on_campaign_deadline(session: AsyncSession, campaign_id: uuid.UUID) -> list[uuid.UUID]:
    """Targets still to submit for the first time, without an extension: the campaign's deadline is theirs."""
    result = await session.execute(select(TrackedTarget.unit_id).where(
        col(TrackedTarget.campaign_id) == campaign_id, col(TrackedTarget.state) == TargetState.PENDING.value,
        col(TrackedTarget.withdrawn).is_(False), col(TrackedTarget.extension_due_at).is_(None)))
    return list(result.scalars())


async def overdue_targets(session: AsyncSession, campaign_id: uuid.UUID, now: datetime) -> list[TrackedTarget]:
    result = await session.execute(select(TrackedTarget).where(
        col(TrackedTarget.campaign_id) == campaign_id, outstanding(), col(TrackedTarget.due_at) < now)
        .order_by(col(TrackedTarget.due_at)))
    return list(result.scalars())


async def submitted_between(session: AsyncSession, campaign_id: uuid.UUID, since: datetime,
                            until: datetime) -> list[TrackedTarget]:
    result = await session.execute(select(TrackedTarget).where(
        col(TrackedTarget.campaign_id) == campaign_id, col(TrackedTarget.withdrawn).is_(False),
        col(TrackedTarget.last_submitted_at) >= since, col(TrackedTarget.last_submitted_at) < until)
        .order_by(col(TrackedTarget.last_submitted_at)))
    return list(result.scalars())


async def unit_deadlines(session: AsyncSession, unit_id: uuid.UUID) -> list[tuple[TrackedCampaign, TrackedTarget]]:
    """Open campaigns the unit must submit to, with its target row."""
    result = await session.execute(
        select(TrackedCampaign, TrackedTarget)
        .join(TrackedTarget, col(TrackedTarget.campaign_id) == col(TrackedCampaign.id))
        .where(col(TrackedTarget.unit_id) == unit_id, col(TrackedTarget.withdrawn).is_(False),
               campaign_open())
        .order_by(col(TrackedTarget.due_at)))
    return [(row[0], row[1]) for row in result.all()]


async def issued_by(session: AsyncSession, unit_id: uuid.UUID) -> list[TrackedCampaign]:
    result = await session.execute(select(TrackedCampaign).where(
        col(TrackedCampaign.issuer_unit_id) == unit_id, campaign_open())
        .order_by(col(TrackedCampaign.due_at)))
    return list(result.scalars())


def _chunks(ids: Sequence[uuid.UUID]) -> list[list[uuid.UUID]]:
    unique = list(dict.fromkeys(ids))
    return [unique[start : start + IDS_PER_STATEMENT] for start in range(0, len(unique), IDS_PER_STATEMENT)]


def _chunks_or_all(ids: Sequence[uuid.UUID] | None) -> list[list[uuid.UUID] | None]:
    return [None] if ids is None else list(_chunks(ids))
