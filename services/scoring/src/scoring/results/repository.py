from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple, cast

from sqlalchemy import Integer, String, and_, case, delete, func, insert, literal, null, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import expression
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import Subquery
from sqlmodel import col

from edudx_common.db import new_id
from edudx_common.text import like_pattern
from scoring.results.models import CampaignResults, PublishedResult
from scoring.sheets import repository as sheets_repository
from scoring.sheets.models import TOTAL, ScoreSheet


class SubmittedSheet(NamedTuple):
    """What results need of a score sheet: its stored summary, never its criterion scores."""

    id: uuid.UUID
    submission_id: uuid.UUID
    unit_id: uuid.UUID
    unit_name: str
    unit_path: str
    submission_status: str
    summary: dict[str, Any] | None
    commune_name: str | None
    cluster_names: list[str]
    education_levels: list[str]


async def submitted_sheets(session: AsyncSession, campaign_id: uuid.UUID, *, within: uuid.UUID | None = None,
                           commune_id: uuid.UUID | None = None) -> list[SubmittedSheet]:
    """The sheets of units that have submitted at least once (drafts never appear in results), as plain
    tuples: tens of thousands of ORM objects would cost more than the rest of the request; `within`: only
    units in that unit's subtree; `commune_id`: only that commune's schools."""
    query = select(*(col(getattr(ScoreSheet, name)) for name in SubmittedSheet._fields)).where(
        *_submitted(campaign_id, within, commune_id))
    found = await session.execute(query.order_by(col(ScoreSheet.unit_name)))
    return [SubmittedSheet(*row) for row in found]


async def campaign_stamped(session: AsyncSession, campaign_id: uuid.UUID) -> bool:
    """Whether every sheet of the campaign carries its issuer (results read the stored group), or some still wait
    for `python -m scoring.cli stamp-issuers` (results cut the group from the paths: group_key). Read, never
    written here: a results read takes no write lock."""
    return await sheets_repository.campaign_stamped(session, campaign_id)


async def commune_has_sheets(session: AsyncSession, campaign_id: uuid.UUID, commune_id: uuid.UUID) -> bool:
    found = await session.execute(select(col(ScoreSheet.id)).where(
        col(ScoreSheet.campaign_id) == campaign_id, col(ScoreSheet.commune_id) == commune_id).limit(1))
    return found.first() is not None


async def settings(session: AsyncSession, campaign_id: uuid.UUID, *,
                   for_update: bool = False) -> CampaignResults | None:
    query = select(CampaignResults).where(col(CampaignResults.campaign_id) == campaign_id)
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def is_published(session: AsyncSession, campaign_id: uuid.UUID) -> bool:
    found = await settings(session, campaign_id)
    return found is not None and found.published_at is not None


async def replace_published(session: AsyncSession, campaign_id: uuid.UUID,
                            rows: Sequence[dict[str, Any]]) -> None:
    """The campaign's published rows replaced by `rows` (column values): one DELETE and a bulk INSERT, not tens
    of thousands of ORM objects through the unit of work."""
    await session.execute(delete(PublishedResult).where(col(PublishedResult.campaign_id) == campaign_id))
    if rows:
        await session.execute(insert(PublishedResult), [{"id": new_id(), **row} for row in rows])


async def published_of_campaign(session: AsyncSession, campaign_id: uuid.UUID) -> Sequence[PublishedResult]:
    found = await session.execute(select(PublishedResult).where(col(PublishedResult.campaign_id) == campaign_id)
                                  .order_by(col(PublishedResult.unit_name)))
    return found.scalars().all()


async def published_of_unit(session: AsyncSession, unit_id: uuid.UUID, *,
                            campaign_kind: str | None = None) -> Sequence[PublishedResult]:
    query = select(PublishedResult).where(col(PublishedResult.unit_id) == unit_id)
    if campaign_kind is not None:
        query = query.where(col(PublishedResult.campaign_kind) == campaign_kind)
    found = await session.execute(query.order_by(col(PublishedResult.published_at).desc()))
    return found.scalars().all()


