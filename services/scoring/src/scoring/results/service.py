"""A campaign's results: every unit's final score and class, the ranking (ties share a rank), the distribution
by class, summaries per sub-authority, last school year beside this one, and publication.

Computed from this service's own tables in two queries whatever the number of units; other services are asked
only for the campaign, the target count and the names of the sub-authorities.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import anyio
from sqlalchemy.ext.asyncio import AsyncSession

from edudx_common.auth import Principal, Role
from edudx_common.pagination import PageParams
from edudx_common.scope import UnitTree
from edudx_common.sync import SyncParams, next_cursor, rows_after
from edudx_common.tables import audit
from edudx_common.vocabulary import SubmissionStatus
from scoring.clients.evidence import EvidenceClient
from scoring.clients.identity import IdentityClient
from scoring.clients.submissions import CampaignInfo, SubmissionsClient
from scoring.errors import CampaignClosed, CampaignNotFound, NoRubric, NotAllowed, ResultsNotPublished
from scoring.events import EventSink
from scoring.results import document, export, freshness, listing, preview, repository, sector_export
from scoring.results.events import ResultsPublished
from scoring.results.export import SummaryLine
from scoring.results.listing import NOT_CLASSIFIED, GroupBy, ResultsFilter, ResultsSort, select_page
from scoring.results.models import CampaignResults, PublishedResult
from scoring.results.repository import SubmittedSheet
from scoring.results.schemas import (
    CampaignResultsRead,
    ClassCount,
    GroupLevelRead,
    GroupSummary,
    PreviousYear,
    PublishedResultRead,
    PublishedResultsRead,
    PublishPreviewRead,
    ResultRow,
)
from scoring.rubrics import service as rubrics
from scoring.rubrics.definition import RubricDefinition, ordered_bands
from scoring.sheets import service as sheets_service
from scoring.sheets.calculation import SheetOutcome, outcome, outcome_from_summary
from scoring.sheets.evidence_codes import evidence_codes_by_criterion
from scoring.sheets.models import group_under

RESULT_ROLES = (Role.AUTHORITY_ADMIN, Role.REVIEWER, Role.VIEWER)


def competition_ranks(totals: Sequence[Decimal] | Sequence[tuple[int, Decimal]]) -> list[int]:
    """Standard competition ranking ("1224"): equal totals share a rank, the next rank skips the tied places.
    A total may be a (level rank, points) pair: ranked by level first (ranking_key)."""
    order = sorted(range(len(totals)), key=lambda i: totals[i], reverse=True)
    ranks = [0] * len(totals)
    for place, index in enumerate(order):
        previous = order[place - 1] if place else None
        ranks[index] = ranks[previous] if previous is not None and totals[previous] == totals[index] else place + 1
    return ranks


@dataclass
class UnitResult:
    sheet: SubmittedSheet
    outcome: SheetOutcome
    group_id: uuid.UUID | None = None
    group_name: str | None = None
    rank: int | None = None
    tied: bool = False
    previous_total: Decimal | None = None
    previous_classification: str | None = None


@dataclass
class Computation:
    campaign: CampaignInfo
    definition: RubricDefinition
    settings: CampaignResults | None
    results: list[UnitResult]
    target_count: int
    previous: tuple[CampaignInfo, list[UnitResult]] | None

    @property
    def ranking_enabled(self) -> bool:
        return self.settings.ranking_enabled if self.settings else True


def ranking_key(definition: RubricDefinition, result: SheetOutcome) -> tuple[int, Decimal]:
    """What ranks a unit: its points, after its level where the rubric ranks by level (no level below the
    lowest one) — as repository.ranked_sheets does in SQL."""
    if not definition.ranks_by_level:
        return 0, result.final_total
    rank = result.classification.rank
    return (-1 if rank is None else rank), result.final_total


def _group_of(path: str, issuer_id: uuid.UUID) -> uuid.UUID | None:
    """The unit directly under the issuer on a unit's path (the Phòng of a school in a Sở campaign)."""
    found = group_under(path, issuer_id)
    return uuid.UUID(found) if found else None


