"""Reorganisations reach the frozen targets: identity's `unit.changed` moves paths and refreshes grouping.

Targets are frozen at publication with the unit's path ("/<root hex>/…/<unit hex>/"), which every scope check
reads. When a unit moves (`former_path` set):
- a school (a unit that is a target somewhere): the targets of campaigns still open move with it, so its new
  managers act on its open submissions; the old path is kept in `former_unit_paths`, so that the former managers
  still READ what they reviewed (workflow.service.load) and never act. Closed and archived campaigns keep the path
  the school had then: last year's results stay where they were reported.
- an authority (a Sở absorbed by a merger, a Phòng moved): every stored path under it — issuer paths and targets,
  open or closed — is rewritten in SQL, so the surviving authority sees every campaign and result of the one it
  absorbed, and the absorbed one's own users (now under the survivor) still do.
Whatever changed, the unit's open targets take its commune, clusters, levels and type from identity again.
"""

from __future__ import annotations

from typing import Any

import structlog
from pydantic import ValidationError
from sqlalchemy import func, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from edudx_common.tables.inbox import EventEnvelope
from submissions.campaigns.models import Campaign, CampaignStatus, CampaignTarget, issuer_group_of
from submissions.campaigns.service import copy_grouping
from submissions.clients.identity import IdentityClient
from submissions.errors import InvalidEvent
from submissions.status.expressions import issuer_group_sql
from submissions.units.events import UnitChangedIn

log = structlog.get_logger("submissions.units")

# Campaigns whose targets still follow their units (targets exist only once published).
_OPEN = (CampaignStatus.PUBLISHED.value,)


async def handle(session: AsyncSession, envelope: EventEnvelope, *, identity: IdentityClient) -> None:
    if envelope.type != UnitChangedIn.event_type:
        return
    try:
        event = UnitChangedIn.model_validate(envelope.payload)
    except ValidationError as exc:  # a payload we cannot read will not improve: operators look
        raise InvalidEvent(f"Sự kiện {envelope.type} thiếu hoặc sai dữ liệu: {exc}") from exc
    if event.former_path and event.former_path != event.path:
        if await _is_target_anywhere(session, event):
            moved = await _move_open_targets(session, event.former_path, event.path)
        else:
            moved = await _move_everything_under(session, event.former_path, event.path)
        log.info("unit_moved", unit_id=str(event.unit_id), rows=moved)
    await _refresh_grouping(session, identity, event)


async def _is_target_anywhere(session: AsyncSession, event: UnitChangedIn) -> bool:
    found = await session.execute(select(col(CampaignTarget.id))
                                  .where(col(CampaignTarget.unit_id) == event.unit_id).limit(1))
    return found.first() is not None


async def _move_open_targets(session: AsyncSession, former: str, new: str) -> int:
    """The school's (and anything under it) targets in open campaigns take the new path; the old one is kept."""
    open_ids = select(col(Campaign.id)).where(col(Campaign.status).in_(_OPEN))
    targets = (await session.execute(
        select(CampaignTarget, col(Campaign.issuer_unit_id)).join(Campaign, col(Campaign.id) == col(
            CampaignTarget.campaign_id)).where(col(CampaignTarget.unit_path).startswith(former, autoescape=True),
                                                col(CampaignTarget.campaign_id).in_(open_ids)))).all()
    for target, issuer_id in targets:
        old = target.unit_path
        target.unit_path = new + old[len(former):]
        target.issuer_group_hex = issuer_group_of(target.unit_path, issuer_id)
        if old not in target.former_unit_paths:
            target.former_unit_paths = [*target.former_unit_paths, old]
    await session.flush()
    return len(targets)


async def _move_everything_under(session: AsyncSession, former: str, new: str) -> int:
    """Every path under a moved authority, in any campaign: one UPDATE per table, whatever the number of rows."""
    moved = 0
    dialect = session.get_bind().dialect.name
    for model, column in ((Campaign, Campaign.issuer_path), (CampaignTarget, CampaignTarget.unit_path)):
        path = col(column)
        moved_path = literal(new) + func.substr(path, len(former) + 1)
        values: dict[Any, Any] = {column: moved_path}
        if model is CampaignTarget:  # the group under the issuer follows the new path (models.issuer_group_of)
            values[CampaignTarget.issuer_group_hex] = issuer_group_sql(moved_path, dialect)
        result = await session.execute(
            update(model).where(path.startswith(former, autoescape=True))
            .values(values)
            .execution_options(synchronize_session=False))
        moved += int(result.rowcount or 0)  # type: ignore[attr-defined]
    return moved


async def _refresh_grouping(session: AsyncSession, identity: IdentityClient, event: UnitChangedIn) -> None:
    """The unit's open targets group by what identity says of it now (one call, only if it has any)."""
    open_ids = select(col(Campaign.id)).where(col(Campaign.status).in_(_OPEN))
    targets = (await session.execute(
        select(CampaignTarget).where(col(CampaignTarget.unit_id) == event.unit_id,
                                     col(CampaignTarget.campaign_id).in_(open_ids)))).scalars().all()
    if not targets:
        return
    unit = await identity.unit(event.unit_id)
    for target in targets:
        copy_grouping(target, unit)
    await session.flush()
