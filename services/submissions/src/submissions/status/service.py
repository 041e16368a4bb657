"""Where every target of a campaign stands, rolled up by the sub-authorities of the viewer's unit.

One query reads the targets in the caller's scope with their submissions (a few columns each); statuses,
groups and counts are computed here from that one result, so the counts always cover the whole scope while
the list below them is filtered and paged.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from edudx_common.auth import Principal
from edudx_common.errors import NotFound
from edudx_common.text import fold
from submissions.access import AUTHORITY_ROLES, path_pattern, sees_everything
from submissions.campaigns import service as campaigns_service
from submissions.campaigns.models import Campaign
from submissions.clients.identity import IdentityClient
from submissions.errors import NotAllowed
from submissions.status import repository
from submissions.status.schemas import StatusCounts, TargetStatus, UnitRef
from submissions.workflow.models import SubmissionStatus

# A path is "/" followed by 32-hex-digit ids each closed by "/": the child of a unit sits 33 characters on.
_SEGMENT = 33
_SUBMITTED = frozenset({TargetStatus.SUBMITTED_ON_TIME, TargetStatus.SUBMITTED_LATE, TargetStatus.RETURNED,
                        TargetStatus.APPROVED})
_UNKNOWN_UNIT = "(đơn vị không còn trong danh mục)"


class GroupUnitNotFound(NotFound):
    code = "group_unit_not_found"
    title = "Không tìm thấy đơn vị tổng hợp"


@dataclass(frozen=True)
class StatusFilters:
    """Narrow the list of targets (never the counts), and choose the unit to roll up under."""

    statuses: frozenset[TargetStatus] = frozenset()
    query: str | None = None
    group_id: uuid.UUID | None = None
    group_unit_id: uuid.UUID | None = None


@dataclass(slots=True)
class TargetLine:
    """One target: its row from the query and what was judged from it."""

    row: Row[Any]
    status: TargetStatus
    due_at: datetime
    group_hex: str
    overdue_seconds: int | None

    @property
    def workflow_status(self) -> SubmissionStatus | None:
        return SubmissionStatus(self.row.status) if self.row.status else None


class Tally:
    """Counts of one group (or of all of them)."""

    __slots__ = ("by_status", "first_on_time")

    def __init__(self) -> None:
        self.by_status: dict[TargetStatus, int] = dict.fromkeys(TargetStatus, 0)
        self.first_on_time = 0

    def add(self, other: Tally) -> None:
        for status, count in other.by_status.items():
            self.by_status[status] += count
        self.first_on_time += other.first_on_time

    @property
    def targets(self) -> int:
        return sum(self.by_status.values())

    @property
    def submitted(self) -> int:
        return sum(self.by_status[s] for s in _SUBMITTED)

    def counts(self) -> StatusCounts:
        return StatusCounts(
            targets=self.targets, **{s.value: n for s, n in self.by_status.items()}, submitted=self.submitted,
            submitted_first_on_time=self.first_on_time, completeness=percent(self.submitted, self.targets),
            timeliness=percent(self.first_on_time, self.submitted))


@dataclass
class Group:
    unit: UnitRef
    is_target: bool
    tally: Tally = field(default_factory=Tally)


@dataclass
class StatusReport:
    campaign: Campaign
    as_of: datetime
    group_unit: UnitRef
    totals: Tally
    groups: list[Group]
    lines: list[TargetLine] = field(repr=False)  # filtered, by group then name
    groups_by_hex: dict[str, Group] = field(repr=False)

    def managing_name(self, line: TargetLine) -> str:
        """The group a target belongs to, or the viewer's unit for a target directly under it."""
        group = self.groups_by_hex[line.group_hex]
        return self.group_unit.name if group.is_target else group.unit.name


# --- rules ---------------------------------------------------------------------------------------------


def target_status(workflow_status: str | None, late_seconds: int | None, due_at: datetime,
                  now: datetime) -> TargetStatus:
    """Never submitted: not started / draft until the deadline, overdue after it (submitting exactly at the
    deadline is on time, as the workflow judges it). Submitted: on time or late by the first submission."""
    if workflow_status is None or workflow_status == SubmissionStatus.DRAFT:
        if now > due_at:
            return TargetStatus.OVERDUE
        return TargetStatus.NOT_STARTED if workflow_status is None else TargetStatus.DRAFT
    if workflow_status == SubmissionStatus.RETURNED:
        return TargetStatus.RETURNED
    if workflow_status == SubmissionStatus.APPROVED:
        return TargetStatus.APPROVED
    return TargetStatus.SUBMITTED_LATE if late_seconds else TargetStatus.SUBMITTED_ON_TIME


