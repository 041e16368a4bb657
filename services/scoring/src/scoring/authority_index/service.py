"""An authority's own index (QĐ 3806 kind): criteria computed from the published results of the schools it
manages, e.g. how many of them, or what share, are at Mức 2 or above.

The figure uses each managed unit's latest publication (of the criterion's campaign kind), so a Sở's
self-assessment reads what was announced, never scores still under review. Filling writes the figure as the
criterion's self-score, with the basis in its note; the list of units behind it is answered beside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from edudx_common.auth import Principal, prepares_for
from edudx_common.tables.outbox import EventSink
from scoring.authority_index import repository
from scoring.authority_index.schemas import AuthorityIndexRead, ComputedCriterionRead, IndexUnitRead
from scoring.clients.identity import IdentityClient
from scoring.errors import NotAllowed, ScoresLocked
from scoring.results.models import PublishedResult
from scoring.rubrics.definition import ComputedMeasure, Criterion, CriterionKind, dec, num
from scoring.sheets import repository as sheets_repository
from scoring.sheets.models import CriterionScore
from scoring.sheets.service import SELF_EDITABLE, Clock, Context, ensure_sheet, refresh_summary
from scoring.sheets.service import load_context as load_context  # the router's: a submission's scoring context

CENT = Decimal("0.01")


def _latest_per_unit(rows: Sequence[PublishedResult]) -> list[PublishedResult]:
    latest: dict[object, PublishedResult] = {}
    for row in rows:  # newest first
        latest.setdefault(row.unit_id, row)
    return sorted(latest.values(), key=lambda r: r.unit_name)


async def _computed(session: AsyncSession, ctx: Context, criterion: Criterion) -> ComputedCriterionRead:
    assert criterion.computed is not None
    source = criterion.computed
    units = _latest_per_unit(await repository.published_below(session, ctx.info.unit_id,
                                                              campaign_kind=source.campaign_kind))
    counted = [u for u in units if u.classification in source.levels]
    maximum = dec(criterion.max_points)
    if source.measure is ComputedMeasure.COUNT:
        value = Decimal(len(counted))
        points = min(value, maximum)
    else:
        value = (Decimal(len(counted)) / len(units)) if units else Decimal(0)
        points = (value * maximum).quantize(CENT, rounding=ROUND_HALF_UP)
    return ComputedCriterionRead(
        code=criterion.code, measure=source.measure.value, levels=source.levels, counted_units=len(counted),
        total_units=len(units), value=float(value), points=float(points), max_points=float(maximum),
        units=[IndexUnitRead(unit_id=u.unit_id, unit_name=u.unit_name, classification=u.classification,
                             counted=u in counted, campaign_id=u.campaign_id, campaign_title=u.campaign_title,
                             published_at=u.published_at) for u in units])


async def authority_index(session: AsyncSession, ctx: Context) -> list[ComputedCriterionRead]:
    return [await _computed(session, ctx, c) for g in ctx.definition.groups for c in g.criteria
            if c.kind is CriterionKind.COMPUTED]


async def fill(session: AsyncSession, principal: Principal, ctx: Context, *, identity: IdentityClient,
               events: EventSink, clock: Clock) -> AuthorityIndexRead:
    """Write every computed criterion's figure as its self-score (those who self-score, while the report is
    editable)."""
    if not (ctx.in_scope and prepares_for(principal, ctx.info.unit_id)):
        raise NotAllowed("Chỉ người lập báo cáo của đơn vị được cập nhật chỉ số tính tự động.")
    if ctx.info.status not in SELF_EDITABLE:
        raise ScoresLocked("Báo cáo đã nộp: chỉ số tính tự động chỉ cập nhật được khi báo cáo là bản nháp hoặc bị "
                           "trả lại.")
    figures = await authority_index(session, ctx)
    sheet = await ensure_sheet(session, ctx, identity=identity)
    existing = {s.criterion_code: s for s in await sheets_repository.scores(session, sheet.id)}
    now = clock()
    for figure in figures:
        row = existing.get(figure.code) or CriterionScore(sheet_id=sheet.id, criterion_code=figure.code)
        row.self_points, row.self_passed = Decimal(str(figure.points)), None
        row.self_note = (f"Tính tự động: {figure.counted_units}/{figure.total_units} đơn vị trực thuộc đạt "
                         f"{', '.join(figure.levels)} theo kết quả đã công bố; điểm {num(figure.points)}.")
        row.self_by, row.self_by_name, row.self_at = principal.subject, principal.name, now
        session.add(row)
    sheet.updated_at = now
    await refresh_summary(session, sheet, ctx.definition, events)
    return AuthorityIndexRead(submission_id=ctx.info.id, unit_id=ctx.info.unit_id, criteria=figures, saved=True)