async def _unit_results(session: AsyncSession, campaign: CampaignInfo, definition: RubricDefinition,
                        within: uuid.UUID | None = None, commune_id: uuid.UUID | None = None) -> list[UnitResult]:
    """Units that have submitted at least once; drafts never appear in results."""
    sheets = await repository.submitted_sheets(session, campaign.id, within=within, commune_id=commune_id)
    unscored = outcome(definition, {}, {}, with_criteria=False)
    return [UnitResult(sheet=s, outcome=outcome_from_summary(s.summary) if s.summary else unscored) for s in sheets]


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


async def compute(session: AsyncSession, campaign: CampaignInfo, *, submissions: SubmissionsClient,
                  identity: IdentityClient, within: uuid.UUID | None = None, group_by: GroupBy = GroupBy.CHILD,
                  commune_id: uuid.UUID | None = None) -> Computation:
    """Every unit's result in Python; `group_by` names each unit's group (its sub-authority by default);
    `commune_id`: only that commune's schools (ranks then among them)."""
    assert campaign.rubric_id is not None
    definition = rubrics.definition_of(await rubrics.get_rubric(session, campaign.rubric_id))
    results = await _unit_results(session, campaign, definition, within, commune_id)
    settings = await repository.settings(session, campaign.id)
    for result in results:
        result.group_id = _group_of(result.sheet.unit_path, campaign.issuer_unit_id)
    names = await identity.names([r.group_id for r in results if r.group_id is not None]) \
        if group_by is GroupBy.CHILD else {}
    for result in results:
        result.group_name = (names.get(result.group_id) if result.group_id else None) \
            if group_by is GroupBy.CHILD else attribute_group_name(result.sheet, group_by)
    keys = [ranking_key(definition, r.outcome) for r in results]
    for result, rank in zip(results, competition_ranks(keys), strict=True):
        result.rank = rank
    shared = Counter(r.rank for r in results)
    for result in results:
        result.tied = shared[result.rank] > 1
    previous = await _previous_year(session, campaign, results, submissions=submissions)
    return Computation(campaign=campaign, definition=definition, settings=settings, results=results,
                       target_count=await submissions.target_count(campaign.id), previous=previous)


async def _previous_year(session: AsyncSession, campaign: CampaignInfo, results: list[UnitResult], *,
                         submissions: SubmissionsClient) -> tuple[CampaignInfo, list[UnitResult]] | None:
    """The campaign this one was copied from (last school year's), scored the same way, beside this one."""
    if campaign.copied_from_id is None:
        return None
    try:
        earlier = await submissions.campaign(campaign.copied_from_id)
    except CampaignNotFound:
        return None
    if earlier.rubric_id is None:
        return None
    definition = rubrics.definition_of(await rubrics.get_rubric(session, earlier.rubric_id))
    before = await _unit_results(session, earlier, definition)
    by_unit = {r.sheet.unit_id: r for r in before}
    for result in results:
        match = by_unit.get(result.sheet.unit_id)
        if match is not None:
            result.previous_total = match.outcome.final_total
            result.previous_classification = match.outcome.classification.label
    return earlier, before


def _distribution(definition: RubricDefinition, results: Sequence[UnitResult]) -> list[ClassCount]:
    """Counts per class, best class first, every class listed even when empty, then the unclassified."""
    return _distribution_of(definition, Counter(r.outcome.classification.label or NOT_CLASSIFIED for r in results))


def _distribution_of(definition: RubricDefinition, counts: Counter[str]) -> list[ClassCount]:
    counts = Counter(counts)
    bands = definition.bands or (definition.groups[0].bands if definition.groups else [])
    labels = [b.label for b in reversed(ordered_bands(bands))]
    out = [ClassCount(label=label, count=counts.pop(label, 0)) for label in labels]
    out += [ClassCount(label=label, count=n) for label, n in sorted(counts.items()) if n]
    return out


def _average(results: Sequence[UnitResult]) -> float | None:
    if not results:
        return None
    total = sum((r.outcome.final_total for r in results), Decimal(0)) / len(results)
    return float(round(total, 2))


