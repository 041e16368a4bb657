from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from edudx_common.auth import CurrentPrincipal
from edudx_common.db import SessionDep
from edudx_common.errors import PROBLEM_RESPONSES
from edudx_common.pagination import Page, PageParamsDep, make_page
from edudx_common.sync import CursorPage, SyncParamsDep, cursor_page
from submissions.campaigns import service
from submissions.campaigns.schemas import (
    CampaignCopy,
    CampaignCreate,
    CampaignRead,
    CampaignStatus,
    CampaignSummary,
    CampaignUpdate,
    Extension,
    TargetAdd,
    TargetRead,
)
from submissions.deps import ClockDep, EventsDep, IdentityDep

router = APIRouter(prefix="/campaigns", tags=["campaigns"], responses=PROBLEM_RESPONSES)


@router.get("", response_model=CursorPage[CampaignSummary])
async def list_campaigns(
    session: SessionDep,
    principal: CurrentPrincipal,
    page: PageParamsDep,
    sync: SyncParamsDep,
    q: Annotated[str | None, Query(max_length=200, description="Tìm theo tiêu đề, bỏ qua dấu")] = None,
    school_year_id: uuid.UUID | None = None,
    status: CampaignStatus | None = None,
) -> CursorPage[CampaignSummary]:
    """Campaigns the caller deals with: issued in its subtree, or (published) targeting its unit or units below
    it. Latest deadline first; with `updated_since` or `cursor` (mirroring), ordered by (updated_at, id) and
    continued by `next_cursor` (docs/integrations.md)."""
    items, total = await service.list_campaigns(session, principal, page, query=q, school_year_id=school_year_id,
                                                status=status.value if status else None, sync=sync)
    return cursor_page(CampaignSummary, items, total, limit=page.limit, offset=page.offset, sync=sync)


@router.post("", response_model=CampaignRead, status_code=status.HTTP_201_CREATED)
async def create_campaign(body: CampaignCreate, session: SessionDep, principal: CurrentPrincipal,
                          identity: IdentityDep) -> CampaignRead:
    """Create a draft campaign issued by the caller's unit (or a unit below it). Times without an offset are
    Vietnam time. The outline is copied from the library (`outline_id`) or given inline."""
    return CampaignRead.model_validate(await service.create_campaign(session, principal, identity, body))


@router.get("/{campaign_id}", response_model=CampaignRead)
async def get_campaign(campaign_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal) -> CampaignRead:
    """One campaign, with its outline."""
    return CampaignRead.model_validate(await service.get_visible(session, principal, campaign_id))


@router.patch("/{campaign_id}", response_model=CampaignRead)
async def update_campaign(campaign_id: uuid.UUID, body: CampaignUpdate, session: SessionDep,
                          principal: CurrentPrincipal, events: EventsDep) -> CampaignRead:
    """Change a draft freely; once published only wording, attachments, the deadline (targets are told) and the
    late policy."""
    return CampaignRead.model_validate(await service.update_campaign(session, principal, events, campaign_id, body))


