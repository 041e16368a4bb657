"""Campaign rules: who issues and sees what, how targets are chosen and frozen, the campaign's life cycle."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from edudx_common.auth import Principal, Role
from edudx_common.db import utcnow
from edudx_common.pagination import PageParams
from edudx_common.sync import SyncParams
from edudx_common.tables import audit
from edudx_common.text import fold
from edudx_common.timezone import format_vn
from submissions import deadlines
from submissions.access import (
    AUTHORITY_ROLES,
    manages_campaign,
    path_pattern,
    sees_everything,
    unit_in_path,
)
from submissions.campaigns import repository
from submissions.campaigns.events import (
    STATUS_EVENTS,
    CampaignDeadlineChanged,
    CampaignEvent,
    CampaignExtensionChanged,
    CampaignPublished,
    CampaignTargetAdded,
    CampaignTargetWithdrawn,
)
from submissions.campaigns.models import Campaign, CampaignStatus, CampaignTarget, LatePolicy, issuer_group_of
from submissions.campaigns.schemas import (
    PUBLISHED_EDITABLE,
    CampaignCopy,
    CampaignCreate,
    CampaignUpdate,
    Extension,
    TargetRule,
    check_late_until,
)
from submissions.clients.identity import IdentityClient, UnitInfo
from submissions.errors import (
    CampaignNotFound,
    CampaignStateConflict,
    InvalidLateCutoff,
    InvalidTargets,
    NotAllowed,
)
from submissions.events import EventSink
from submissions.outlines import service as outlines_service
from submissions.school_years import service as school_years_service

# --- visibility ----------------------------------------------------------------------------------------


async def get_visible(session: AsyncSession, principal: Principal, campaign_id: uuid.UUID) -> Campaign:
    """The campaign if the caller issued it (or sits above the issuer), or a target unit or one above it
    may see it; otherwise 404."""
    campaign = await repository.get(session, campaign_id)
    if campaign is None or not await _visible(session, principal, campaign):
        raise CampaignNotFound()
    return campaign


async def _visible(session: AsyncSession, principal: Principal, campaign: Campaign) -> bool:
    if sees_everything(principal):
        return True
    if principal.has_any(*AUTHORITY_ROLES) and unit_in_path(principal.unit_id, campaign.issuer_path):
        return True
    if campaign.status == CampaignStatus.DRAFT or principal.unit_id is None:
        return False
    if await repository.unit_is_targeted_below(session, campaign.id, path_pattern(principal.unit_id)):
        return True
    # A commune's officials follow their schools (read only), though the commune is not on their paths.
    return principal.has_any(*AUTHORITY_ROLES) and await repository.commune_is_targeted(
        session, campaign.id, principal.unit_id)


async def get_managed(session: AsyncSession, principal: Principal, campaign_id: uuid.UUID) -> Campaign:
    campaign = await get_visible(session, principal, campaign_id)
    if not manages_campaign(principal, campaign.issuer_path):
        raise NotAllowed("Chỉ quản trị viên của đơn vị ban hành mới thay đổi được đợt báo cáo.")
    return campaign


async def list_campaigns(session: AsyncSession, principal: Principal, page: PageParams, *, query: str | None,
                         school_year_id: uuid.UUID | None, status: str | None,
                         sync: SyncParams | None = None) -> tuple[list[Campaign], int]:
    is_school_user = not principal.has_any(*AUTHORITY_ROLES)
    if sees_everything(principal):
        pattern, target_unit = None, None
    elif principal.unit_id is None:
        return [], 0
    elif is_school_user:
        pattern, target_unit = None, principal.unit_id
    else:
        pattern, target_unit = path_pattern(principal.unit_id), None
    commune = None if is_school_user or pattern is None else principal.unit_id
    return await repository.search(session, path_pattern=pattern, target_unit_id=target_unit, commune_id=commune,
                                   query=query, school_year_id=school_year_id, status=status, limit=page.limit,
                                   offset=page.offset, sync=sync)


# --- create and edit -----------------------------------------------------------------------------------


async def create_campaign(session: AsyncSession, principal: Principal, identity: IdentityClient,
                          data: CampaignCreate) -> Campaign:
    if not (principal.is_system_admin or principal.has_any(Role.AUTHORITY_ADMIN)):
        raise NotAllowed("Chỉ quản trị viên của cơ quan quản lý (Sở GDĐT) mới tạo được đợt báo cáo.")
    issuer_id = data.issuer_unit_id or principal.unit_id
    if issuer_id is None:
        raise NotAllowed("Tài khoản chưa gắn với đơn vị nào.")
    issuer = await identity.unit(issuer_id)
    if not (principal.is_system_admin or unit_in_path(principal.unit_id, issuer.path)):
        raise NotAllowed("Đơn vị ban hành phải thuộc phạm vi quản lý của bạn.")
    if issuer.type in ("school", "center"):
        raise InvalidTargets("Trường/trung tâm không ban hành đợt báo cáo.")
    await school_years_service.get(session, data.school_year_id)
    outline = await _outline_copy(session, principal, data.outline_id, data.outline)
    campaign = Campaign(
        issuer_unit_id=issuer.id, issuer_path=issuer.path, issuer_name=issuer.name,
        school_year_id=data.school_year_id, title=data.title, title_folded=fold(data.title), kind=data.kind.value,
        legal_reference=data.legal_reference, instructions=data.instructions,
        attachments=[a.model_dump(mode="json") for a in data.attachments], opens_at=data.opens_at,
        due_at=data.due_at, late_policy=data.late_policy.value, late_until=data.late_until,
        rubric_id=data.rubric_id, outline_id=data.outline_id, outline=outline,
        target_rule=data.targets.model_dump(mode="json"), two_level_review=data.two_level_review,
        require_signature=data.require_signature, revision_days=data.revision_days,
        created_by=principal.subject,
    )
    session.add(campaign)
    await session.flush()
    _audit(session, principal, "campaign.created", campaign, after=_audited(campaign))
    return campaign


# Fields of a campaign the audit trail compares (the outline is large: its change shows as `outline_id`).
AUDITED_FIELDS = ("title", "kind", "status", "legal_reference", "opens_at", "due_at", "late_policy", "late_until",
                  "rubric_id", "outline_id", "target_rule", "two_level_review", "require_signature",
                  "revision_days")


def _audited(campaign: Campaign) -> dict[str, Any]:
    return audit.snapshot(campaign, AUDITED_FIELDS)


def _audit(session: AsyncSession, principal: Principal, action: str, campaign: Campaign, *,
           before: dict[str, Any] | None = None, after: dict[str, Any] | None = None,
           target: CampaignTarget | None = None) -> None:
    """Campaign-wide changes belong to the issuer; a change for one target, to that unit."""
    audit.record(session, action=action, actor=principal, target_type="campaign", target_id=campaign.id,
                 unit_id=target.unit_id if target else campaign.issuer_unit_id,
                 unit_path=target.unit_path if target else campaign.issuer_path, before=before, after=after)


async def _outline_copy(session: AsyncSession, principal: Principal, outline_id: uuid.UUID | None,
                        inline: Any) -> dict[str, Any] | None:
    if outline_id is not None:
        return dict((await outlines_service.get_visible(session, principal, outline_id)).definition)
    if inline is not None:
        return dict(inline.model_dump(mode="json", exclude_none=True))
    return None


async def update_campaign(session: AsyncSession, principal: Principal, events: EventSink, campaign_id: uuid.UUID,
                          data: CampaignUpdate) -> Campaign:
    campaign = await get_managed(session, principal, campaign_id)
    changes = data.model_dump(exclude_unset=True)
    if campaign.status != CampaignStatus.DRAFT:
        refused = sorted(set(changes) - PUBLISHED_EDITABLE)
        if campaign.status != CampaignStatus.PUBLISHED or refused:
            raise CampaignStateConflict(
                "Đợt báo cáo đã ban hành chỉ sửa được tiêu đề, căn cứ, hướng dẫn, tệp đính kèm, hạn nộp và "
                f"quy định nộp muộn (không sửa được: {', '.join(refused) or 'mọi trường khi đã đóng'}).")
    old_due = campaign.due_at
    before = _audited(campaign)
    if "outline_id" in changes or "outline" in changes:
        campaign.outline = await _outline_copy(session, principal, data.outline_id, data.outline)
        campaign.outline_id = data.outline_id
    for name in ("title", "legal_reference", "instructions", "opens_at", "due_at", "late_until", "rubric_id",
                 "two_level_review", "require_signature", "revision_days"):
        if name in changes:
            setattr(campaign, name, getattr(data, name))
    if data.kind is not None:
        campaign.kind = data.kind.value
    if data.late_policy is not None:
        campaign.late_policy = data.late_policy.value
        if data.late_policy == LatePolicy.HARD_CUTOFF and "late_until" not in changes:
            campaign.late_until = None  # no late reports at all: a cut-off for them means nothing
    if data.attachments is not None:
        campaign.attachments = [a.model_dump(mode="json") for a in data.attachments]
    if data.targets is not None:
        campaign.target_rule = data.targets.model_dump(mode="json")
    if campaign.opens_at >= campaign.due_at:
        raise CampaignStateConflict("Thời điểm mở phải trước hạn nộp.")
    try:
        check_late_until(LatePolicy(campaign.late_policy), campaign.due_at, campaign.late_until)
    except ValueError as error:
        raise InvalidLateCutoff(f"{str(error).capitalize()}.") from None
    campaign.title_folded = fold(campaign.title)
    campaign.version += 1
    campaign.updated_at = utcnow()
    await session.flush()
    _audit(session, principal, "campaign.updated", campaign, before=before, after=_audited(campaign))
    if campaign.status == CampaignStatus.PUBLISHED and campaign.due_at != old_due:
        exceptions = await deadlines.unit_deadlines(session, campaign.id, campaign.due_at, only_own=True)
        await events.emit(session, CampaignDeadlineChanged.model_validate({
            **CampaignEvent.base(campaign), "old_due_at": old_due, "unit_due_exceptions": exceptions,
            "message": f"Hạn nộp đổi từ {format_vn(old_due)} thành {format_vn(campaign.due_at)}"}))
    return campaign


# --- targets -------------------------------------------------------------------------------------------


async def resolve_targets(identity: IdentityClient, campaign: Campaign) -> list[UnitInfo]:
    """The units the campaign's rule selects now, from identity (the issuer itself is never a target)."""
    rule = TargetRule.model_validate(campaign.target_rule)
    if rule.unit_ids is not None:
        units = await identity.units_by_ids(campaign.issuer_unit_id, rule.unit_ids)
        missing = set(rule.unit_ids) - {u.id for u in units}
        if missing:
            raise InvalidTargets(f"{len(missing)} đơn vị không thuộc phạm vi của đơn vị ban hành hoặc đã ngừng "
                                 "hoạt động.", extra={"unit_ids": sorted(str(m) for m in missing)})
    else:
        units = await identity.units_under(campaign.issuer_unit_id, unit_types=rule.unit_types,
                                           education_levels=rule.education_levels)
    return selected(units, rule, campaign.issuer_unit_id)


