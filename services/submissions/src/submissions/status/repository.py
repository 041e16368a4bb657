"""The queries behind the status views.

Where a target stands depends on its submission and on the clock, so the status is an SQL expression of
"now" and the deadlines: the database counts per group and status (a few hundred result rows, whatever the
number of targets) and filters, sorts and pages the list. Python never walks every target of a view: on
PostgreSQL with 30,000 targets that is several times faster than fetching every row (bench/RESULTS.md).

The statements hold no values: the scope's and the filters' values are bound parameters with fixed names
(`parameters`), so one statement serves every request of the same shape and is built once (`_statement`). Building
the roll-up and the page for each request, and deriving SQLAlchemy's cache key from them, took a quarter of the
CPU of a reviewer's view (bench/RESULTS.md, session 10).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Hashable, Sequence
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Integer, Select, and_, bindparam, case, func, literal, select
from sqlalchemy.engine import Result
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from edudx_common.text import like_pattern
from submissions.campaigns.models import CampaignTarget
from submissions.signatures.models import SignedReport
from submissions.status.board import BOARD_COLUMNS, GROUP_HEX, BoardFilters, board_conditions
from submissions.status.expressions import (
    AWAITING,
    QUERY,
    Scope,
    due_expression,
    group_expression,
    group_label_expression,
    matches,
    scope_targets,
    status_expression,
)
from submissions.status.models import TargetReview
from submissions.workflow.models import Submission

# What the list shows of each target: no ORM objects, no submission content.
DETAIL_COLUMNS: tuple[Any, ...] = (
    col(CampaignTarget.unit_id),
    col(CampaignTarget.unit_code),
    col(CampaignTarget.unit_name),
    col(CampaignTarget.unit_name_folded),
    col(CampaignTarget.unit_type),
    col(CampaignTarget.commune_name),
    col(CampaignTarget.extension_due_at),
    col(Submission.id).label("submission_id"),
    col(Submission.status).label("workflow_status"),
    col(Submission.first_submitted_at),
    col(Submission.last_submitted_at),
    col(Submission.late_seconds),
    col(Submission.resubmission_due_at),
    col(Submission.approved_at),
    col(Submission.updated_at),
    col(Submission.submit_count),
    col(Submission.completeness),
    col(TargetReview.reviewer_id),
    col(TargetReview.reviewer_name),
    col(TargetReview.self_score),
    col(TargetReview.review_score),
    col(TargetReview.final_score),
    # The highest signed version, for the signature column: read with the page (it was a second statement naming
    # every submission of the page). PostgreSQL evaluates it after the LIMIT, for the listed rows only.
    select(func.max(col(SignedReport.version_number))).where(col(SignedReport.submission_id) == col(Submission.id))
    .scalar_subquery().label("signed_version"),
)

_LIMIT = bindparam("page_limit", type_=Integer())
_OFFSET = bindparam("page_offset", type_=Integer())


def rollup_query(scope: Scope, dialect: str, *, query: str | None) -> Select[Any]:
    """The roll-up's statement (its values: `parameters(scope, query=query)`)."""
    return _statement(_rollup_query, scope, dialect, bool(query))


def _rollup_query(scope: Scope, dialect: str, searched: bool) -> Select[Any]:
    first_on_time = and_(col(Submission.first_submitted_at).is_not(None), col(Submission.late_seconds) == 0)
    awaiting = col(Submission.status).in_(AWAITING)
    judged: Any = scope_targets(scope, group_expression(scope, dialect).label("group_key"),
                      group_label_expression(scope).label("group_label"),
                      status_expression(scope).label("status"),
                      case((first_on_time, 1), else_=0).label("first_on_time"),
                      case((matches(), 1), else_=0).label("matched") if searched else literal(1).label("matched"),
                      case((awaiting, 1), else_=0).label("awaiting"),
                      case((and_(awaiting, col(TargetReview.reviewer_id).is_(None)), 1), else_=0).label("unassigned"),
                      case((col(TargetReview.review_score).is_not(None), 1), else_=0).label("review_scored"),
                      col(TargetReview.self_score), col(TargetReview.final_score), col(Submission.completeness),
                      )
    if dialect == "postgresql":
        # Not flattened into the grouping (OFFSET 0): PostgreSQL then estimates the groups from the two keys alone,
        # a few thousand, and hashes them. Flattened, it counted the distinct values of every column the keys read
        # (unit ids, late seconds), one group per target, and sorted all of them, on disk at 50,000 targets.
        judged = judged.offset(0)
    judged = judged.subquery()
    sums = [func.sum(judged.c[name]).label(name) for name in ("first_on_time", "matched", *SUMMED)]
    # The chart's averages as sums and counts per cell: the service adds the cells up (no second scan).
    averaged = [aggregate(judged.c[name]).label(f"{name}_{kind}") for name in AVERAGED
                for kind, aggregate in (("sum", func.sum), ("count", func.count))]
    # Grouped outside: PostgreSQL cannot match a GROUP BY expression whose parameters are numbered apart.
    return (select(judged.c.group_key, judged.c.status, func.count().label("targets"), *sums, *averaged,
                   func.max(judged.c.group_label).label("group_label"))
            .group_by(judged.c.group_key, judged.c.status))


# What the roll-up adds up for the chart besides the status counts (a count each), and what it averages.
SUMMED = ("awaiting", "unassigned", "review_scored")
AVERAGED = ("self_score", "final_score", "completeness")


