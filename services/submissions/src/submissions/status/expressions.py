"""The status view's SQL: where a target stands, its deadline and its group, as expressions of the scope.

Where a target stands depends on its submission and on the clock, so the status is an SQL expression of "now" and
the deadlines. The scope's values are bound parameters with fixed names (`Scope.parameters`), never values in the
expressions, so a statement made of them serves every request of the same shape (status.repository).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Hashable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, String, and_, bindparam, case, cast, false, func, null, or_, select
from sqlalchemy.sql.elements import BindParameter
from sqlmodel import col

from edudx_common.db import UTCDateTime
from submissions.campaigns.models import Campaign, CampaignTarget
from submissions.deadlines import effective_due_sql, unit_due_sql
from submissions.status.models import TargetReview
from submissions.workflow.models import Submission, SubmissionStatus

# A path is "/" then 32-hex-digit ids, each closed by "/": a unit's child starts 33 characters after it.
_CHILD_OFFSET = 33
_HEX_LENGTH = 32
_STILL_OPEN = (SubmissionStatus.RETURNED.value, SubmissionStatus.APPROVED.value)

# Submissions waiting for a reviewer's decision (the two-level intermediate step included).
AWAITING = (SubmissionStatus.SUBMITTED.value, SubmissionStatus.RESUBMITTED.value,
            SubmissionStatus.UNDER_REVIEW.value, SubmissionStatus.FORWARDED.value)

# The scope's values in every statement (Scope.parameters).
CAMPAIGN_ID: BindParameter[uuid.UUID] = bindparam("scope_campaign_id")
CAMPAIGN_DUE = bindparam("scope_campaign_due", type_=UTCDateTime())
NOW = bindparam("scope_now", type_=UTCDateTime())
GROUP_UNIT_HEX = bindparam("scope_group_unit_hex", type_=String())
COMMUNE_ID: BindParameter[uuid.UUID] = bindparam("scope_commune_id")


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
        return {CAMPAIGN_ID.key: self.campaign_id, CAMPAIGN_DUE.key: self.campaign_due, NOW.key: self.now,
                GROUP_UNIT_HEX.key: self.group_unit_id.hex, COMMUNE_ID.key: self.commune_id,
                **{path_pattern(i).key: pattern for i, pattern in enumerate(self.path_patterns)}}


def path_pattern(position: int) -> Any:
    return bindparam(f"scope_path_{position}", type_=String())


def status_expression(scope: Scope) -> ColumnElement[str]:
    """The rule, in SQL. Never submitted: not started / draft until the unit's deadline (its extension, or
    the campaign's), overdue after it — submitting exactly at the deadline is on time, as the workflow judges
    it. Returned and approved as such. Otherwise submitted, on time or late by the first submission."""
    status = col(Submission.status)
    deadline = unit_due_sql(CAMPAIGN_DUE)
    return case(
        (and_(or_(status.is_(None), status == SubmissionStatus.DRAFT.value), deadline < NOW), "overdue"),
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
    past_due = unit_due_sql(CAMPAIGN_DUE) < NOW
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
    return effective_due_sql(CAMPAIGN_DUE)


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
    unit_hex = GROUP_UNIT_HEX
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


def scope_targets(scope: Scope, *columns: Any) -> Select[Any]:
    stmt = (
        select(*columns)
        .select_from(CampaignTarget)
        .outerjoin(Submission, and_(col(Submission.target_id) == col(CampaignTarget.id),
                                    col(Submission.campaign_id) == CAMPAIGN_ID))
        .outerjoin(TargetReview, col(TargetReview.target_id) == col(CampaignTarget.id))
        .where(col(CampaignTarget.campaign_id) == CAMPAIGN_ID, col(CampaignTarget.withdrawn_at).is_(None),
               *(col(CampaignTarget.unit_path).like(path_pattern(i)) for i in range(len(scope.path_patterns))))
    )
    if scope.commune_id is not None:
        stmt = stmt.where(col(CampaignTarget.commune_id) == COMMUNE_ID)
    return stmt


QUERY = bindparam("filter_query", type_=String())  # the LIKE pattern of the search (BoardFilters.parameters)


def matches() -> ColumnElement[bool]:
    return (col(CampaignTarget.unit_name_folded).like(QUERY, escape="\\")
            | col(CampaignTarget.unit_code).ilike(QUERY, escape="\\"))