# --- results in SQL: ranked pages and aggregates over the sheets' result columns ---------------------------------


class _CodePointOrder(expression.ColumnElement[str]):
    """Order text by code point, as Python compares strings (PostgreSQL's default collation is locale-aware)."""

    inherit_cache = True

    def __init__(self, column: expression.ColumnElement[str]) -> None:
        self.column = column
        self.type = column.type


@compiles(_CodePointOrder)
def _code_point_order_default(element: _CodePointOrder, compiler: Any, **kw: Any) -> str:
    return compiler.process(element.column, **kw)  # SQLite's BINARY collation already is


@compiles(_CodePointOrder, "postgresql")
def _code_point_order_postgresql(element: _CodePointOrder, compiler: Any, **kw: Any) -> str:
    return f'{compiler.process(element.column, **kw)} COLLATE "C"'


# Grouping by an attribute of the sheet: its stored text is the group key (a uuid; a JSON list the ORM always writes
# the same way, so equal lists are equal text); a NULL commune means "no commune".
_ATTRIBUTE_GROUPS: dict[str, tuple[Any, Any]] = {
    "commune": (ScoreSheet.commune_id, ScoreSheet.commune_name),
    "cluster": (ScoreSheet.cluster_codes, ScoreSheet.cluster_names),
    "level": (ScoreSheet.education_levels, None),
}


def group_key(group_by: str, *, cut_under: uuid.UUID | None = None) -> ColumnElement[str | None]:
    """The group of a sheet: its sub-authority under the campaign's issuer (`child`: the stored `group_hex`, kept
    with the path), or its commune, clusters or levels as text. `cut_under`: the issuer of a campaign some of whose
    sheets do not carry it yet (stored before s8b_0001, not yet stamped): the group is cut out of every sheet's
    path under it instead — what the stored one holds for the others, and still an index-only read (the path is
    in the covering index, the issuer column is not)."""
    attribute = _ATTRIBUTE_GROUPS.get(group_by)
    if attribute is None and cut_under is not None:
        path = cast("ColumnElement[str]", col(ScoreSheet.unit_path))
        return sheets_repository.group_below(literal(cut_under.hex), path)
    if attribute is None:
        return cast("ColumnElement[str | None]", col(ScoreSheet.group_hex))
    return cast("ColumnElement[str | None]", expression.cast(col(attribute[0]), String))


def group_label(group_by: str) -> ColumnElement[str | None]:
    """What names an attribute group in SQL (the commune's name, the clusters' names as JSON); nothing else."""
    attribute = _ATTRIBUTE_GROUPS.get(group_by)
    if attribute is None or attribute[1] is None:
        return expression.cast(null(), String)
    return expression.cast(col(attribute[1]), String)


@dataclass(frozen=True)
class Unscored:
    """What a submitted sheet without any score counts as (its outcome for an empty sheet)."""

    final_total: Decimal
    classification: str | None
    level_rank: int | None = None


@dataclass(frozen=True)
class RankedRow:
    sheet_id: uuid.UUID
    unit_id: uuid.UUID
    unit_name: str
    final_total: Decimal
    classification: str | None
    group_hex: str | None
    rank: int
    tied: bool


@dataclass(frozen=True)
class ClassFigure:
    """Units of one group with one class: how many, the sum of their final totals, how many approved."""

    group_hex: str | None
    classification: str | None
    count: int
    total: Decimal
    approved: int
    group_label: str | None = None


