from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple, cast

from sqlalchemy import Integer, and_, case, delete, func, literal, null, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import expression
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import Subquery
from sqlmodel import col

from edudx_common.text import like_pattern
from scoring.results.models import CampaignResults, PublishedResult
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


async def submitted_sheets(session: AsyncSession, campaign_id: uuid.UUID, *,
                           within: uuid.UUID | None = None) -> list[SubmittedSheet]:
    """The sheets of units that have submitted at least once (drafts never appear in results), as plain
    tuples: tens of thousands of ORM objects would cost more than the rest of the request; `within`: only
    units in that unit's subtree."""
    query = select(*(col(getattr(ScoreSheet, name)) for name in SubmittedSheet._fields)).where(
        col(ScoreSheet.campaign_id) == campaign_id, col(ScoreSheet.submit_count) > 0)
    if within is not None:
        query = query.where(col(ScoreSheet.unit_path).like(f"%/{within.hex}/%"))
    found = await session.execute(query.order_by(col(ScoreSheet.unit_name)))
    return [SubmittedSheet(*row) for row in found]


async def settings(session: AsyncSession, campaign_id: uuid.UUID, *,
                   for_update: bool = False) -> CampaignResults | None:
    query = select(CampaignResults).where(col(CampaignResults.campaign_id) == campaign_id)
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def is_published(session: AsyncSession, campaign_id: uuid.UUID) -> bool:
    found = await settings(session, campaign_id)
    return found is not None and found.published_at is not None


async def replace_published(session: AsyncSession, campaign_id: uuid.UUID, rows: Sequence[PublishedResult]) -> None:
    await session.execute(delete(PublishedResult).where(col(PublishedResult.campaign_id) == campaign_id))
    session.add_all(rows)
    await session.flush()


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


class _Position(expression.FunctionElement[int]):
    """1-based position of a substring (0: absent): strpos() on PostgreSQL, instr() on SQLite."""

    type = Integer()
    name = "strpos"
    inherit_cache = True


@compiles(_Position)
def _position_default(element: _Position, compiler: Any, **kw: Any) -> str:
    return f"strpos({compiler.process(element.clauses, **kw)})"


@compiles(_Position, "sqlite")
def _position_sqlite(element: _Position, compiler: Any, **kw: Any) -> str:
    return f"instr({compiler.process(element.clauses, **kw)})"


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


UNIT_HEX = 32  # unit paths are "/<hex>/<hex>/…/" of unit ids


def group_hex(issuer_id: uuid.UUID) -> ColumnElement[str | None]:
    """The id (hex) of the unit directly under the issuer on a sheet's `unit_path` — its sub-authority — or NULL
    when the unit sits directly under the issuer or outside its tree (results.service._group_of, in SQL)."""
    path = col(ScoreSheet.unit_path)
    at = _Position(path, literal(f"/{issuer_id.hex}/"))
    below_group = func.length(func.rtrim(path, "/")) > at + 2 * (UNIT_HEX + 1)
    return case((and_(at > 0, below_group), func.substr(path, at + UNIT_HEX + 2, UNIT_HEX)), else_=null())


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


def _submitted(campaign_id: uuid.UUID, within: uuid.UUID | None) -> list[ColumnElement[bool]]:
    where = [col(ScoreSheet.campaign_id) == campaign_id, col(ScoreSheet.submit_count) > 0]
    if within is not None:
        where.append(col(ScoreSheet.unit_path).like(f"%/{within.hex}/%"))
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


def ranked_sheets(campaign_id: uuid.UUID, *, issuer_id: uuid.UUID, unscored: Unscored,
                  within: uuid.UUID | None = None, by_level: bool = False) -> Subquery:
    """Every submitted sheet of the campaign (of `within`'s subtree) with its rank among them: rank() over the
    final total (`by_level`: over the level, then the final total), so equal places share a rank and the next
    rank skips the tied places, and whether it is shared."""
    final = _final_total(unscored)
    keys: list[ColumnElement[Any]] = [_level_rank(unscored), final] if by_level else [final]
    order = [key.desc() for key in keys]
    # Tied: the neighbour before or after in the same order has the same place (one sort serves every window;
    # a count per place would sort a second time, a frame of peers costs more than the sort).
    tied = or_(and_(*(func.lag(key).over(order_by=order) == key for key in keys)),
               and_(*(func.lead(key).over(order_by=order) == key for key in keys)))
    return select(
        col(ScoreSheet.id).label("sheet_id"), col(ScoreSheet.unit_id).label("unit_id"),
        col(ScoreSheet.unit_name).label("unit_name"), col(ScoreSheet.unit_name_folded).label("unit_name_folded"),
        final.label("final_total"),
        _classification(unscored).label("classification"), group_hex(issuer_id).label("group_hex"),
        func.rank().over(order_by=order).label("rank"), tied.label("tied"),
    ).where(*_submitted(campaign_id, within)).subquery("ranked")


