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
from collections.abc import Callable, Collection, Hashable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    case,
    cast,
    false,
    func,
    literal,
    null,
    or_,
    select,
)
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import BindParameter
from sqlmodel import col

from edudx_common.db import UTCDateTime
from edudx_common.text import like_pattern
from submissions.campaigns.models import Campaign, CampaignTarget
from submissions.deadlines import effective_due_sql, unit_due_sql
from submissions.status.models import TargetReview
from submissions.workflow.models import Submission, SubmissionStatus

# A path is "/" then 32-hex-digit ids, each closed by "/": a unit's child starts 33 characters after it.
_CHILD_OFFSET = 33
_HEX_LENGTH = 32
_STILL_OPEN = (SubmissionStatus.RETURNED.value, SubmissionStatus.APPROVED.value)

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
)


# The scope's values in every statement (Scope.parameters).
_CAMPAIGN_ID: BindParameter[uuid.UUID] = bindparam("scope_campaign_id")
_CAMPAIGN_DUE = bindparam("scope_campaign_due", type_=UTCDateTime())
_NOW = bindparam("scope_now", type_=UTCDateTime())
_GROUP_UNIT_HEX = bindparam("scope_group_unit_hex", type_=String())
_COMMUNE_ID: BindParameter[uuid.UUID] = bindparam("scope_commune_id")


@dataclass(frozen=True)
class Scope:
    """The targets a view covers (active ones, every path pattern matching) and how they are judged."""

    campaign_id: uuid.UUID
    campaign_due: datetime
    now: datetime
    group_unit_id: uuid.UUID
    path_patterns: tuple[str, ...] = ()
    # "child": the group unit's children on the path; "commune", "cluster", "level": the target's attribute.
    group_by: str = "child"
    # A commune's officials: only the schools it owns, wherever they sit in the professional tree.
    commune_id: uuid.UUID | None = None
    # The campaign's issuer: rolled up under it by child, the group is the target's stored `issuer_group_hex`.
    issuer_unit_id: uuid.UUID | None = None

    @property
    def shape(self) -> tuple[Hashable, ...]:
        """What the statements of this scope are made of (its values are parameters)."""
        return (self.group_by, self.group_unit_id == self.issuer_unit_id, len(self.path_patterns),
                self.commune_id is not None)

    def parameters(self) -> dict[str, Any]:
        return {_CAMPAIGN_ID.key: self.campaign_id, _CAMPAIGN_DUE.key: self.campaign_due, _NOW.key: self.now,
                _GROUP_UNIT_HEX.key: self.group_unit_id.hex, _COMMUNE_ID.key: self.commune_id,
                **{_path_pattern(i).key: pattern for i, pattern in enumerate(self.path_patterns)}}


def _path_pattern(position: int) -> Any:
    return bindparam(f"scope_path_{position}", type_=String())


def status_expression(scope: Scope) -> ColumnElement[str]:
    """The rule, in SQL. Never submitted: not started / draft until the unit's deadline (its extension, or
    the campaign's), overdue after it — submitting exactly at the deadline is on time, as the workflow judges
    it. Returned and approved as such. Otherwise submitted, on time or late by the first submission."""
    status = col(Submission.status)
    deadline = unit_due_sql(_CAMPAIGN_DUE)
    return case(
        (and_(or_(status.is_(None), status == SubmissionStatus.DRAFT.value), deadline < _NOW), "overdue"),
        (status.is_(None), "not_started"),
        (status == SubmissionStatus.DRAFT.value, "draft"),
        (status.in_(_STILL_OPEN), status),
        (col(Submission.late_seconds) > 0, "submitted_late"),
        else_="submitted_on_time",
    )