def _submitted(campaign_id: uuid.UUID, within: uuid.UUID | None,
               commune_id: uuid.UUID | None = None) -> list[ColumnElement[bool]]:
    """Submitted sheets of the campaign; `within`: in that unit's subtree; `commune_id`: of that commune's schools."""
    where = [col(ScoreSheet.campaign_id) == campaign_id, col(ScoreSheet.submit_count) > 0]
    if within is not None:
        where.append(col(ScoreSheet.unit_path).like(f"%/{within.hex}/%"))
    if commune_id is not None:
        where.append(col(ScoreSheet.commune_id) == commune_id)
    return where


def _final_total(unscored: Unscored) -> ColumnElement[Decimal]:
    return func.coalesce(col(ScoreSheet.final_total), literal(unscored.final_total, TOTAL))


def _classification(unscored: Unscored) -> ColumnElement[str | None]:
    if unscored.classification is None:
        return cast("ColumnElement[str | None]", col(ScoreSheet.classification))
    return case((col(ScoreSheet.final_total).is_(None), literal(unscored.classification)),
                else_=col(ScoreSheet.classification))


def _level_rank(unscored: Unscored) -> ColumnElement[int]:
    """The level's rank for ordering: no level (not classified) below the lowest one."""
    rank = case((col(ScoreSheet.final_total).is_(None), literal(unscored.level_rank, Integer())),
                else_=col(ScoreSheet.level_rank))
    return func.coalesce(rank, literal(-1, Integer()))


@dataclass(frozen=True)
class Ranked:
    """The sheets ranked together (`population`: a campaign's submitted sheets, of `within`'s subtree, approved
    only…) and the place they are ranked by (`keys`, highest first: the final total, or the level then the final
    total). `rows` ranks every one of them with rank() OVER (the export and publication read them all);
    `ranked_page` ranks one page's rows only, from counts."""

    campaign_id: uuid.UUID
    issuer_id: uuid.UUID
    population: tuple[ColumnElement[bool], ...]
    keys: tuple[ColumnElement[Any], ...]
    columns: tuple[ColumnElement[Any], ...]
    unscored: Unscored

    def at_or_above(self, place: tuple[Any, ...]) -> list[ColumnElement[bool]]:
        """The sheets placed at or above `place`. By total alone, and `place` above what an unscored sheet counts:
        `final_total >= …`, which the (campaign, final total) index serves (the unscored ones fall out)."""
        if len(self.keys) == 1 and place[0] > self.unscored.final_total:
            return [col(ScoreSheet.final_total) >= place[0]]
        if len(self.keys) == 1:
            return [self.keys[0] >= place[0]]
        return [tuple_(*self.keys) >= tuple_(*place)]

    @property
    def rows(self) -> Subquery:
        """Every sheet of the population with its rank: equal places share a rank and the next rank skips the
        tied places, and whether it is shared."""
        return self.rows_with()

    def rows_with(self, *extra: ColumnElement[Any]) -> Subquery:
        """`rows`, with more columns of the sheet (labelled)."""
        order = [key.desc() for key in self.keys]
        # Tied: the neighbour before or after in the same order has the same place (one sort serves every window;
        # a count per place would sort a second time, a frame of peers costs more than the sort).
        tied = or_(and_(*(func.lag(key).over(order_by=order) == key for key in self.keys)),
                   and_(*(func.lead(key).over(order_by=order) == key for key in self.keys)))
        return select(*self.columns, *extra, func.rank().over(order_by=order).label("rank"),
                      tied.label("tied")).where(*self.population).subquery("ranked")