def _ranked_filters(ranked: Subquery, *, classification: str | None, only_unclassified: bool,
                    group: uuid.UUID | None, search: str | None = None) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if search:
        # Every folded word in order, as edudx_common.text.fold and like_pattern define the project's search.
        where.append(ranked.c.unit_name_folded.like(like_pattern(search), escape="\\"))
    if only_unclassified:
        where.append(ranked.c.classification.is_(None))
    elif classification is not None:
        where.append(ranked.c.classification == classification)
    if group is not None:
        where.append(ranked.c.group_hex == group.hex)
    return where


def _ranked_row(row: Any) -> RankedRow:
    return RankedRow(sheet_id=row.sheet_id, unit_id=row.unit_id, unit_name=row.unit_name,
                     final_total=Decimal(row.final_total), classification=row.classification,
                     group_hex=row.group_hex, rank=row.rank, tied=bool(row.tied))


async def ranked_page(session: AsyncSession, ranked: Subquery, *, classification: str | None = None,
                      only_unclassified: bool = False, group: uuid.UUID | None = None, search: str | None = None,
                      by_name: bool = False, limit: int, offset: int) -> tuple[list[RankedRow], int]:
    """One page by rank then name (or by folded name), and how many rows match: ORDER BY … LIMIT in the
    database, ranks being those among every row of `ranked` whatever the filters."""
    where = _ranked_filters(ranked, classification=classification, only_unclassified=only_unclassified,
                            group=group, search=search)
    name_order = [_CodePointOrder(ranked.c.unit_name_folded), _CodePointOrder(ranked.c.unit_name)]
    order = [*name_order, ranked.c.rank] if by_name else [ranked.c.rank, _CodePointOrder(ranked.c.unit_name)]
    query = (select(ranked, func.count().over().label("matching")).where(*where)
             .order_by(*order, ranked.c.sheet_id).limit(limit).offset(offset))
    rows = (await session.execute(query)).all()
    if rows:
        return [_ranked_row(r) for r in rows], int(rows[0].matching)
    matching = await session.scalar(select(func.count()).select_from(ranked).where(*where))
    return [], int(matching or 0)


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
                        unscored: Unscored, within: uuid.UUID | None = None) -> list[ClassFigure]:
    """Counts, sums of final totals and approvals per (group, class): every figure of the results page is
    added up from these few rows, whatever the number of units."""
    group, label = group_hex(issuer_id), _classification(unscored)
    approved = func.sum(case((col(ScoreSheet.submission_status) == "approved", 1), else_=0))
    # Whole hundredths: exact on SQLite too, where NUMERIC is stored as a float and a float sum drifts.
    cents = func.sum(func.round(_final_total(unscored) * 100))
    query = (select(group, label, func.count(), cents, approved)
             .where(*_submitted(campaign_id, within)).group_by(group, label))
    return [ClassFigure(group_hex=g, classification=c, count=int(n), total=Decimal(int(s or 0)) / 100,
                        approved=int(a or 0))
            for g, c, n, s, a in await session.execute(query)]


async def unit_figures(session: AsyncSession, campaign_id: uuid.UUID, unit_ids: Sequence[uuid.UUID], *,
                       unscored: Unscored) -> dict[uuid.UUID, tuple[Decimal, str | None]]:
    """(final total, class) of the given units' submitted sheets in a campaign (last year's, beside a page)."""
    if not unit_ids:
        return {}
    query = select(col(ScoreSheet.unit_id), _final_total(unscored), _classification(unscored)).where(
        *_submitted(campaign_id, None), col(ScoreSheet.unit_id).in_(unit_ids))
    return {unit_id: (Decimal(total), label) for unit_id, total, label in await session.execute(query)}