def status_condition(scope: Scope, statuses: Collection[str]) -> ColumnElement[bool]:
    """`status_expression(scope) IN statuses`, written as conditions on the columns: the planner estimates them
    from the columns' statistics. It estimates a CASE compared with a value at half a percent of the rows whatever
    the value, so "overdue + a search" at 50,000 targets was planned as 75 rows, read by joining every submission
    and sorting, where walking the name index stops after a few hundred (bench/RESULTS.md, session 10)."""
    status = col(Submission.status)
    past_due = unit_due_sql(_CAMPAIGN_DUE) < _NOW
    never_submitted = or_(status.is_(None), status == SubmissionStatus.DRAFT.value)
    submitted = status.not_in([SubmissionStatus.DRAFT.value, *_STILL_OPEN])  # NULL (no submission) is not in it
    late = col(Submission.late_seconds) > 0
    conditions: dict[str, ColumnElement[bool]] = {
        "overdue": and_(never_submitted, past_due),
        "not_started": and_(status.is_(None), ~past_due),
        "draft": and_(status == SubmissionStatus.DRAFT.value, ~past_due),
        SubmissionStatus.RETURNED.value: status == SubmissionStatus.RETURNED.value,
        SubmissionStatus.APPROVED.value: status == SubmissionStatus.APPROVED.value,
        "submitted_late": and_(submitted, late),
        "submitted_on_time": and_(submitted, func.coalesce(col(Submission.late_seconds), 0) <= 0),
    }
    chosen = [conditions[s] for s in sorted(statuses) if s in conditions]
    return or_(*chosen) if chosen else false()


def due_expression(scope: Scope) -> ColumnElement[datetime]:
    """The deadline that applies to the unit now: its resubmission date when returned, else its extension,
    else the campaign's (`submissions.deadlines`)."""
    return effective_due_sql(_CAMPAIGN_DUE)


# Attribute groupings: the stored column whose text is the group key (a uuid, or a JSON list written by the ORM,
# always serialised the same way, so equal lists are equal text).
_ATTRIBUTE_COLUMNS: dict[str, Any] = {
    "commune": CampaignTarget.commune_id,
    "cluster": CampaignTarget.cluster_codes,
    "level": CampaignTarget.education_levels,
}


def group_expression(scope: Scope, dialect: str) -> ColumnElement[str]:
    """The group of a target. By child: the id (hex) of the group unit's child on the target's path — found by
    position, not by a fixed offset: targets added later may sit under a moved branch — except for a target that
    is that child itself (a school directly under the group unit), or the group unit, or no longer under it (a
    school of an absorbed Sở moves to the surviving Sở, while the absorbed Sở, its campaigns' issuer, goes below the
    survivor): those share one group, the group unit's own hex. One group per school directly under a Sở would
    be 2,500 groups for a reformed Sở and 50,000 for a national campaign, each a copy of a line of the list.
    By attribute: the attribute's stored text ('' for a school without a commune)."""
    attribute = _ATTRIBUTE_COLUMNS.get(scope.group_by)
    if attribute is not None:
        return func.coalesce(cast(col(attribute), String), "")
    unit_hex = _GROUP_UNIT_HEX
    if scope.group_unit_id == scope.issuer_unit_id:
        # Stored with the path (campaigns.models.issuer_group_of): not cut out of every path per request.
        child: ColumnElement[str] = cast(col(CampaignTarget.issuer_group_hex), String)
    else:
        child = child_group(col(CampaignTarget.unit_path), unit_hex, dialect)
    return case((child == uuid_hex(col(CampaignTarget.unit_id), dialect), unit_hex), else_=child)


def child_group(path: Any, unit_hex: ColumnElement[str], dialect: str) -> ColumnElement[str]:
    """The group of a target whose path is `path` rolled up under the unit `unit_hex` (see group_expression)."""
    position = func.instr(path, unit_hex) if dialect == "sqlite" else func.strpos(path, unit_hex)
    child = case((position == 0, func.substr(path, func.length(path) - _HEX_LENGTH, _HEX_LENGTH)),
                 else_=func.substr(path, position + _CHILD_OFFSET, _HEX_LENGTH))
    return func.coalesce(func.nullif(child, ""), unit_hex)


def uuid_hex(column: Any, dialect: str) -> ColumnElement[str]:
    """A uuid column as the 32 lower-case hex digits paths spell ids with (SQLite already stores it so)."""
    if dialect == "sqlite":
        return cast(column, String)
    return func.replace(cast(column, String), "-", "")


def issuer_group_sql(path: Any, dialect: str) -> ColumnElement[str]:
    """`campaigns.models.issuer_group_of` in SQL, for a target row (its campaign's issuer read in a subquery): what
    a bulk path move writes beside the new path."""
    issuer = (select(uuid_hex(col(Campaign.issuer_unit_id), dialect))
              .where(col(Campaign.id) == col(CampaignTarget.campaign_id)).scalar_subquery())
    return child_group(path, issuer, dialect)


def group_label_expression(scope: Scope) -> ColumnElement[Any]:
    """What names an attribute group: the commune's name, the clusters' names (JSON text); nothing by child."""
    if scope.group_by == "commune":
        return cast(col(CampaignTarget.commune_name), String)
    if scope.group_by == "cluster":
        return cast(col(CampaignTarget.cluster_names), String)
    return cast(null(), String)