def _group_levels(result: UnitResult) -> list[GroupLevelRead]:
    return [GroupLevelRead(code=g.code, title=g.title, total=float(g.final_total), level=g.level)
            for g in result.outcome.groups]


def to_read(computation: Computation, chosen: ResultsFilter | None = None,
            page: PageParams | None = None) -> CampaignResultsRead:
    """Figures over every unit; rows only for the page asked for (`chosen` filters, by rank by default)."""
    definition, results = computation.definition, computation.results
    ranking = computation.ranking_enabled
    page = page or PageParams()
    shown, total = select_page(results, chosen or ResultsFilter(), page, name=lambda r: r.sheet.unit_name,
                               rank=lambda r: r.rank, classification=lambda r: r.outcome.classification.label,
                               group_id=lambda r: r.group_id)
    rows = [ResultRow(
        unit_id=r.sheet.unit_id, unit_name=r.sheet.unit_name, group_id=r.group_id, group_name=r.group_name,
        group_key=r.group_id.hex if r.group_id else "",
        submission_id=r.sheet.submission_id, submission_status=SubmissionStatus(r.sheet.submission_status),
        self_total=float(r.outcome.self_total), final_total=float(r.outcome.final_total),
        review_total=None if r.outcome.review_total is None else float(r.outcome.review_total),
        max_total=float(r.outcome.max_total), classification=r.outcome.classification.label,
        classification_note=r.outcome.classification.note, group_levels=_group_levels(r),
        reviewed_count=r.outcome.reviewed_count, criteria_count=r.outcome.criteria_count,
        large_gap=r.outcome.large_gap, rank=r.rank if ranking else None, tied=r.tied and ranking,
        previous_total=float(r.previous_total) if r.previous_total is not None else None,
        previous_classification=r.previous_classification)
        for r in shown]
    by_group: dict[uuid.UUID | None, list[UnitResult]] = {}
    for result in results:
        by_group.setdefault(result.group_id, []).append(result)
    groups = [GroupSummary(group_id=gid, group_name=members[0].group_name, key=gid.hex if gid else "",
                           unit_count=len(members),
                           average_total=_average(members), distribution=_distribution(definition, members))
              for gid, members in sorted(by_group.items(), key=lambda kv: kv[1][0].group_name or "")]
    previous = None
    if computation.previous is not None:
        earlier, before = computation.previous
        previous = PreviousYear(campaign_id=earlier.id, campaign_title=earlier.title, unit_count=len(before),
                                average_total=_average(before), distribution=_distribution(definition, before))
    settings = computation.settings
    return CampaignResultsRead(
        campaign_id=computation.campaign.id, campaign_title=computation.campaign.title,
        rubric_id=computation.campaign.rubric_id or uuid.UUID(int=0), mode=definition.mode,
        ranking_enabled=ranking, published_at=settings.published_at if settings else None,
        target_count=computation.target_count, scored_count=len(results), average_total=_average(results),
        distribution=_distribution(definition, results), groups=groups, previous_year=previous,
        approved_count=sum(1 for r in results if r.sheet.submission_status == "approved"),
        items=rows, total=total, limit=page.limit, offset=page.offset)


def _figures_of(figures: Sequence[repository.ClassFigure]) -> tuple[int, float | None, Counter[str]]:
    """(units, average final total, units per class) of some (group, class) figures."""
    count = sum(f.count for f in figures)
    total = sum((f.total for f in figures), Decimal(0))
    classes: Counter[str] = Counter()
    for figure in figures:
        classes[figure.classification or NOT_CLASSIFIED] += figure.count
    return count, float(round(total / count, 2)) if count else None, classes


def _unscored(definition: RubricDefinition) -> repository.Unscored:
    empty = outcome(definition, {}, {}, with_criteria=False)
    return repository.Unscored(final_total=empty.final_total, classification=empty.classification.label,
                               level_rank=empty.classification.rank)