class Record(SimpleNamespace):
    """A row of the roll-up or the list, its columns as attributes. Not SQLAlchemy's `Row`: reading a column of a
    `Row` by name goes through `__getattr__` after a failed lookup (1–2 µs each), and the view reads some 35
    columns of each target it lists (bench/RESULTS.md, session 11)."""


def _records(result: Result[Any]) -> list[Record]:
    names = tuple(result.keys())
    return [Record(**dict(zip(names, row, strict=True))) for row in result]


async def rollup(session: AsyncSession, scope: Scope, *, query: str | None) -> list[Record]:
    """(group_key, status, targets, first_on_time, matched, group_label, the chart's SUMMED counts, and sum and
    count of each AVERAGED column) for every group and status present: `matched` counts the targets `query`
    finds, so the length of any filtered list is known without counting it; the chart's figures over the whole
    scope are the cells added up."""
    return _records(await session.execute(rollup_query(scope, _dialect(session), query=query),
                                          parameters(scope, query=query)))


def parameters(scope: Scope, filters: BoardFilters | None = None, *, query: str | None = None,
               limit: int | None = None, offset: int = 0) -> dict[str, Any]:
    """The values of a statement of this module: the scope's, the filters' (or the roll-up's search), the page's."""
    found = {**scope.parameters(), QUERY.key: like_pattern(query) if query else None,
             _LIMIT.key: limit, _OFFSET.key: offset}
    if filters is not None:
        found.update(filters.parameters())
    return found


def list_query(scope: Scope, dialect: str, *, filters: BoardFilters, limited: bool | None = None) -> Select[Any]:
    """The list's statement (its values: `parameters(scope, filters)`); `limited`: with LIMIT and OFFSET (False:
    OFFSET alone), their values the page's parameters."""
    return _statement(_list_query, scope, dialect, filters.shape, limited, filters=filters)


def _list_query(scope: Scope, dialect: str, _shape: Hashable, limited: bool | None, *,
                filters: BoardFilters) -> Select[Any]:
    group_key = group_expression(scope, dialect)
    stmt = scope_targets(scope, *DETAIL_COLUMNS, status_expression(scope).label("status"),
                    due_expression(scope).label("due_at"), group_key.label("group_key"))
    stmt = stmt.where(*board_conditions(scope, filters))
    if filters.group_hex is not None:
        stmt = stmt.where(group_key == GROUP_HEX)
    # By name (the index on name serves it); another column sorts with empty values last, then by name.
    by_name = (col(CampaignTarget.unit_name_folded), col(CampaignTarget.unit_code))
    if filters.sort == "name":
        stmt = stmt.order_by(*(c.desc() for c in by_name) if filters.descending else by_name)
    else:
        key = BOARD_COLUMNS[filters.sort].expression(scope)
        stmt = stmt.order_by((key.desc() if filters.descending else key.asc()).nulls_last(), *by_name)
    if limited is None:
        return stmt
    return stmt.limit(_LIMIT).offset(_OFFSET) if limited else stmt.offset(_OFFSET)


def count_query(scope: Scope, dialect: str, *, filters: BoardFilters) -> Select[Any]:
    """How many targets the list holds (its values: `parameters(scope, filters)`)."""
    return _statement(_count_query, scope, dialect, filters.shape, filters=filters)


def _count_query(scope: Scope, dialect: str, _shape: Hashable, *, filters: BoardFilters) -> Select[Any]:
    stmt = scope_targets(scope, col(CampaignTarget.id)).where(*board_conditions(scope, filters))
    if filters.group_hex is not None:
        stmt = stmt.where(group_expression(scope, dialect) == GROUP_HEX)
    return select(func.count()).select_from(stmt.subquery())


async def counted(session: AsyncSession, scope: Scope, *, filters: BoardFilters) -> int:
    return int((await session.execute(count_query(scope, _dialect(session), filters=filters),
                                      parameters(scope, filters))).scalar_one())


async def listed(session: AsyncSession, scope: Scope, *, filters: BoardFilters, limit: int | None,
                 offset: int) -> list[Record]:
    """Targets matching the filters, in the order asked, with their status, deadline and group."""
    stmt = list_query(scope, _dialect(session), filters=filters, limited=limit is not None)
    return _records(await session.execute(stmt, parameters(scope, filters, limit=limit, offset=offset)))


# Statements by shape. A few dozen shapes serve every view; odd filter combinations beyond the bound start over.
_STATEMENTS: dict[tuple[Hashable, ...], Select[Any]] = {}
_STATEMENTS_KEPT = 512


def _statement(build: Callable[..., Select[Any]], scope: Scope, dialect: str, *shape: Hashable,
               **given: Any) -> Select[Any]:
    """The statement `build` makes for a scope of this shape: built once. `build` reads only the shape of `scope`
    and of what is `given` (their values are parameters)."""
    key = (build.__name__, dialect, scope.shape, *shape)
    found = _STATEMENTS.get(key)
    if found is None:
        if len(_STATEMENTS) >= _STATEMENTS_KEPT:
            _STATEMENTS.clear()
        found = _STATEMENTS[key] = build(scope, dialect, *shape, **given)
    return found


async def some_path(session: AsyncSession, campaign_id: uuid.UUID, path_patterns: Sequence[str]) -> str | None:
    """The path of one active target matching every pattern, if there is one."""
    result = await session.execute(
        select(col(CampaignTarget.unit_path))
        .where(col(CampaignTarget.campaign_id) == campaign_id, col(CampaignTarget.withdrawn_at).is_(None),
               *(col(CampaignTarget.unit_path).like(p) for p in path_patterns))
        .limit(1))
    return result.scalar_one_or_none()


def _dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name