def selected(units: list[UnitInfo], rule: TargetRule, issuer_id: uuid.UUID) -> list[UnitInfo]:
    """Of the units identity listed, those the rule keeps: communes and clusters are judged from each unit's
    answer (one listing whatever the rule), exclusions last; the issuer and inactive units never."""
    communes, clusters, excluded = set(rule.commune_ids), set(rule.cluster_ids), set(rule.exclude_unit_ids)
    if rule.unit_ids is None and communes:
        units = [u for u in units if u.commune is not None and u.commune.id in communes]
    if rule.unit_ids is None and clusters:
        units = [u for u in units if any(c.id in clusters for c in u.clusters)]
    return [u for u in units if u.id != issuer_id and u.active and u.id not in excluded]


def target_row(campaign: Campaign, unit: UnitInfo) -> CampaignTarget:
    target = CampaignTarget(
        campaign_id=campaign.id, unit_id=unit.id, unit_code=unit.code, unit_name=unit.name,
        unit_name_folded=fold(unit.name), unit_type=unit.type, education_levels=unit.education_levels,
        unit_path=unit.path, issuer_group_hex=issuer_group_of(unit.path, campaign.issuer_unit_id),
    )
    copy_grouping(target, unit)
    return target


# Education levels from the youngest pupils up: a school's levels are stored in this order, so that schools with
# the same levels group together (and read as people list them).
LEVEL_ORDER = ("mam_non", "tieu_hoc", "thcs", "thpt", "gdtx")