async def results_page(session: AsyncSession, campaign: CampaignInfo, *, submissions: SubmissionsClient,
                       identity: IdentityClient, within: uuid.UUID | None = None, chosen: ResultsFilter | None = None,
                       page: PageParams | None = None, commune_id: uuid.UUID | None = None) -> CampaignResultsRead:
    """The results page at any scale: the figures are SQL aggregates over the sheets' result columns, the rows
    one ranked page (rank() OVER the final total, ORDER BY … LIMIT); only that page's summaries are read.
    What `to_read(compute(…))` answers, without loading every unit."""
    assert campaign.rubric_id is not None
    chosen, page = chosen or ResultsFilter(), page or PageParams()
    definition = rubrics.definition_of(await rubrics.get_rubric(session, campaign.rubric_id))
    unscored = _unscored(definition)
    settings = await repository.settings(session, campaign.id)
    ranking = settings.ranking_enabled if settings else True
    group_by = chosen.group_by.value
    stamped = await repository.campaign_stamped(session, campaign.id)
    figures = await repository.class_figures(session, campaign.id, issuer_id=campaign.issuer_unit_id,
                                             unscored=unscored, within=within, group_by=group_by,
                                             commune_id=commune_id, stamped=stamped)
    naming = await _group_naming(chosen.group_by, figures, identity)
    ranked = repository.ranked_sheets(campaign.id, issuer_id=campaign.issuer_unit_id, unscored=unscored,
                                      within=within, group_by=group_by, commune_id=commune_id,
                                      by_level=definition.ranks_by_level, stamped=stamped)
    unclassified = chosen.classification == NOT_CLASSIFIED
    shown, total = await repository.ranked_page(
        session, ranked, classification=None if unclassified else chosen.classification,
        only_unclassified=unclassified, group=chosen.group_id, search=chosen.q,
        by_name=chosen.sort is ResultsSort.NAME, limit=page.limit, offset=page.offset,
        stored_group=_stored_group(naming, chosen.group_key), population_count=sum(f.count for f in figures))
    details = await repository.sheet_details(session, [r.sheet_id for r in shown])
    previous, earlier_by_unit = await _previous_year_figures(session, campaign, definition, submissions=submissions,
                                                             unit_ids=[r.unit_id for r in shown])

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
    for stored, members in by_group.items():
        group = naming[stored]
        count, average, classes = _figures_of(members)
        groups.append(GroupSummary(group_id=group.unit_id, group_name=group.name, key=group.key,
                                   unit_count=count, average_total=average,
                                   distribution=_distribution_of(definition, classes)))
    if chosen.group_by is GroupBy.CHILD:
        groups.sort(key=lambda g: (g.group_name or "", str(g.group_id or "")))
    else:
        groups.sort(key=lambda g: (naming[_stored_of(naming, g.key)].order, g.group_name or ""))
    count, average, classes = _figures_of(figures)
    return CampaignResultsRead(
        campaign_id=campaign.id, campaign_title=campaign.title, rubric_id=campaign.rubric_id,
        mode=definition.mode, ranking_enabled=ranking, published_at=settings.published_at if settings else None,
        target_count=await submissions.target_count(campaign.id), scored_count=count, average_total=average,
        distribution=_distribution_of(definition, classes), groups=groups, previous_year=previous,
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
    unscored = _unscored(definition)
    settings = await repository.settings(session, campaign.id)
    ranking = settings.ranking_enabled if settings else True
    stamped = await repository.campaign_stamped(session, campaign.id)
    ranked = repository.ranked_sheets(campaign.id, issuer_id=campaign.issuer_unit_id, unscored=unscored,
                                      within=within, group_by=group_by.value, commune_id=commune_id, stamped=stamped)
    rows = await repository.export_rows(session, ranked, with_group_levels=definition.mode.value == "group_levels")
    figures = await repository.class_figures(session, campaign.id, issuer_id=campaign.issuer_unit_id,
                                             unscored=unscored, within=within, group_by=group_by.value,
                                             commune_id=commune_id, stamped=stamped)
    naming = await _group_naming(group_by, figures, identity)
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
    if campaign.copied_from_id is None:
        return None
    try:
        earlier = await submissions.campaign(campaign.copied_from_id)
    except CampaignNotFound:
        return None
    if earlier.rubric_id is None:
        return None
    return earlier, _unscored(rubrics.definition_of(await rubrics.get_rubric(session, earlier.rubric_id)))


_LEVEL_ORDER = ("mam_non", "tieu_hoc", "thcs", "thpt", "gdtx")
LEVEL_LABELS_VI = {"mam_non": "Mầm non", "tieu_hoc": "Tiểu học", "thcs": "THCS", "thpt": "THPT", "gdtx": "GDTX"}
_NO_GROUP = {GroupBy.COMMUNE: "(chưa gắn xã/phường)", GroupBy.CLUSTER: "(không thuộc cụm trường nào)",
             GroupBy.LEVEL: "(chưa khai báo cấp học)"}


def attribute_group_name(sheet: repository.SubmittedSheet, group_by: GroupBy) -> str:
    """A sheet's commune, clusters or levels as the results page names its group."""
    if group_by is GroupBy.COMMUNE:
        return sheet.commune_name or _NO_GROUP[group_by]
    if group_by is GroupBy.CLUSTER:
        return ", ".join(sheet.cluster_names) or _NO_GROUP[group_by]
    levels = sorted(sheet.education_levels, key=lambda c: _LEVEL_ORDER.index(c) if c in _LEVEL_ORDER else 99)
    return ", ".join(LEVEL_LABELS_VI.get(c, c) for c in levels) or _NO_GROUP[group_by]


@dataclass(frozen=True)
class GroupNaming:
    """How a group of the results reads: its key (as the API takes it back), unit, name and place in the list."""

    key: str
    unit_id: uuid.UUID | None
    name: str | None
    order: tuple[Any, ...] = ()


async def _group_naming(group_by: GroupBy, figures: Sequence[repository.ClassFigure],
                        identity: IdentityClient) -> dict[str | None, GroupNaming]:
    """Every stored group key of the figures, named: sub-authorities by identity (one call), attribute groups
    from the sheets' own columns."""
    stored = {f.group_hex: f.group_label for f in figures}
    if group_by is GroupBy.CHILD:
        names = await identity.names([uuid.UUID(h) for h in stored if h])
        return {h: GroupNaming(key=h or "", unit_id=uuid.UUID(h) if h else None,
                               name=names.get(uuid.UUID(h)) if h else None) for h in stored}
    naming: dict[str | None, GroupNaming] = {}
    for key, label in stored.items():
        if group_by is GroupBy.COMMUNE:
            commune = uuid.UUID(key) if key else None  # PostgreSQL writes a uuid with dashes, SQLite as hex
            naming[key] = (GroupNaming(key=commune.hex, unit_id=commune, name=label, order=(0,)) if commune
                           else GroupNaming(key="", unit_id=None, name=_NO_GROUP[group_by], order=(1,)))
            continue
        codes = [str(c) for c in json.loads(key or "[]")]
        if not codes:
            naming[key] = GroupNaming(key="", unit_id=None, name=_NO_GROUP[group_by], order=(len(_LEVEL_ORDER) + 1,))
        elif group_by is GroupBy.LEVEL:
            order = tuple(_LEVEL_ORDER.index(c) if c in _LEVEL_ORDER else len(_LEVEL_ORDER) for c in codes)
            naming[key] = GroupNaming(key="+".join(codes), unit_id=None,
                                      name=", ".join(LEVEL_LABELS_VI.get(c, c) for c in codes), order=(0, *order))
        else:
            titles = [str(n) for n in json.loads(label or "[]")]
            naming[key] = GroupNaming(key="+".join(codes), unit_id=None,
                                      name=", ".join(titles if len(titles) == len(codes) else codes), order=(0,))
    return naming


def _stored_of(naming: dict[str | None, GroupNaming], key: str | None) -> str | None:
    return next((stored for stored, group in naming.items() if group.key == key), None)


def _stored_group(naming: dict[str | None, GroupNaming], key: str | None) -> str | None:
    """The database's key of the group asked for: "" for sheets without one (NULL), None for no filter. An unknown
    key is passed as it is, and finds nothing."""
    if key is None:
        return None
    if not any(group.key == key for group in naming.values()):
        return key
    stored = _stored_of(naming, key)
    return "" if stored is None else stored


async def _previous_year_figures(
    session: AsyncSession, campaign: CampaignInfo, definition: RubricDefinition, *, submissions: SubmissionsClient,
    unit_ids: Sequence[uuid.UUID],
) -> tuple[PreviousYear | None, dict[uuid.UUID, tuple[Decimal, str | None]]]:
    """Last school year's figures (the campaign this one was copied from) and the given units' scores in it."""
    found = await _earlier_campaign(session, campaign, submissions=submissions)
    if found is None:
        return None, {}
    earlier, unscored = found
    figures = await repository.class_figures(session, earlier.id, issuer_id=earlier.issuer_unit_id,
                                             unscored=unscored)
    count, average, classes = _figures_of(figures)
    previous = PreviousYear(campaign_id=earlier.id, campaign_title=earlier.title, unit_count=count,
                            average_total=average, distribution=_distribution_of(definition, classes))
    return previous, await repository.unit_figures(session, earlier.id, unit_ids, unscored=unscored)


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
    ranked = repository.ranked_sheets(campaign.id, issuer_id=campaign.issuer_unit_id, unscored=_unscored(definition),
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


async def unit_sheets(session: AsyncSession, computation: Computation, *, evidence: EvidenceClient
                      ) -> tuple[dict[uuid.UUID, dict[str, list[str]]], dict[uuid.UUID, SheetOutcome]]:
    """For the export's one sheet per unit, by submission: the catalogue codes of each criterion's evidence, and
    the sheet's full outcome."""
    codes: dict[uuid.UUID, dict[str, list[str]]] = {}
    outcomes: dict[uuid.UUID, SheetOutcome] = {}
    for result in computation.results:
        submission_id = result.sheet.submission_id
        codes[submission_id] = evidence_codes_by_criterion(await evidence.items(submission_id))
        outcomes[submission_id] = await sheets_service.stored_outcome(session, computation.definition, result.sheet.id)
    return codes, outcomes


# --- what the router serves beyond the page: downloads, the publication's preview and steps ------------------------
# (the router imports only this module and the schemas; these name the results' other modules for it)

XLSX_MEDIA_TYPE = export.XLSX_MEDIA_TYPE
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
        computation = await compute(session, campaign, submissions=submissions, identity=identity, within=within,
                                    group_by=group_by, commune_id=commune_id)
        codes, outcomes = await unit_sheets(session, computation, evidence=evidence)
        body = await anyio.to_thread.run_sync(lambda: export.results_xlsx(computation, unit_outcomes=outcomes,
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
    _, rows = await published_rows(session, principal, campaign, tree)
    units = await identity.units([r.unit_id for r in rows])
    stem = f"Kết quả trao đổi - {campaign.title[:100].replace('/', '-')}"
    if format is ExchangeFormat.CSV:
        return Download(sector_export.csv_bytes(rows, units), sector_export.CSV_MEDIA_TYPE, f"{stem}.csv")
    body = await anyio.to_thread.run_sync(lambda: sector_export.xlsx_bytes(rows, units))
    return Download(body, sector_export.XLSX_MEDIA_TYPE, f"{stem}.xlsx")


async def results_document(session: AsyncSession, principal: Principal, campaign: CampaignInfo,
                           tree: UnitTree) -> bytes:
    """The published results as the issuer's PDF document (document.results_pdf), not yet signed."""
    settings, rows = await published_rows(session, principal, campaign, tree)
    assert settings.published_at is not None
    published_at, issuer = settings.published_at, campaign.issuer_name or ""
    return await anyio.to_thread.run_sync(lambda: document.results_pdf(
        rows, issuer_name=issuer, campaign_title=campaign.title, published_at=published_at))