def ranked_sheets(campaign_id: uuid.UUID, *, issuer_id: uuid.UUID, unscored: Unscored,
                  within: uuid.UUID | None = None, approved_only: bool = False, group_by: str = "child",
                  commune_id: uuid.UUID | None = None, by_level: bool = False, stamped: bool = True) -> Ranked:
    """Every submitted sheet of the campaign (of `within`'s subtree) ranked by its final total (`by_level`: by
    its level, then its final total). `stamped`: every sheet of the campaign carries its issuer (else the group is
    cut from the paths: group_key)."""
    final = _final_total(unscored)
    keys: tuple[ColumnElement[Any], ...] = (_level_rank(unscored), final) if by_level else (final,)
    columns: tuple[ColumnElement[Any], ...] = (
        col(ScoreSheet.id).label("sheet_id"), col(ScoreSheet.unit_id).label("unit_id"),
        col(ScoreSheet.unit_name).label("unit_name"), col(ScoreSheet.unit_name_folded).label("unit_name_folded"),
        final.label("final_total"), _classification(unscored).label("classification"),
        group_key(group_by, cut_under=None if stamped else issuer_id).label("group_hex"),
        *(key.label(f"key_{i}") for i, key in enumerate(keys)))
    population = (*_submitted(campaign_id, within, commune_id),
                  *([col(ScoreSheet.submission_status) == "approved"] if approved_only else []))
    return Ranked(campaign_id=campaign_id, issuer_id=issuer_id, population=population, keys=keys, columns=columns,
                  unscored=unscored)


def _ranked_filters(rows: Any, *, classification: str | None, only_unclassified: bool,
                    group: uuid.UUID | None, search: str | None = None,
                    stored_group: str | None = None) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if search:
        # Every folded word in order, as edudx_common.text.fold and like_pattern define the project's search.
        where.append(rows.unit_name_folded.like(like_pattern(search), escape="\\"))
    if only_unclassified:
        where.append(rows.classification.is_(None))
    elif classification is not None:
        where.append(rows.classification == classification)
    if group is not None:
        where.append(rows.group_hex == group.hex)
    if stored_group is not None:  # a group as the database keys it ("": the sheets without one)
        where.append(rows.group_hex == stored_group if stored_group else rows.group_hex.is_(None))
    return where


def _page_order(columns: Any, keys: int, by_name: bool, *, backwards: bool = False) -> list[Any]:
    """Rank order is the keys' descending order; then the name (code points), the sheet id: a total order (no
    NULL in any of them), so `backwards` is exactly the same rows last to first."""
    def up(column: Any) -> Any:
        return column.desc() if backwards else column.asc()

    def down(column: Any) -> Any:
        return column.asc() if backwards else column.desc()

    by_rank = [down(columns[f"key_{i}"]) for i in range(keys)]
    name_order = [up(_CodePointOrder(columns.unit_name_folded)), up(_CodePointOrder(columns.unit_name))]
    order = [*name_order, *by_rank] if by_name else [*by_rank, up(_CodePointOrder(columns.unit_name))]
    return [*order, up(columns.sheet_id)]