def level_order(level: str) -> tuple[int, str]:
    return (LEVEL_ORDER.index(level) if level in LEVEL_ORDER else len(LEVEL_ORDER), level)


def copy_grouping(target: CampaignTarget, unit: UnitInfo) -> None:
    """What status and results group by: the unit's commune, clusters, levels and type as identity says now."""
    target.commune_id = unit.commune.id if unit.commune else None
    target.commune_name = unit.commune.name if unit.commune else None
    ordered = sorted(unit.clusters, key=lambda c: c.code)
    target.cluster_codes = [c.code for c in ordered]
    target.cluster_names = [c.name for c in ordered]
    target.education_levels = sorted(unit.education_levels, key=level_order)
    target.unit_type = unit.type


async def publish_campaign(session: AsyncSession, principal: Principal, identity: IdentityClient,
                           events: EventSink, campaign_id: uuid.UUID) -> Campaign:
    """Freeze the targets and open the campaign to them."""
    campaign = await get_managed(session, principal, campaign_id)
    locked = await repository.get_for_update(session, campaign.id)  # two admins publishing at once: one wins
    assert locked is not None
    if campaign.status != CampaignStatus.DRAFT:
        raise CampaignStateConflict("Đợt báo cáo đã được ban hành.")
    units = await resolve_targets(identity, campaign)
    if not units:
        raise InvalidTargets("Không có đơn vị nào phù hợp với tiêu chí đối tượng báo cáo.")
    repository.add_targets(session, [target_row(campaign, u) for u in units])
    campaign.status = CampaignStatus.PUBLISHED.value
    campaign.published_at = utcnow()
    campaign.updated_at = campaign.published_at  # mirrors syncing by `updated_since` must see the publication
    campaign.version += 1
    await session.flush()
    audit.record(session, action="campaign.published", actor=principal, target_type="campaign",
                 target_id=campaign.id, unit_id=campaign.issuer_unit_id, unit_path=campaign.issuer_path,
                 before={"status": CampaignStatus.DRAFT.value}, after={"status": campaign.status},
                 changes={"target_count": len(units)})
    await events.emit(session, CampaignPublished.model_validate({
        **CampaignEvent.base(campaign), "target_count": len(units), "target_unit_ids": [u.id for u in units]}))
    return campaign


