"""The board's columns and filters: what the list of a status view sorts and filters by, in SQL.

The filters' values are bound parameters with fixed names (`BoardFilters.parameters`); the conditions depend on
`BoardFilters.shape` only, so the list's statement is built once per shape (status.repository).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Hashable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, String, and_, bindparam, cast, false, or_
from sqlalchemy.sql.elements import BindParameter
from sqlmodel import col

from edudx_common.text import like_pattern
from submissions.campaigns.models import CampaignTarget
from submissions.status.expressions import (
    AWAITING,
    NOW,
    QUERY,
    Scope,
    due_expression,
    matches,
    status_condition,
    status_expression,
)
from submissions.status.models import TargetReview
from submissions.workflow.models import Submission, SubmissionStatus


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
        found: dict[str, Any] = {QUERY.key: like_pattern(self.query) if self.query else None,
                                 GROUP_HEX.key: self.group_hex, _REVIEWER_ID.key: self.reviewer_id or "",
                                 _EXCLUDED.key: list(self.exclude_unit_ids)}
        for position, (key, value) in enumerate(self.equals):
            found[_equals_value(position).key] = _equality(key, value)[1]
        for position, (_key, low, high) in enumerate(self.ranges):
            found[_range_end(position, "low").key], found[_range_end(position, "high").key] = low, high
        return found


# The filters' values in the list's statement (BoardFilters.parameters).
GROUP_HEX = bindparam("filter_group_hex", type_=String())
_REVIEWER_ID = bindparam("filter_reviewer_id", type_=String())
_EXCLUDED: BindParameter[list[uuid.UUID]] = bindparam("filter_excluded_unit_ids", expanding=True)


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
               and_(status == SubmissionStatus.RETURNED.value, col(Submission.resubmission_due_at) < NOW))


def board_conditions(scope: Scope, filters: BoardFilters) -> list[ColumnElement[bool]]:
    """The conditions of `filters`, their values as parameters (the statement depends on `filters.shape` only)."""
    conditions: list[ColumnElement[bool]] = []
    if filters.query:
        conditions.append(matches())
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
