"""A campaign's results computed in Python from every unit's stored summary: the reference the SQL results page
and export are tested against, what the workbook with one sheet per unit is written from, and the ranking rule
(standard competition ranking, by level first where the rubric ranks by level)."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from edudx_common.pagination import PageParams
from edudx_common.vocabulary import SubmissionStatus
from scoring.clients.evidence import EvidenceClient
from scoring.clients.identity import IdentityClient
from scoring.clients.submissions import CampaignInfo, SubmissionsClient
from scoring.errors import CampaignNotFound
from scoring.results import repository
from scoring.results.figures import attribute_group_name, distribution_of
from scoring.results.listing import NOT_CLASSIFIED, GroupBy, ResultsFilter, select_page
from scoring.results.models import CampaignResults
from scoring.results.repository import SubmittedSheet
from scoring.results.schemas import (
    CampaignResultsRead,
    ClassCount,
    GroupLevelRead,
    GroupSummary,
    PreviousYear,
    ResultRow,
)
from scoring.rubrics import service as rubrics
from scoring.rubrics.definition import RubricDefinition
from scoring.sheets import service as sheets_service
from scoring.sheets.calculation import SheetOutcome, outcome, outcome_from_summary
from scoring.sheets.evidence_codes import evidence_codes_by_criterion
from scoring.sheets.models import group_under


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


async def scored_earlier_campaign(session: AsyncSession, campaign: CampaignInfo, *, submissions: SubmissionsClient,
                                  ) -> tuple[CampaignInfo, RubricDefinition] | None:
    """The campaign this one was copied from (last school year's) with its rubric, when it is scored."""
    if campaign.copied_from_id is None:
        return None
    try:
        earlier = await submissions.campaign(campaign.copied_from_id)
    except CampaignNotFound:
        return None
    if earlier.rubric_id is None:
        return None
    return earlier, rubrics.definition_of(await rubrics.get_rubric(session, earlier.rubric_id))


async def _previous_year(session: AsyncSession, campaign: CampaignInfo, results: list[UnitResult], *,
                         submissions: SubmissionsClient) -> tuple[CampaignInfo, list[UnitResult]] | None:
    """The campaign this one was copied from (last school year's), scored the same way, beside this one."""
    found = await scored_earlier_campaign(session, campaign, submissions=submissions)
    if found is None:
        return None
    earlier, definition = found
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
    return distribution_of(definition, Counter(r.outcome.classification.label or NOT_CLASSIFIED for r in results))


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