async def add_target(session: AsyncSession, principal: Principal, identity: IdentityClient, events: EventSink,
                     campaign_id: uuid.UUID, unit_id: uuid.UUID) -> CampaignTarget:
    campaign = await get_managed(session, principal, campaign_id)
    if campaign.status != CampaignStatus.PUBLISHED:
        raise CampaignStateConflict("Chỉ thêm đơn vị vào đợt báo cáo đang mở.")
    found = await identity.units_by_ids(campaign.issuer_unit_id, [unit_id])
    unit = found[0] if found else None
    if unit is None or unit.id == campaign.issuer_unit_id:
        raise InvalidTargets("Đơn vị không thuộc phạm vi của đơn vị ban hành hoặc đã ngừng hoạt động.")
    target = await repository.target(session, campaign.id, unit_id)
    if target is not None:
        target.withdrawn_at = None  # withdrawn earlier, back again: its submission is still there
    else:
        target = target_row(campaign, unit)
        repository.add_targets(session, [target])
    await session.flush()
    _audit(session, principal, "campaign.target_added", campaign, target=target)
    await events.emit(session, CampaignTargetAdded.of(campaign, target, unit_due_at=await _due_of(session, campaign,
                                                                                               target)))
    return target


async def withdraw_target(session: AsyncSession, principal: Principal, events: EventSink, campaign_id: uuid.UUID,
                          unit_id: uuid.UUID) -> CampaignTarget:
    """The unit no longer has to submit; what it already submitted is kept."""
    campaign = await get_managed(session, principal, campaign_id)
    target = await repository.target(session, campaign.id, unit_id)
    if target is None:
        raise InvalidTargets("Đơn vị không phải đối tượng của đợt báo cáo.")
    target.withdrawn_at = target.withdrawn_at or utcnow()
    await session.flush()
    _audit(session, principal, "campaign.target_withdrawn", campaign, target=target)
    await events.emit(session, CampaignTargetWithdrawn.of(campaign, target,
                                                          unit_due_at=await _due_of(session, campaign, target)))
    return target