@router.delete("/{campaign_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_campaign(campaign_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal) -> None:
    """Delete a draft that was never published (409 `campaign_state_conflict` once published: close and archive
    it instead)."""
    await service.delete_draft(session, principal, campaign_id)


@router.post("/{campaign_id}/publish", response_model=CampaignRead)
async def publish_campaign(campaign_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal,
                           identity: IdentityDep, events: EventsDep) -> CampaignRead:
    """Publish: the targets are chosen from the unit tree now and frozen; every target is notified."""
    campaign = await service.publish_campaign(session, principal, identity, events, campaign_id)
    return CampaignRead.model_validate(campaign)


@router.get("/{campaign_id}/targets/preview", response_model=Page[TargetRead])
async def preview_targets(campaign_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal,
                          identity: IdentityDep, page: PageParamsDep) -> Page[TargetRead]:
    """The units the campaign's rule would select if it were published now (nothing is saved); `total` counts
    them all."""
    campaign = await service.get_managed(session, principal, campaign_id)
    units = await service.resolve_targets(identity, campaign)
    shown = units[page.offset:page.offset + page.limit]
    return make_page(TargetRead, [service.target_row(campaign, u) for u in shown], len(units), page)


@router.post("/{campaign_id}/close", response_model=CampaignRead)
async def close_campaign(campaign_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal,
                         events: EventsDep) -> CampaignRead:
    """No more submissions; reviews go on."""
    return CampaignRead.model_validate(await service.transition(session, principal, events, campaign_id, "close"))


@router.post("/{campaign_id}/reopen", response_model=CampaignRead)
async def reopen_campaign(campaign_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal,
                          events: EventsDep) -> CampaignRead:
    """Open a closed campaign again."""
    return CampaignRead.model_validate(await service.transition(session, principal, events, campaign_id, "reopen"))


@router.post("/{campaign_id}/archive", response_model=CampaignRead)
async def archive_campaign(campaign_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal,
                           events: EventsDep) -> CampaignRead:
    """Archive a closed campaign: read-only from now on."""
    return CampaignRead.model_validate(await service.transition(session, principal, events, campaign_id, "archive"))


@router.post("/{campaign_id}/copy", response_model=CampaignRead, status_code=status.HTTP_201_CREATED)
async def copy_campaign(campaign_id: uuid.UUID, body: CampaignCopy, session: SessionDep,
                        principal: CurrentPrincipal) -> CampaignRead:
    """A new draft of the same campaign for another school year (default: the next), dates moved by a year."""
    return CampaignRead.model_validate(await service.copy_campaign(session, principal, campaign_id, body))


@router.get("/{campaign_id}/targets", response_model=Page[TargetRead])
async def list_targets(campaign_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal, page: PageParamsDep,
                       q: Annotated[str | None, Query(max_length=200)] = None,
                       include_withdrawn: bool = False) -> Page[TargetRead]:
    """The campaign's targets the caller may see, by name: every one for the issuer's side, those in the caller's
    subtree for the units below it, the schools a commune owns for the commune's officials (read only)."""
    items, total = await service.list_targets(session, principal, campaign_id, page, query=q,
                                              include_withdrawn=include_withdrawn)
    return make_page(TargetRead, items, total, page)


@router.post("/{campaign_id}/targets", response_model=TargetRead, status_code=status.HTTP_201_CREATED)
async def add_target(campaign_id: uuid.UUID, body: TargetAdd, session: SessionDep, principal: CurrentPrincipal,
                     identity: IdentityDep, events: EventsDep) -> TargetRead:
    """Add a unit to a published campaign (it must be under the issuer)."""
    return TargetRead.model_validate(
        await service.add_target(session, principal, identity, events, campaign_id, body.unit_id))


@router.delete("/{campaign_id}/targets/{unit_id}", response_model=TargetRead)
async def withdraw_target(campaign_id: uuid.UUID, unit_id: uuid.UUID, session: SessionDep,
                          principal: CurrentPrincipal, events: EventsDep) -> TargetRead:
    """Withdraw a unit: it no longer has to submit; what it submitted is kept."""
    return TargetRead.model_validate(await service.withdraw_target(session, principal, events, campaign_id, unit_id))


@router.put("/{campaign_id}/targets/{unit_id}/extension", response_model=TargetRead)
async def set_extension(campaign_id: uuid.UUID, unit_id: uuid.UUID, body: Extension, session: SessionDep,
                        principal: CurrentPrincipal, events: EventsDep, clock: ClockDep) -> TargetRead:
    """Give one unit a later deadline: a date and time (`due_at`, kept as given), or a period (`days`: now + N
    days, at 17:00 Vietnam time of that working day, as a return's resubmission date). `due_at: null` removes it."""
    return TargetRead.model_validate(
        await service.set_extension(session, principal, events, campaign_id, unit_id, body, now=clock()))
