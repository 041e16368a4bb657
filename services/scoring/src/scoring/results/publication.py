"""Publication of a campaign's results: the ranking setting, publishing a snapshot of the approved units (ranked in
SQL, written in bulk, announced by `results.published`), withdrawing it, and reading what was published."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from edudx_common.auth import Principal, Role
from edudx_common.pagination import PageParams
from edudx_common.scope import UnitTree
from edudx_common.sync import SyncParams, next_cursor, rows_after
from edudx_common.tables import audit
from scoring.clients.submissions import CampaignInfo
from scoring.errors import CampaignClosed, CampaignNotFound, NotAllowed, ResultsNotPublished
from scoring.events import EventSink
from scoring.results import repository
from scoring.results.events import ResultsPublished
from scoring.results.figures import unscored_of
from scoring.results.listing import ResultsFilter, select_page
from scoring.results.models import CampaignResults, PublishedResult
from scoring.results.schemas import (
    GroupLevelRead,
    PublishedResultRead,
    PublishedResultsRead,
)
from scoring.rubrics import service as rubrics
from scoring.sheets.calculation import outcome

CLOSED_STATUSES = ("closed", "archived")


def _ensure_publisher(principal: Principal, campaign: CampaignInfo, scope_root: uuid.UUID | None) -> None:
    if principal.is_system_admin:
        return
    if scope_root is not None or not principal.has_any(Role.AUTHORITY_ADMIN):
        raise NotAllowed("Chỉ quản trị của đơn vị ban hành đợt báo cáo được thay đổi và công bố kết quả.")
    if campaign.status in CLOSED_STATUSES:  # what was published when it closed stays as it is
        raise CampaignClosed("Đợt báo cáo đã đóng: kết quả đã công bố được giữ nguyên, không công bố lại, thu hồi "
                             "hay đổi cách xếp hạng.")


def _audit(session: AsyncSession, principal: Principal, campaign: CampaignInfo, issuer_path: str, action: str,
           **changes: Any) -> None:
    audit.record(session, action=action, actor=principal, target_type="campaign", target_id=campaign.id,
                 unit_id=campaign.issuer_unit_id, unit_path=issuer_path, **changes)


async def update_settings(session: AsyncSession, principal: Principal, campaign: CampaignInfo,
                          scope_root: uuid.UUID | None, *, ranking_enabled: bool, issuer_path: str) -> CampaignResults:
    _ensure_publisher(principal, campaign, scope_root)
    settings = await repository.settings(session, campaign.id, for_update=True)
    if settings is None:
        settings = CampaignResults(campaign_id=campaign.id)
        session.add(settings)
    _audit(session, principal, campaign, issuer_path, "results.settings_changed",
           before={"ranking_enabled": settings.ranking_enabled}, after={"ranking_enabled": ranking_enabled})
    settings.ranking_enabled = ranking_enabled
    await session.flush()
    return settings


async def publish(session: AsyncSession, principal: Principal, campaign: CampaignInfo, scope_root: uuid.UUID | None,
                  *, events: EventSink, clock: Callable[[], datetime], school_year: str | None,
                  issuer_path: str) -> CampaignResults:
    """Publish the results of the approved submissions: a snapshot the schools and the public badge read,
    and a `results.published` event so each unit hears of it. Publishing again replaces the snapshot.
    At any scale: the approved sheets ranked among themselves in SQL, each row's groups and maximum read out
    of its summary in SQL, written in one bulk INSERT."""
    assert campaign.rubric_id is not None
    _ensure_publisher(principal, campaign, scope_root)
    now = clock()
    settings = await repository.settings(session, campaign.id, for_update=True)
    if settings is None:
        settings = CampaignResults(campaign_id=campaign.id)
        session.add(settings)
    settings.published_at, settings.published_by, settings.published_by_name = now, principal.subject, principal.name
    settings.publication_count += 1
    ranking = settings.ranking_enabled
    definition = rubrics.definition_of(await rubrics.get_rubric(session, campaign.rubric_id))
    empty = outcome(definition, {}, {}, with_criteria=False)
    ranked = repository.ranked_sheets(campaign.id, issuer_id=campaign.issuer_unit_id, unscored=unscored_of(definition),
                                      approved_only=True, by_level=definition.ranks_by_level)
    empty_levels: list[dict[str, Any]] = [
        {"code": g.code, "title": g.title, "final_total": str(g.final_total), "level": g.level} for g in empty.groups]
    rows: list[dict[str, Any]] = [{
        "campaign_id": campaign.id, "unit_id": r.unit_id, "unit_name": r.unit_name, "campaign_title": campaign.title,
        "campaign_kind": campaign.kind, "school_year": school_year, "classification": r.classification,
        # GroupLevelRead's JSON, written directly: a model per group and unit cost more than the rest of a row.
        "group_levels": [{"code": g["code"], "title": g["title"], "total": float(Decimal(g["final_total"])),
                          "level": g["level"]} for g in (r.groups if r.groups is not None else empty_levels)],
        "final_total": r.final_total, "max_total": r.max_total if r.max_total is not None else empty.max_total,
        "rank": r.rank if ranking else None, "published_at": now}
        for r in await repository.publish_rows(session, ranked)]
    await session.flush()
    await repository.replace_published(session, campaign.id, rows)
    _audit(session, principal, campaign, issuer_path, "results.published",
           changes={"publication": settings.publication_count, "units": len(rows), "ranking_enabled": ranking})
    await events.emit(session, ResultsPublished(
        campaign_id=campaign.id, campaign_title=campaign.title, issuer_unit_id=campaign.issuer_unit_id,
        published_at=now, unit_ids=[row["unit_id"] for row in rows]))
    return settings


async def unpublish(session: AsyncSession, principal: Principal, campaign: CampaignInfo,
                    scope_root: uuid.UUID | None, *, issuer_path: str) -> None:
    _ensure_publisher(principal, campaign, scope_root)
    settings = await repository.settings(session, campaign.id, for_update=True)
    if settings is None or settings.published_at is None:
        raise ResultsNotPublished("Kết quả của đợt này chưa được công bố.")
    settings.published_at = None
    await repository.replace_published(session, campaign.id, [])
    _audit(session, principal, campaign, issuer_path, "results.unpublished")


async def published_rows(session: AsyncSession, principal: Principal, campaign: CampaignInfo,
                         tree: UnitTree) -> tuple[CampaignResults, Sequence[PublishedResult]]:
    """Every published row, for signed-in users of the issuer's subtree (schools included), of an authority above
    the issuer (a Sở that absorbed it in a merger) and of a school with a row (one moved out of the issuer's
    subtree since)."""
    settings = await repository.settings(session, campaign.id)
    if settings is None or settings.published_at is None:
        raise ResultsNotPublished("Kết quả của đợt này chưa được công bố.")
    rows = await repository.published_of_campaign(session, campaign.id)
    if not await _reads_published(principal, campaign, tree, rows):
        raise CampaignNotFound("Không tìm thấy đợt báo cáo trong phạm vi của bạn.")
    return settings, rows


async def _reads_published(principal: Principal, campaign: CampaignInfo, tree: UnitTree,
                           rows: Sequence[PublishedResult]) -> bool:
    unit_id = principal.unit_id
    if principal.is_system_admin or principal.is_service or unit_id == campaign.issuer_unit_id:
        return True
    if unit_id is None:
        return False
    if campaign.issuer_unit_id in (await tree.ancestor_ids(unit_id) or []):
        return True
    return unit_id in (await tree.ancestor_ids(campaign.issuer_unit_id) or []) or any(
        row.unit_id == unit_id for row in rows)


async def published(session: AsyncSession, principal: Principal, campaign: CampaignInfo, tree: UnitTree,
                    chosen: ResultsFilter | None = None, page: PageParams | None = None,
                    sync: SyncParams | None = None) -> PublishedResultsRead:
    """The published results, for every signed-in user of the issuer's subtree (schools included): a page of
    them, ties marked over every published row. In sync mode (`updated_since`, `cursor`) the rows published
    since then, in (published_at, unit_id) order after the cursor."""
    settings, rows = await published_rows(session, principal, campaign, tree)
    assert settings.published_at is not None  # published_rows refuses unpublished results
    page = page or PageParams()
    sync = sync or SyncParams()
    kw = {"name": lambda r: r.unit_name, "rank": lambda r: r.rank, "classification": lambda r: r.classification}
    cursor = None
    if sync.active:
        matching, _ = select_page(rows, chosen or ResultsFilter(), PageParams(limit=len(rows), offset=0), **kw)
        shown, total = rows_after(matching, sync, page.limit, at="published_at", key="unit_id")
        cursor = next_cursor(shown, page.limit, at="published_at", key="unit_id")
    else:
        shown, total = select_page(rows, chosen or ResultsFilter(), page, **kw)
    shared = Counter(r.rank for r in rows if r.rank is not None)
    return PublishedResultsRead.model_validate({
        "campaign_id": campaign.id, "campaign_title": campaign.title,
        "school_year": rows[0].school_year if rows else None, "published_at": settings.published_at,
        "total": total, "limit": page.limit, "offset": 0 if sync.active else page.offset, "next_cursor": cursor,
        "items": [PublishedResultRead(unit_id=r.unit_id, unit_name=r.unit_name, classification=r.classification,
                                  group_levels=[GroupLevelRead.model_validate(g) for g in r.group_levels],
                                  final_total=float(r.final_total), max_total=float(r.max_total), rank=r.rank,
                                  tied=r.rank is not None and shared[r.rank] > 1, published_at=r.published_at)
                  for r in shown]}, context={"sync": sync.active})