async def ranked_page(session: AsyncSession, ranked: Ranked, *, classification: str | None = None,
                      only_unclassified: bool = False, group: uuid.UUID | None = None, search: str | None = None,
                      by_name: bool = False, limit: int, offset: int, stored_group: str | None = None,
                      population_count: int | None = None) -> tuple[list[RankedRow], int]:
    """One page by rank then name (or by folded name), and how many rows match, ranks being those among every
    sheet of `ranked` whatever the filters — without ranking every sheet: the page is ORDER BY the place … LIMIT
    (a top-N sort of narrow rows), and each of its places gets rank = 1 + the number of sheets placed strictly
    above it, tied = more than one sheet in it, from one count per place over the sheets placed at or above the
    page's lowest place (an index range on the final total when that place is above the unscored one).
    `population_count`: how many sheets `ranked` holds, when known (the figures' sum): no filter, no count."""
    base = select(*ranked.columns).where(*ranked.population).subquery("sheets")
    where = _ranked_filters(base.c, classification=classification, only_unclassified=only_unclassified,
                            group=group, search=search, stored_group=stored_group)
    width = len(ranked.keys)
    if population_count is not None and not where:
        matching = population_count
    else:
        matching = int(await session.scalar(select(func.count()).select_from(base).where(*where)) or 0)
    if offset >= matching:
        return [], matching
    # A page in the second half is read from the end, backwards: the database then keeps the rows from the page to
    # the end (a top-N sort), not every row before it — the last page by name of 50,000 sorted every row.
    backwards = offset + limit > matching - offset
    query = select(base).where(*where).order_by(*_page_order(base.c, width, by_name, backwards=backwards))
    if backwards:
        shown = min(limit, matching - offset)
        found = list(reversed((await session.execute(query.limit(shown).offset(matching - offset - shown))).all()))
    else:
        found = list((await session.execute(query.limit(limit).offset(offset))).all())
    if not found:
        return [], matching
    places = {tuple(row[-width:]) for row in found}
    lowest = min(places)
    counts = (await session.execute(select(*ranked.keys, func.count())
                                    .where(*ranked.population, *ranked.at_or_above(lowest))
                                    .group_by(*ranked.keys))).all()
    count_at = {tuple(row[:-1]): int(row[-1]) for row in counts}
    rank_of: dict[tuple[Any, ...], tuple[int, bool]] = {}
    above = 0
    for place in sorted(count_at, reverse=True):
        if place in places:
            rank_of[place] = (above + 1, count_at[place] > 1)
        above += count_at[place]
    return [RankedRow(sheet_id=row.sheet_id, unit_id=row.unit_id, unit_name=row.unit_name,
                      final_total=Decimal(row.final_total), classification=row.classification, group_hex=row.group_hex,
                      rank=rank_of[tuple(row[-width:])][0], tied=rank_of[tuple(row[-width:])][1])
            for row in found], matching


class SheetDetail(NamedTuple):
    id: uuid.UUID
    submission_id: uuid.UUID
    submission_status: str
    summary: dict[str, Any] | None


async def sheet_details(session: AsyncSession, sheet_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, SheetDetail]:
    """What a results row shows beyond its rank, for the rows of one page only."""
    if not sheet_ids:
        return {}
    query = select(*(col(getattr(ScoreSheet, name)) for name in SheetDetail._fields)).where(
        col(ScoreSheet.id).in_(sheet_ids))
    return {row[0]: SheetDetail(*row) for row in await session.execute(query)}


async def class_figures(session: AsyncSession, campaign_id: uuid.UUID, *, issuer_id: uuid.UUID,
                        unscored: Unscored, within: uuid.UUID | None = None, group_by: str = "child",
                        commune_id: uuid.UUID | None = None, stamped: bool = True) -> list[ClassFigure]:
    """Counts, sums of final totals and approvals per (group, class): every figure of the results page is
    added up from these few rows, whatever the number of units. `stamped`: as ranked_sheets."""
    group, label = group_key(group_by, cut_under=None if stamped else issuer_id), _classification(unscored)
    approved = func.sum(case((col(ScoreSheet.submission_status) == "approved", 1), else_=0))
    # Whole hundredths: exact on SQLite too, where NUMERIC is stored as a float and a float sum drifts.
    cents = func.sum(func.round(_final_total(unscored) * 100))
    query = (select(group, label, func.count(), cents, approved, func.max(group_label(group_by)))
             .where(*_submitted(campaign_id, within, commune_id)).group_by(group, label))
    return [ClassFigure(group_hex=g, classification=c, count=int(n), total=Decimal(int(s or 0)) / 100,
                        approved=int(a or 0), group_label=gl)
            for g, c, n, s, a, gl in await session.execute(query)]


async def unit_figures(session: AsyncSession, campaign_id: uuid.UUID, unit_ids: Sequence[uuid.UUID], *,
                       unscored: Unscored) -> dict[uuid.UUID, tuple[Decimal, str | None]]:
    """(final total, class) of the given units' submitted sheets in a campaign (last year's, beside a page)."""
    if not unit_ids:
        return {}
    query = select(col(ScoreSheet.unit_id), _final_total(unscored), _classification(unscored)).where(
        *_submitted(campaign_id, None), col(ScoreSheet.unit_id).in_(unit_ids))
    return {unit_id: (Decimal(total), label) for unit_id, total, label in await session.execute(query)}