async def set_extension(session: AsyncSession, principal: Principal, events: EventSink, campaign_id: uuid.UUID,
                        unit_id: uuid.UUID, data: Extension, *, now: datetime) -> CampaignTarget:
    """`data.days`: the period is counted from `now` and ends at the end of that working day (as a return's
    resubmission date does); `data.due_at` is kept as given."""
    campaign = await get_managed(session, principal, campaign_id)
    target = await repository.target(session, campaign.id, unit_id)
    if target is None or target.withdrawn_at is not None:
        raise InvalidTargets("Đơn vị không phải đối tượng của đợt báo cáo.")
    due = deadlines.extension_due(now, data.days) if data.days is not None else data.due_at
    if due is not None and due <= campaign.due_at:
        raise InvalidTargets("Hạn gia hạn phải sau hạn chung của đợt báo cáo.")
    before = audit.snapshot(target, ("extension_due_at", "extension_reason"))
    target.extension_due_at = due
    target.extension_reason = data.reason if due else None
    await session.flush()
    _audit(session, principal, "campaign.extension_changed", campaign, target=target, before=before,
           after=audit.snapshot(target, ("extension_due_at", "extension_reason")))
    await events.emit(session, CampaignExtensionChanged.of(campaign, target, reason=target.extension_reason,
                                                           unit_due_at=await _due_of(session, campaign, target)))
    return target




async def _due_of(session: AsyncSession, campaign: Campaign, target: CampaignTarget) -> datetime:
    """The target's effective deadline now (a returned report's resubmission date included)."""
    found = await deadlines.unit_deadlines(session, campaign.id, campaign.due_at, unit_ids=[target.unit_id])
    return found.get(target.unit_id) or deadlines.unit_due(campaign.due_at, target.extension_due_at)


# --- life cycle ----------------------------------------------------------------------------------------

# action → (from, to, event)
_TRANSITIONS = {
    "close": ({CampaignStatus.PUBLISHED}, CampaignStatus.CLOSED, "campaign.closed"),
    "reopen": ({CampaignStatus.CLOSED}, CampaignStatus.PUBLISHED, "campaign.reopened"),
    "archive": ({CampaignStatus.CLOSED}, CampaignStatus.ARCHIVED, "campaign.archived"),
}


async def transition(session: AsyncSession, principal: Principal, events: EventSink, campaign_id: uuid.UUID,
                     action: str) -> Campaign:
    campaign = await get_managed(session, principal, campaign_id)
    allowed_from, to, event_type = _TRANSITIONS[action]
    if CampaignStatus(campaign.status) not in allowed_from:
        raise CampaignStateConflict(f"Không thể '{action}' đợt báo cáo đang ở trạng thái '{campaign.status}'.")
    before = {"status": campaign.status}
    campaign.status = to.value
    now = utcnow()
    if to == CampaignStatus.CLOSED:
        campaign.closed_at = now
    elif to == CampaignStatus.ARCHIVED:
        campaign.archived_at = now
    campaign.version += 1
    campaign.updated_at = now
    await session.flush()
    _audit(session, principal, event_type, campaign, before=before, after={"status": campaign.status})
    await events.emit(session, STATUS_EVENTS[event_type].model_validate({**CampaignEvent.base(campaign),
                                                                         "status": to.value}))
    return campaign