def _targets(scope: Scope, *columns: Any) -> Select[Any]:
    stmt = (
        select(*columns)
        .select_from(CampaignTarget)
        .outerjoin(Submission, and_(col(Submission.target_id) == col(CampaignTarget.id),
                                    col(Submission.campaign_id) == _CAMPAIGN_ID))
        .outerjoin(TargetReview, col(TargetReview.target_id) == col(CampaignTarget.id))
        .where(col(CampaignTarget.campaign_id) == _CAMPAIGN_ID, col(CampaignTarget.withdrawn_at).is_(None),
               *(col(CampaignTarget.unit_path).like(_path_pattern(i)) for i in range(len(scope.path_patterns))))
    )
    if scope.commune_id is not None:
        stmt = stmt.where(col(CampaignTarget.commune_id) == _COMMUNE_ID)
    return stmt


_QUERY = bindparam("filter_query", type_=String())  # the LIKE pattern of the search (BoardFilters.parameters)


def _matches() -> ColumnElement[bool]:
    return (col(CampaignTarget.unit_name_folded).like(_QUERY, escape="\\")
            | col(CampaignTarget.unit_code).ilike(_QUERY, escape="\\"))


def rollup_query(scope: Scope, dialect: str, *, query: str | None) -> Select[Any]:
    """The roll-up's statement (its values: `parameters(scope, query=query)`)."""
    return _statement(_rollup_query, scope, dialect, bool(query))


