"""A campaign's results: every unit's final score and class, the ranking (ties share a rank), the distribution
by class, summaries per sub-authority, last school year beside this one, and publication.

Here: who sees which results, the results page and the summary export at any scale (SQL aggregates and one ranked
page; other services are asked only for the campaign, the target count and the names of the sub-authorities), and
the downloads. Beside it: computation (every unit in Python: the reference, the workbook with unit sheets),
figures (distributions, group names), publication (the published snapshot).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import anyio
from sqlalchemy.ext.asyncio import AsyncSession

from edudx_common.auth import Principal, Role
from edudx_common.pagination import PageParams
from edudx_common.scope import UnitTree
from edudx_common.vocabulary import SubmissionStatus
from scoring.clients.evidence import EvidenceClient
from scoring.clients.identity import IdentityClient
from scoring.clients.submissions import CampaignInfo, SubmissionsClient
from scoring.errors import CampaignNotFound, NoRubric, NotAllowed
from scoring.results import (
    computation,
    document,
    export,
    figures_cache,
    freshness,
    listing,
    preview,
    publication,
    repository,
    sector_export,
)
from scoring.results.export import SummaryLine
from scoring.results.figures import (
    band_labels,
    distribution_of,
    figures_of,
    group_naming,
    stored_group,
    stored_of,
    unscored_of,
)
from scoring.results.listing import NOT_CLASSIFIED, GroupBy, ResultsFilter, ResultsSort
from scoring.results.schemas import (
    CampaignResultsRead,
    GroupLevelRead,
    GroupSummary,
    PreviousYear,
    PublishPreviewRead,
    ResultRow,
)
from scoring.rubrics import service as rubrics
from scoring.rubrics.definition import RubricDefinition
from scoring.sheets.calculation import outcome, outcome_from_summary

RESULT_ROLES = (Role.AUTHORITY_ADMIN, Role.REVIEWER, Role.VIEWER)


async def campaign_in_scope(principal: Principal, campaign_id: uuid.UUID, *, submissions: SubmissionsClient,
                            tree: UnitTree) -> tuple[CampaignInfo, uuid.UUID | None]:
    """The campaign and the subtree root whose rows the caller sees (None: all of them). Results are for
    authorities: the issuer and those above it see every unit, an authority below the issuer its own units."""
    campaign = await submissions.campaign(campaign_id)
    if campaign.rubric_id is None:
        raise NoRubric("Đợt báo cáo này không chấm điểm theo bộ tiêu chí.")
    if principal.is_system_admin or principal.is_service:
        return campaign, None
    if not principal.has_any(*RESULT_ROLES) or principal.unit_id is None:
        raise NotAllowed("Kết quả tổng hợp dành cho đơn vị quản lý; đơn vị xem điểm của mình trong báo cáo.")
    if principal.unit_id == campaign.issuer_unit_id \
            or principal.unit_id in (await tree.ancestor_ids(campaign.issuer_unit_id) or []):
        return campaign, None
    if campaign.issuer_unit_id in (await tree.ancestor_ids(principal.unit_id) or []):
        return campaign, principal.unit_id
    raise CampaignNotFound("Không tìm thấy đợt báo cáo trong phạm vi quản lý của bạn.")


async def results_scope(session: AsyncSession, principal: Principal, campaign_id: uuid.UUID, *,
                        submissions: SubmissionsClient,
                        tree: UnitTree) -> tuple[CampaignInfo, uuid.UUID | None, uuid.UUID | None]:
    """The results a caller reads: (campaign, subtree root, commune). A commune's officials read its schools'
    results (a commune is a child of the Sở, never an ancestor of its schools: the subtree would be empty);
    everyone else what `campaign_in_scope` allows, which every act goes through."""
    if principal.unit_id is not None and principal.has_any(*RESULT_ROLES) \
            and await repository.commune_has_sheets(session, campaign_id, principal.unit_id):
        campaign = await submissions.campaign(campaign_id)
        if campaign.rubric_id is None:
            raise NoRubric("Đợt báo cáo này không chấm điểm theo bộ tiêu chí.")
        return campaign, None, principal.unit_id
    campaign, within = await campaign_in_scope(principal, campaign_id, submissions=submissions, tree=tree)
    return campaign, within, None


async def results_page(session: AsyncSession, campaign: CampaignInfo, *, submissions: SubmissionsClient,
                       identity: IdentityClient, within: uuid.UUID | None = None, chosen: ResultsFilter | None = None,
                       page: PageParams | None = None, commune_id: uuid.UUID | None = None) -> CampaignResultsRead:
    """The results page at any scale: the figures are SQL aggregates over the sheets' result columns (kept in the
    process while the campaign's sheets are unchanged: figures_cache), the rows one ranked page (ORDER BY … LIMIT,
    ranks from counts); only that page's summaries are read.
    What `to_read(compute(…))` answers, without loading every unit."""
    assert campaign.rubric_id is not None
    # The other services' answers come while the database works: the target count at once, the groups' names as
    # soon as the figures name the groups.
    counted = asyncio.ensure_future(submissions.target_count(campaign.id))
    try:
        return await _results_page(session, campaign, counted, submissions=submissions, identity=identity,
                                   within=within, chosen=chosen or ResultsFilter(), page=page or PageParams(),
                                   commune_id=commune_id)
    finally:
        counted.cancel()  # done by then unless the page failed


async def _results_page(session: AsyncSession, campaign: CampaignInfo, counted: asyncio.Future[int], *,
                        submissions: SubmissionsClient, identity: IdentityClient, within: uuid.UUID | None,
                        chosen: ResultsFilter, page: PageParams, commune_id: uuid.UUID | None) -> CampaignResultsRead:
    assert campaign.rubric_id is not None
    definition = rubrics.definition_of(await rubrics.get_rubric(session, campaign.rubric_id))
    unscored = unscored_of(definition)
    settings = await repository.settings(session, campaign.id)
    ranking = settings.ranking_enabled if settings else True
    group_by = chosen.group_by.value
    stamped = await repository.campaign_stamped(session, campaign.id)
    figures = await figures_cache.class_figures(session, campaign.id, issuer_id=campaign.issuer_unit_id,
                                                unscored=unscored, within=within, group_by=group_by,
                                                commune_id=commune_id, stamped=stamped)
    named = asyncio.ensure_future(group_naming(chosen.group_by, figures, identity))
    try:
        ranked = repository.ranked_sheets(campaign.id, issuer_id=campaign.issuer_unit_id, unscored=unscored,
                                          within=within, group_by=group_by, commune_id=commune_id,
                                          by_level=definition.ranks_by_level, stamped=stamped)
        unclassified = chosen.classification == NOT_CLASSIFIED
        shown, total = await repository.ranked_page(
            session, ranked, classification=None if unclassified else chosen.classification,
            only_unclassified=unclassified, group=chosen.group_id, search=chosen.q,
            by_name=chosen.sort is ResultsSort.NAME, limit=page.limit, offset=page.offset,
            stored_group=None if chosen.group_key is None else stored_group(await named, chosen.group_key),
            population_count=sum(f.count for f in figures))
        details = await repository.sheet_details(session, [r.sheet_id for r in shown])
        previous, earlier_by_unit = await _previous_year_figures(
            session, campaign, definition, submissions=submissions, unit_ids=[r.unit_id for r in shown])
        naming = await named
    finally:
        named.cancel()  # done by then unless the page failed

    rows = []
    for r in shown:
        detail = details[r.sheet_id]
        result = outcome_from_summary(detail.summary) if detail.summary else outcome(definition, {}, {},
                                                                                     with_criteria=False)
        group = naming[r.group_hex]
        before = earlier_by_unit.get(r.unit_id)
        rows.append(ResultRow(
            unit_id=r.unit_id, unit_name=r.unit_name, group_id=group.unit_id, group_name=group.name,
            group_key=group.key, submission_id=detail.submission_id,
            submission_status=SubmissionStatus(detail.submission_status), self_total=float(result.self_total),
            review_total=None if result.review_total is None else float(result.review_total),
            final_total=float(result.final_total), max_total=float(result.max_total),
            classification=result.classification.label, classification_note=result.classification.note,
            group_levels=[GroupLevelRead(code=g.code, title=g.title, total=float(g.final_total), level=g.level)
                          for g in result.groups],
            reviewed_count=result.reviewed_count, criteria_count=result.criteria_count, large_gap=result.large_gap,
            rank=r.rank if ranking else None, tied=r.tied and ranking,
            previous_total=float(before[0]) if before is not None else None,
            previous_classification=before[1] if before is not None else None))

    by_group: dict[str | None, list[repository.ClassFigure]] = {}
    for figure in figures:
        by_group.setdefault(figure.group_hex, []).append(figure)
    groups = []
    labels = band_labels(definition)
    for stored, members in by_group.items():
        group = naming[stored]
        count, average, classes = figures_of(members)
        groups.append(GroupSummary(group_id=group.unit_id, group_name=group.name, key=group.key,
                                   unit_count=count, average_total=average,
                                   distribution=distribution_of(definition, classes, labels=labels)))
    if chosen.group_by is GroupBy.CHILD:
        groups.sort(key=lambda g: (g.group_name or "", str(g.group_id or "")))
    else:
        groups.sort(key=lambda g: (naming[stored_of(naming, g.key)].order, g.group_name or ""))
    count, average, classes = figures_of(figures)
    return CampaignResultsRead(
        campaign_id=campaign.id, campaign_title=campaign.title, rubric_id=campaign.rubric_id,
        mode=definition.mode, ranking_enabled=ranking, published_at=settings.published_at if settings else None,
        target_count=await counted, scored_count=count, average_total=average,
        distribution=distribution_of(definition, classes), groups=groups, previous_year=previous,
        approved_count=sum(f.approved for f in figures),
        items=rows, total=total, limit=page.limit, offset=page.offset)


@dataclass(frozen=True)
class SummaryExport:
    definition: RubricDefinition
    ranking: bool
    with_previous: bool
    lines: list[SummaryLine]


async def summary_export(session: AsyncSession, campaign: CampaignInfo, *, submissions: SubmissionsClient,
                         identity: IdentityClient, within: uuid.UUID | None = None, group_by: GroupBy = GroupBy.CHILD,
                         commune_id: uuid.UUID | None = None) -> SummaryExport:
    """The summary sheet's lines at any scale: the ranked SQL query with the two figures of each summary it
    shows read out in SQL, last year's totals in one query, the groups named once each. The same lines as
    `export.results_xlsx(compute(…))` writes, without rebuilding every unit's outcome. Grouped by commune,
    cluster or level, the lines come group by group (in the results page's order), by rank within each."""
    assert campaign.rubric_id is not None
    definition = rubrics.definition_of(await rubrics.get_rubric(session, campaign.rubric_id))
    empty = outcome(definition, {}, {}, with_criteria=False)
    unscored = unscored_of(definition)
    settings = await repository.settings(session, campaign.id)
    ranking = settings.ranking_enabled if settings else True
    stamped = await repository.campaign_stamped(session, campaign.id)
    ranked = repository.ranked_sheets(campaign.id, issuer_id=campaign.issuer_unit_id, unscored=unscored,
                                      within=within, group_by=group_by.value, commune_id=commune_id, stamped=stamped)
    rows = await repository.export_rows(session, ranked, with_group_levels=definition.mode.value == "group_levels")
    figures = await figures_cache.class_figures(session, campaign.id, issuer_id=campaign.issuer_unit_id,
                                                unscored=unscored, within=within, group_by=group_by.value,
                                                commune_id=commune_id, stamped=stamped)
    naming = await group_naming(group_by, figures, identity)
    if group_by is not GroupBy.CHILD:
        rows.sort(key=lambda r: (naming[r.group_hex].order, naming[r.group_hex].name or ""))  # stable: ranks kept
    earlier = await _earlier_campaign(session, campaign, submissions=submissions)
    before: dict[uuid.UUID, tuple[Decimal, str | None]] = {}
    if earlier is not None:
        earlier_campaign, earlier_unscored = earlier
        before = await repository.campaign_figures(session, earlier_campaign.id, unscored=earlier_unscored)
    empty_levels = [g.level for g in empty.groups]
    lines = []
    for r in rows:
        previous = before.get(r.unit_id)
        lines.append(SummaryLine(
            unit_name=r.unit_name, group_name=naming[r.group_hex].name,
            self_total=r.self_total if r.self_total is not None else empty.self_total, review_total=r.review_total,
            final_total=r.final_total,
            group_levels=r.group_levels if r.group_levels is not None else empty_levels,
            classification=r.classification, rank=r.rank, tied=r.tied,
            previous_total=previous[0] if previous else None, previous_classification=previous[1] if previous else None,
            submission_status=r.submission_status))
    return SummaryExport(definition=definition, ranking=ranking, with_previous=earlier is not None, lines=lines)


async def _earlier_campaign(session: AsyncSession, campaign: CampaignInfo, *, submissions: SubmissionsClient,
                            ) -> tuple[CampaignInfo, repository.Unscored] | None:
    """Last school year's campaign (the one this was copied from) when it is scored, with its unscored figures."""
    found = await computation.scored_earlier_campaign(session, campaign, submissions=submissions)
    return (found[0], unscored_of(found[1])) if found is not None else None


async def _previous_year_figures(
    session: AsyncSession, campaign: CampaignInfo, definition: RubricDefinition, *, submissions: SubmissionsClient,
    unit_ids: Sequence[uuid.UUID],
) -> tuple[PreviousYear | None, dict[uuid.UUID, tuple[Decimal, str | None]]]:
    """Last school year's figures (the campaign this one was copied from) and the given units' scores in it."""
    found = await _earlier_campaign(session, campaign, submissions=submissions)
    if found is None:
        return None, {}
    earlier, unscored = found
    figures = await figures_cache.class_figures(session, earlier.id, issuer_id=earlier.issuer_unit_id,
                                                unscored=unscored)
    count, average, classes = figures_of(figures)
    previous = PreviousYear(campaign_id=earlier.id, campaign_title=earlier.title, unit_count=count,
                            average_total=average, distribution=distribution_of(definition, classes))
    return previous, await repository.unit_figures(session, earlier.id, unit_ids, unscored=unscored)


# --- what the router serves beyond the page: downloads, the publication's preview and steps ------------------------
# (the router imports only this module and the schemas; these name the results' other modules for it)

XLSX_MEDIA_TYPE = export.XLSX_MEDIA_TYPE
compute, to_read = computation.compute, computation.to_read
update_settings, publish, unpublish = publication.update_settings, publication.publish, publication.unpublish
published = publication.published
ExchangeFormat = sector_export.ExchangeFormat
ResultsFilterDep = listing.ResultsFilterDep
PublishedFilterDep = listing.PublishedFilterDep


@dataclass(frozen=True)
class Download:
    body: bytes
    media_type: str
    filename: str


async def results_download(session: AsyncSession, campaign: CampaignInfo, *, submissions: SubmissionsClient,
                           identity: IdentityClient, evidence: EvidenceClient, within: uuid.UUID | None,
                           commune_id: uuid.UUID | None, group_by: GroupBy, include_units: bool,
                           format: ExchangeFormat) -> Download:
    """The results workbook (with one sheet per unit on request: every score is read), or the summary alone as
    XLSX or CSV from the ranked SQL query (national scale). The workbooks are written off the event loop."""
    name = f"Kết quả - {campaign.title[:100].replace('/', '-')}"
    if include_units and format is ExchangeFormat.XLSX:
        computed = await computation.compute(session, campaign, submissions=submissions, identity=identity,
                                             within=within, group_by=group_by, commune_id=commune_id)
        codes, outcomes = await computation.unit_sheets(session, computed, evidence=evidence)
        body = await anyio.to_thread.run_sync(lambda: export.results_xlsx(computed, unit_outcomes=outcomes,
                                                                          evidence=codes, group_by=group_by))
        return Download(body, export.XLSX_MEDIA_TYPE, f"{name}.xlsx")
    summary = await summary_export(session, campaign, submissions=submissions, identity=identity, within=within,
                                   group_by=group_by, commune_id=commune_id)
    if format is ExchangeFormat.CSV:
        return Download(export.summary_csv(summary.definition, ranking=summary.ranking,
                                           with_previous=summary.with_previous, lines=summary.lines,
                                           group_by=group_by), export.CSV_MEDIA_TYPE, f"{name}.csv")
    body = await anyio.to_thread.run_sync(lambda: export.summary_xlsx(
        campaign.title, summary.definition, ranking=summary.ranking, with_previous=summary.with_previous,
        lines=summary.lines, count=len(summary.lines), group_by=group_by))
    return Download(body, export.XLSX_MEDIA_TYPE, f"{name}.xlsx")


async def publish_preview(session: AsyncSession, campaign: CampaignInfo, *,
                          submissions: SubmissionsClient) -> PublishPreviewRead:
    return await preview.publish_preview(session, campaign, submissions=submissions)


async def bring_states_up_to_date(session: AsyncSession, campaign: CampaignInfo, *,
                                  submissions: SubmissionsClient) -> None:
    """Publication trusts no stale copy: the sheets' submission states are read afresh first (freshness)."""
    await freshness.bring_states_up_to_date(session, campaign.id, submissions=submissions)


async def exchange_download(session: AsyncSession, principal: Principal, campaign: CampaignInfo, tree: UnitTree, *,
                            identity: IdentityClient, format: ExchangeFormat) -> Download:
    """The published results in the sector's exchange layout (sector_export), as CSV or XLSX."""
    _, rows = await publication.published_rows(session, principal, campaign, tree)
    units = await identity.units([r.unit_id for r in rows], keep=False)
    stem = f"Kết quả trao đổi - {campaign.title[:100].replace('/', '-')}"
    if format is ExchangeFormat.CSV:
        return Download(sector_export.csv_bytes(rows, units), sector_export.CSV_MEDIA_TYPE, f"{stem}.csv")
    body = await anyio.to_thread.run_sync(lambda: sector_export.xlsx_bytes(rows, units))
    return Download(body, sector_export.XLSX_MEDIA_TYPE, f"{stem}.xlsx")


async def results_document(session: AsyncSession, principal: Principal, campaign: CampaignInfo,
                           tree: UnitTree) -> bytes:
    """The published results as the issuer's PDF document (document.results_pdf), not yet signed."""
    settings, rows = await publication.published_rows(session, principal, campaign, tree)
    assert settings.published_at is not None
    published_at, issuer = settings.published_at, campaign.issuer_name or ""
    return await anyio.to_thread.run_sync(lambda: document.results_pdf(
        rows, issuer_name=issuer, campaign_title=campaign.title, published_at=published_at))