async def copy_campaign(session: AsyncSession, principal: Principal, campaign_id: uuid.UUID,
                        data: CampaignCopy) -> Campaign:
    """A new draft for another school year: same rule, outline and settings, dates moved by the years between."""
    source = await get_managed(session, principal, campaign_id)
    old_year = await school_years_service.get(session, source.school_year_id)
    new_year = (await school_years_service.get(session, data.school_year_id) if data.school_year_id
                else await school_years_service.next_year(session, old_year))
    years = int(new_year.name[:4]) - int(old_year.name[:4])
    title = source.title.replace(old_year.name, new_year.name)
    copy = Campaign(
        issuer_unit_id=source.issuer_unit_id, issuer_path=source.issuer_path, issuer_name=source.issuer_name,
        school_year_id=new_year.id, title=title, title_folded=fold(title),
        kind=source.kind, legal_reference=source.legal_reference, instructions=source.instructions,
        attachments=list(source.attachments), opens_at=_shift_years(source.opens_at, years),
        due_at=_shift_years(source.due_at, years), late_policy=source.late_policy,
        late_until=_shift_years(source.late_until, years) if source.late_until else None, rubric_id=source.rubric_id,
        outline_id=source.outline_id, outline=source.outline, target_rule=dict(source.target_rule),
        two_level_review=source.two_level_review, require_signature=source.require_signature,
        revision_days=source.revision_days,
        copied_from_id=source.id, created_by=principal.subject,
    )
    session.add(copy)
    await session.flush()
    _audit(session, principal, "campaign.copied", copy, after={**_audited(copy), "copied_from_id": source.id})
    return copy


async def delete_draft(session: AsyncSession, principal: Principal, campaign_id: uuid.UUID) -> None:
    """Delete a draft that was never published: no unit was ever told about it, no submission or event refers to
    it. Once published, a campaign is closed and archived instead, never deleted."""
    campaign = await get_managed(session, principal, campaign_id)
    locked = await repository.get_for_update(session, campaign.id)  # not while another admin publishes it
    assert locked is not None
    if campaign.status != CampaignStatus.DRAFT or campaign.published_at is not None:
        raise CampaignStateConflict("Chỉ xoá được đợt báo cáo chưa ban hành; đợt đã ban hành thì đóng và lưu trữ.")
    _audit(session, principal, "campaign.deleted", campaign, before=_audited(campaign))
    await repository.delete(session, campaign)


def _shift_years(value: datetime, years: int) -> datetime:
    try:
        return value.replace(year=value.year + years)
    except ValueError:  # 29 February
        return value.replace(year=value.year + years, day=28)


def sees_campaign_targets(principal: Principal, campaign: Campaign) -> bool:
    """Issuer-side users see every target; others only the targets in their own subtree."""
    return sees_everything(principal) or (
        principal.has_any(*AUTHORITY_ROLES) and unit_in_path(principal.unit_id, campaign.issuer_path))


async def target_filter(session: AsyncSession, principal: Principal,
                        campaign: Campaign) -> tuple[str | None, uuid.UUID | None]:
    """Which targets the caller may list, as (path pattern, commune): issuer-side users every target; others
    those in their subtree, or, when none is there, the schools their commune owns (get_visible let a commune's
    officials in for those, though the commune is not on the schools' paths)."""
    if sees_campaign_targets(principal, campaign):
        return None, None
    pattern = own_pattern(principal)
    if await repository.unit_is_targeted_below(session, campaign.id, pattern):
        return pattern, None
    return None, principal.unit_id


async def list_targets(session: AsyncSession, principal: Principal, campaign_id: uuid.UUID, page: PageParams, *,
                       query: str | None, include_withdrawn: bool) -> tuple[list[CampaignTarget], int]:
    """The campaign's targets the caller may see (see target_filter), by name."""
    campaign = await get_visible(session, principal, campaign_id)
    pattern, commune = await target_filter(session, principal, campaign)
    return await repository.targets(session, campaign.id, include_withdrawn=include_withdrawn, path_pattern=pattern,
                                    commune_id=commune, query=query, limit=page.limit, offset=page.offset)


def own_pattern(principal: Principal) -> str:
    assert principal.unit_id is not None
    return path_pattern(principal.unit_id)