def percent(part: int, whole: int) -> float | None:
    """Rounded half up to one decimal, as people round on paper (6.25 → 6.3); None for 0 of 0."""
    if whole == 0:
        return None
    return float((Decimal(100 * part) / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def group_hex_of(unit_path: str, group_unit_hex: str) -> str:
    """The id (hex) of the child of the group unit on the path; the group unit itself if the path ends there."""
    start = unit_path.find(group_unit_hex) + _SEGMENT
    return unit_path[start : start + 32] or group_unit_hex


# --- the view ------------------------------------------------------------------------------------------


async def status_report(session: AsyncSession, principal: Principal, identity: IdentityClient, *,
                        campaign_id: uuid.UUID, filters: StatusFilters, now: datetime) -> StatusReport:
    """Issuer-side users see every target; authority users below the issuer (a Phòng in a Sở campaign) see the
    targets in their subtree; school users are refused. Counts cover the whole scope, the list is filtered."""
    campaign = await campaigns_service.get_visible(session, principal, campaign_id)
    if not (sees_everything(principal) or principal.has_any(*AUTHORITY_ROLES)):
        raise NotAllowed("Chỉ cán bộ của cơ quan quản lý mới xem được tình hình nộp báo cáo.")
    issuer_side = campaigns_service.sees_campaign_targets(principal, campaign)
    scope_root = campaign.issuer_unit_id if issuer_side else principal.unit_id
    assert scope_root is not None
    group_unit_id = filters.group_unit_id or scope_root
    patterns = [] if issuer_side else [campaigns_service.own_pattern(principal)]
    if group_unit_id != scope_root:
        patterns.append(path_pattern(group_unit_id))
    rows = await repository.status_rows(session, campaign.id, path_patterns=patterns, query=filters.query)
    if group_unit_id != scope_root and not _strictly_below(rows, group_unit_id, scope_root):
        raise GroupUnitNotFound("Đơn vị tổng hợp phải là đơn vị của bạn (hoặc đơn vị ban hành) hoặc một đơn vị "
                                "cấp dưới có đơn vị phải nộp báo cáo.")

    group_unit_hex = group_unit_id.hex
    lines, groups = _judge(rows, campaign, group_unit_hex, now)
    names = await _unit_names(identity, campaign, group_unit_id, groups)
    group_unit = names.get(group_unit_hex) or UnitRef(id=group_unit_id, code=None, name=_UNKNOWN_UNIT, type=None)
    for hex_id, group in groups.items():
        if not group.is_target:
            group.unit = names.get(hex_id) or group.unit
    ordered = sorted(groups.items(), key=lambda item: (fold(item[1].unit.name), item[1].unit.code or ""))
    rank = {hex_id: i for i, (hex_id, _) in enumerate(ordered)}
    totals = Tally()
    for _, group in ordered:
        totals.add(group.tally)
    selected = _select(lines, filters)
    selected.sort(key=lambda line: (rank[line.group_hex], line.row.unit_name_folded, line.row.unit_code))
    return StatusReport(campaign=campaign, as_of=now, group_unit=group_unit, totals=totals,
                        groups=[g for _, g in ordered], lines=selected, groups_by_hex=groups)


def _strictly_below(rows: Sequence[Row[Any]], unit_id: uuid.UUID, scope_root: uuid.UUID) -> bool:
    """Rows are already limited to paths through `unit_id`: it must sit below the scope's root on them."""
    if not rows:
        return False
    path = rows[0].unit_path
    return path.find(unit_id.hex) > path.find(scope_root.hex) >= 0


def _judge(rows: Iterable[Row[Any]], campaign: Campaign, group_unit_hex: str,
           now: datetime) -> tuple[list[TargetLine], dict[str, Group]]:
    lines: list[TargetLine] = []
    groups: dict[str, Group] = {}
    campaign_due = campaign.due_at
    for row in rows:
        if row.status == SubmissionStatus.RETURNED and row.resubmission_due_at is not None:
            due = row.resubmission_due_at
        else:
            due = row.extension_due_at or campaign_due
        status = target_status(row.status, row.late_seconds, due, now)
        group_hex = group_hex_of(row.unit_path, group_unit_hex)
        group = groups.get(group_hex)
        if group is None:
            is_target = group_hex == row.unit_id.hex
            group = groups[group_hex] = Group(unit=_placeholder(group_hex, row if is_target else None),
                                              is_target=is_target)
        group.tally.by_status[status] += 1
        if status in _SUBMITTED and row.late_seconds == 0:
            group.tally.first_on_time += 1
        overdue = int((now - due).total_seconds()) if status == TargetStatus.OVERDUE else None
        lines.append(TargetLine(row, status, due, group_hex, overdue))
    return lines, groups


def _placeholder(group_hex: str, target_row: Row[Any] | None) -> UnitRef:
    """A group that is itself a target is named from its row; others are named by identity afterwards."""
    if target_row is not None:
        return UnitRef(id=target_row.unit_id, code=target_row.unit_code, name=target_row.unit_name,
                       type=target_row.unit_type)
    return UnitRef(id=uuid.UUID(group_hex), code=None, name=_UNKNOWN_UNIT, type=None)


async def _unit_names(identity: IdentityClient, campaign: Campaign, group_unit_id: uuid.UUID,
                      groups: dict[str, Group]) -> dict[str, UnitRef]:
    """Names of the group unit and of the groups that are not targets (a Phòng), in one call to identity for
    the view, not one per row. Inactive units keep their name: targets were frozen under them."""
    missing = [g.unit.id for g in groups.values() if not g.is_target]
    known = {g.unit.id.hex: g.unit for g in groups.values() if g.is_target}
    if group_unit_id == campaign.issuer_unit_id and not missing:
        return {**known, group_unit_id.hex: UnitRef(id=group_unit_id, code=None, name=campaign.issuer_name,
                                                    type=None)}
    units = await identity.units_including_inactive([group_unit_id, *missing])
    return {**known, **{u.id.hex: UnitRef(id=u.id, code=u.code, name=u.name, type=u.type) for u in units}}


def _select(lines: list[TargetLine], filters: StatusFilters) -> list[TargetLine]:
    statuses, group_hex = filters.statuses, filters.group_id.hex if filters.group_id else None
    return [line for line in lines
            if (not statuses or line.status in statuses)
            and (not filters.query or line.row.matches)
            and (group_hex is None or line.group_hex == group_hex)]