class ExportRow(NamedTuple):
    """A summary-sheet row of the results workbook: the ranked figures and the two parts of the summary it shows."""

    unit_id: uuid.UUID
    unit_name: str
    group_hex: str | None
    self_total: Decimal | None  # None: never scored
    review_total: Decimal | None  # None: no criterion review-scored
    final_total: Decimal
    group_levels: list[str | None] | None  # None: never scored, or not asked for
    classification: str | None
    rank: int
    tied: bool
    submission_status: str


async def export_rows(session: AsyncSession, ranked: Ranked, *, with_group_levels: bool) -> list[ExportRow]:
    """Every row of `ranked` by rank then name, with the self-assessed and reviewed totals of their columns (an
    index-only scan on PostgreSQL) and, on request, each group's level read out of the stored summary in SQL: no
    summary is decoded whole, no outcome rebuilt in Python."""
    rows = ranked.rows_with(col(ScoreSheet.self_total).label("self_total"),
                            col(ScoreSheet.review_total).label("review_total"),
                            col(ScoreSheet.submission_status).label("submission_status")).c
    groups = col(ScoreSheet.summary)["groups"] if with_group_levels else null()
    query = select(rows.unit_id, rows.unit_name, rows.group_hex, rows.self_total, rows.review_total,
                   rows.final_total, groups, rows.classification, rows.rank, rows.tied, rows.submission_status)
    if with_group_levels:  # the levels are in the summary alone
        query = query.join(ScoreSheet, col(ScoreSheet.id) == rows.sheet_id)
    query = query.order_by(rows.rank, _CodePointOrder(rows.unit_name), rows.sheet_id)
    # Through the connection: plain rows without the ORM's per-row loading (a third of the time at 50,000 rows).
    found = (await (await session.connection()).execute(query)).all()
    return [ExportRow(unit_id, name, group, self_total, review, final, None if levels is None else [
        g["level"] for g in levels], label, rank, bool(tied), status)
        for unit_id, name, group, self_total, review, final, levels, label, rank, tied, status in found]


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


async def campaign_figures(session: AsyncSession, campaign_id: uuid.UUID, *,
                           unscored: Unscored) -> dict[uuid.UUID, tuple[Decimal, str | None]]:
    """(final total, class) of every submitted sheet of a campaign by unit (last year's, beside an export)."""
    query = select(col(ScoreSheet.unit_id), _final_total(unscored), _classification(unscored)).where(
        *_submitted(campaign_id, None))
    return {unit_id: (Decimal(total), label) for unit_id, total, label in await session.execute(query)}


class PublishRow(NamedTuple):
    """An approved sheet as publication snapshots it: ranked among the approved ones."""

    unit_id: uuid.UUID
    unit_name: str
    final_total: Decimal
    classification: str | None
    rank: int
    groups: list[dict[str, Any]] | None  # the summary's groups; None: never scored
    max_total: Decimal | None  # None: never scored


async def publish_rows(session: AsyncSession, ranked: Ranked) -> list[PublishRow]:
    """Every row of `ranked` with the summary's groups and maximum read out in SQL (not the whole summary)."""
    summary = col(ScoreSheet.summary)
    rows = ranked.rows.c
    query = (select(rows.unit_id, rows.unit_name, rows.final_total, rows.classification,
                    rows.rank, summary["groups"], summary["max_total"].as_string())
             .join(ScoreSheet, col(ScoreSheet.id) == rows.sheet_id)
             .order_by(rows.rank, _CodePointOrder(rows.unit_name), rows.sheet_id))
    return [PublishRow(unit_id=unit_id, unit_name=name, final_total=Decimal(final), classification=label,
                       rank=rank, groups=groups, max_total=_decimal(maximum))
            for unit_id, name, final, label, rank, groups, maximum in await session.execute(query)]