def _rollup_query(scope: Scope, dialect: str, searched: bool) -> Select[Any]:
    first_on_time = and_(col(Submission.first_submitted_at).is_not(None), col(Submission.late_seconds) == 0)
    awaiting = col(Submission.status).in_(AWAITING)
    judged: Any = _targets(scope, group_expression(scope, dialect).label("group_key"),
                      group_label_expression(scope).label("group_label"),
                      status_expression(scope).label("status"),
                      case((first_on_time, 1), else_=0).label("first_on_time"),
                      case((_matches(), 1), else_=0).label("matched") if searched else literal(1).label("matched"),
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


async def rollup(session: AsyncSession, scope: Scope, *, query: str | None) -> Sequence[Row[Any]]:
    """(group_key, status, targets, first_on_time, matched, group_label, the chart's SUMMED counts, and sum and
    count of each AVERAGED column) for every group and status present: `matched` counts the targets `query`
    finds, so the length of any filtered list is known without counting it; the chart's figures over the whole
    scope are the cells added up."""
    return (await session.execute(rollup_query(scope, _dialect(session), query=query),
                                  parameters(scope, query=query))).all()


@dataclass(frozen=True)
class BoardColumn:
    """A column of the board: how to compute it in SQL, and whether the list sorts by it, filters by equality
    (`match=key:value`) or by a range (`range=key:min:max`)."""

    expression: Callable[[Scope], Any]  # a column or an SQL expression of the scope
    sortable: bool = True
    equals: bool = False
    ranged: bool = False
    # For a list column (JSON text): `match=key:value` keeps the rows whose list holds the value.
    holds: bool = False
    value_of: Callable[[str], Any] = str  # the column's value from the query's text (ValueError: nothing matches)


def _json_list_text(column: Any) -> Callable[[Scope], Any]:
    return lambda s: cast(col(column), String)


# The board's columns by API name. A new column (commune, cluster, level: on the target) is one line here.
BOARD_COLUMNS: dict[str, BoardColumn] = {
    "name": BoardColumn(lambda s: col(CampaignTarget.unit_name_folded)),
    "code": BoardColumn(lambda s: col(CampaignTarget.unit_code), equals=True),
    "status": BoardColumn(status_expression, equals=True),
    "unit_type": BoardColumn(lambda s: col(CampaignTarget.unit_type), equals=True),
    "workflow_status": BoardColumn(lambda s: col(Submission.status), equals=True),
    "completeness": BoardColumn(lambda s: col(Submission.completeness), ranged=True),
    "self_score": BoardColumn(lambda s: col(TargetReview.self_score), ranged=True),
    "review_score": BoardColumn(lambda s: col(TargetReview.review_score), ranged=True),
    "final_score": BoardColumn(lambda s: col(TargetReview.final_score), ranged=True),
    "late_by": BoardColumn(lambda s: col(Submission.late_seconds), ranged=True),
    "due_at": BoardColumn(due_expression),
    "submitted_at": BoardColumn(lambda s: col(Submission.first_submitted_at)),
    "reviewer": BoardColumn(lambda s: col(TargetReview.reviewer_name)),
    "reviewer_id": BoardColumn(lambda s: col(TargetReview.reviewer_id), sortable=False, equals=True),
    # The grouping attributes (issue 20): the commune sorts by name and filters by id; clusters and levels are lists.
    "commune": BoardColumn(lambda s: col(CampaignTarget.commune_name)),
    "commune_id": BoardColumn(lambda s: col(CampaignTarget.commune_id), sortable=False, equals=True,
                              value_of=uuid.UUID),
    "cluster": BoardColumn(_json_list_text(CampaignTarget.cluster_names)),
    "cluster_code": BoardColumn(_json_list_text(CampaignTarget.cluster_codes), sortable=False, equals=True,
                                holds=True),
    "level": BoardColumn(_json_list_text(CampaignTarget.education_levels), equals=True, holds=True),
}
NONE_VALUE = "none"  # `match=reviewer_id:none`: the column is empty

# Submissions waiting for a reviewer's decision (the two-level intermediate step included).
AWAITING = (SubmissionStatus.SUBMITTED.value, SubmissionStatus.RESUBMITTED.value,
            SubmissionStatus.UNDER_REVIEW.value, SubmissionStatus.FORWARDED.value)


@dataclass(frozen=True)
class BoardFilters:
    """What narrows and orders the list (never the counts)."""

    statuses: Collection[str] = ()
    query: str | None = None
    group_hex: str | None = None
    queue: str | None = None  # awaiting | mine | returned | overdue
    reviewer_id: str | None = None  # whose "mine"
    equals: tuple[tuple[str, str], ...] = ()
    ranges: tuple[tuple[str, float | None, float | None], ...] = ()
    sort: str = "name"
    descending: bool = False
    exclude_unit_ids: tuple[uuid.UUID, ...] = field(default=())

    @property
    def narrows_beyond_rollup(self) -> bool:
        """Whether the roll-up's counts cannot give the list's length (it counts by status, group and text)."""
        return bool(self.queue or self.equals or self.ranges or self.exclude_unit_ids)

    @property
    def shape(self) -> tuple[Hashable, ...]:
        """What the list's statement is made of (the values are parameters)."""
        return (tuple(sorted(self.statuses)), bool(self.query), self.group_hex is not None, self.queue,
                tuple((key, _equality(key, value)[0]) for key, value in self.equals),
                tuple((key, low is not None, high is not None) for key, low, high in self.ranges),
                self.sort, self.descending, bool(self.exclude_unit_ids))

    def parameters(self) -> dict[str, Any]:
        found: dict[str, Any] = {_QUERY.key: like_pattern(self.query) if self.query else None,
                                 _GROUP_HEX.key: self.group_hex, _REVIEWER_ID.key: self.reviewer_id or "",
                                 _EXCLUDED.key: list(self.exclude_unit_ids)}
        for position, (key, value) in enumerate(self.equals):
            found[_equals_value(position).key] = _equality(key, value)[1]
        for position, (_key, low, high) in enumerate(self.ranges):
            found[_range_end(position, "low").key], found[_range_end(position, "high").key] = low, high
        return found


# The filters' values in the list's statement (BoardFilters.parameters).
_GROUP_HEX = bindparam("filter_group_hex", type_=String())
_REVIEWER_ID = bindparam("filter_reviewer_id", type_=String())
_EXCLUDED: BindParameter[list[uuid.UUID]] = bindparam("filter_excluded_unit_ids", expanding=True)
_LIMIT = bindparam("page_limit", type_=Integer())
_OFFSET = bindparam("page_offset", type_=Integer())


def _equals_value(position: int) -> Any:
    return bindparam(f"filter_equals_{position}")


def _range_end(position: int, end: str) -> Any:
    return bindparam(f"filter_range_{end}_{position}")


def _equality(key: str, value: str) -> tuple[str, Any]:
    """How `match=key:value` filters — empty, holds (a quoted code in the JSON text of a list), equals, or nothing
    (a value of the wrong kind) — and the value it binds."""
    column = BOARD_COLUMNS[key]
    if value == NONE_VALUE:
        return "empty", None
    if column.holds:
        escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return "holds", f'%"{escaped}"%'
    try:
        return "equals", column.value_of(value)
    except ValueError:
        return "nothing", None


def parameters(scope: Scope, filters: BoardFilters | None = None, *, query: str | None = None,
               limit: int | None = None, offset: int = 0) -> dict[str, Any]:
    """The values of a statement of this module: the scope's, the filters' (or the roll-up's search), the page's."""
    found = {**scope.parameters(), _QUERY.key: like_pattern(query) if query else None,
             _LIMIT.key: limit, _OFFSET.key: offset}
    if filters is not None:
        found.update(filters.parameters())
    return found


def queue_condition(scope: Scope, queue: str) -> ColumnElement[bool]:
    status = col(Submission.status)
    if queue == "awaiting":
        return status.in_(AWAITING)
    if queue == "mine":
        return and_(status.in_(AWAITING), col(TargetReview.reviewer_id) == _REVIEWER_ID)
    if queue == "returned":
        return status == SubmissionStatus.RETURNED.value
    # overdue: never submitted past the unit's deadline, or returned and not sent again by its resubmission date
    return or_(status_condition(scope, ["overdue"]),
               and_(status == SubmissionStatus.RETURNED.value, col(Submission.resubmission_due_at) < _NOW))


def board_conditions(scope: Scope, filters: BoardFilters) -> list[ColumnElement[bool]]:
    """The conditions of `filters`, their values as parameters (the statement depends on `filters.shape` only)."""
    conditions: list[ColumnElement[bool]] = []
    if filters.query:
        conditions.append(_matches())
    if filters.statuses:
        conditions.append(status_condition(scope, filters.statuses))
    if filters.queue:
        conditions.append(queue_condition(scope, filters.queue))
    for position, (key, value) in enumerate(filters.equals):
        expression = BOARD_COLUMNS[key].expression(scope)
        kind = _equality(key, value)[0]
        if kind == "empty":
            conditions.append(expression.is_(None))
        elif kind == "holds":
            conditions.append(expression.like(_equals_value(position), escape="\\"))
        elif kind == "equals":
            conditions.append(expression == _equals_value(position))
        else:
            conditions.append(false())
    for position, (key, low, high) in enumerate(filters.ranges):
        expression = BOARD_COLUMNS[key].expression(scope)
        if low is not None:
            conditions.append(expression >= _range_end(position, "low"))
        if high is not None:
            conditions.append(expression <= _range_end(position, "high"))
    if filters.exclude_unit_ids:
        conditions.append(col(CampaignTarget.unit_id).not_in(_EXCLUDED))
    return conditions


def list_query(scope: Scope, dialect: str, *, filters: BoardFilters, limited: bool | None = None) -> Select[Any]:
    """The list's statement (its values: `parameters(scope, filters)`); `limited`: with LIMIT and OFFSET (False:
    OFFSET alone), their values the page's parameters."""
    return _statement(_list_query, scope, dialect, filters.shape, limited, filters=filters)


def _list_query(scope: Scope, dialect: str, _shape: Hashable, limited: bool | None, *,
                filters: BoardFilters) -> Select[Any]:
    group_key = group_expression(scope, dialect)
    stmt = _targets(scope, *DETAIL_COLUMNS, status_expression(scope).label("status"),
                    due_expression(scope).label("due_at"), group_key.label("group_key"))
    stmt = stmt.where(*board_conditions(scope, filters))
    if filters.group_hex is not None:
        stmt = stmt.where(group_key == _GROUP_HEX)
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
    stmt = _targets(scope, col(CampaignTarget.id)).where(*board_conditions(scope, filters))
    if filters.group_hex is not None:
        stmt = stmt.where(group_expression(scope, dialect) == _GROUP_HEX)
    return select(func.count()).select_from(stmt.subquery())


async def counted(session: AsyncSession, scope: Scope, *, filters: BoardFilters) -> int:
    return int((await session.execute(count_query(scope, _dialect(session), filters=filters),
                                      parameters(scope, filters))).scalar_one())


async def listed(session: AsyncSession, scope: Scope, *, filters: BoardFilters, limit: int | None,
                 offset: int) -> Sequence[Row[Any]]:
    """Targets matching the filters, in the order asked, with their status, deadline and group."""
    stmt = list_query(scope, _dialect(session), filters=filters, limited=limit is not None)
    return (await session.execute(stmt, parameters(scope, filters, limit=limit, offset=offset))).all()


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
