"""Where every target of a campaign stands, rolled up by the sub-authorities of the viewer's unit.

The database judges and counts (see repository): one grouped query gives the counts of every group and
status, a second one the page of the list. Counts always cover the caller's whole scope; filters narrow only
the list. Group units that are not targets themselves (a Phòng) are named by identity, in one call per view
(per 100 groups), made while the database reads the page.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from edudx_common.auth import Principal
from edudx_common.text import fold
from submissions.access import AUTHORITY_ROLES, path_pattern, sees_everything
from submissions.campaigns import service as campaigns_service
from submissions.campaigns.models import Campaign
from submissions.clients.identity import IDS_PER_CALL, IdentityClient
from submissions.errors import GroupUnitNotFound, NotAllowed
from submissions.signatures import service as signatures_service
from submissions.status import repository
from submissions.status.schemas import StatusCounts, TargetStatus, UnitRef
from submissions.workflow.models import SubmissionStatus

_SUBMITTED = frozenset({TargetStatus.SUBMITTED_ON_TIME, TargetStatus.SUBMITTED_LATE, TargetStatus.RETURNED,
                        TargetStatus.APPROVED})
_UNKNOWN_UNIT = "(đơn vị không còn trong danh mục)"


@dataclass(frozen=True)
class StatusFilters:
    """Narrow the list of targets (never the counts), and choose the unit to roll up under."""

    statuses: frozenset[TargetStatus] = frozenset()
    query: str | None = None
    group_id: uuid.UUID | None = None
    group_unit_id: uuid.UUID | None = None
    queue: str | None = None  # awaiting | mine | returned | overdue
    equals: tuple[tuple[str, str], ...] = ()
    ranges: tuple[tuple[str, float | None, float | None], ...] = ()
    sort: str = "name"
    descending: bool = False


@dataclass(slots=True)
class TargetLine:
    """One target of the list: its row (details, `status`, `due_at`, `group_key`) and what follows from it."""

    row: Row[Any]
    status: TargetStatus
    overdue_seconds: int | None

    @property
    def group_hex(self) -> str:
        return str(self.row.group_key)

    @property
    def workflow_status(self) -> SubmissionStatus | None:
        return SubmissionStatus(self.row.workflow_status) if self.row.workflow_status else None


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
    is_target: bool = False
    tally: Tally = field(default_factory=Tally)


@dataclass
class StatusReport:
    campaign: Campaign
    as_of: datetime
    group_unit: UnitRef
    totals: Tally
    groups: list[Group]
    lines: list[TargetLine] = field(repr=False)  # the page asked for, or every match
    total: int  # targets matching the filters
    groups_by_hex: dict[str, Group] = field(repr=False)
    # Of the listed submissions: whether the latest submitted version is digitally signed.
    signatures: dict[uuid.UUID, signatures_service.SignatureStatus] = field(default_factory=dict, repr=False)
    summary: Row[Any] | None = field(default=None, repr=False)  # the chart's aggregates over the whole scope

    def managing_name(self, line: TargetLine) -> str:
        """The group a target belongs to, or the viewer's unit for a target directly under it."""
        group = self.groups_by_hex.get(line.group_hex)
        if group is None or group.is_target:
            return self.group_unit.name
        return group.unit.name


def percent(part: int, whole: int) -> float | None:
    """Rounded half up to one decimal, as people round on paper (6.25 → 6.3); None for 0 of 0."""
    if whole == 0:
        return None
    return float((Decimal(100 * part) / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


# --- the view ------------------------------------------------------------------------------------------


async def status_report(session: AsyncSession, principal: Principal, identity: IdentityClient, *,
                        campaign_id: uuid.UUID, filters: StatusFilters, now: datetime, limit: int | None,
                        offset: int = 0, by_group: bool = False) -> StatusReport:
    """Issuer-side users see every target; authority users below the issuer (a Phòng in a Sở campaign) see the
    targets in their subtree; school users are refused. The list is by name (`by_group`: by group, then name)
    and holds `limit` lines from `offset` (None: all of them)."""
    campaign = await campaigns_service.get_visible(session, principal, campaign_id)
    if not (sees_everything(principal) or principal.has_any(*AUTHORITY_ROLES)):
        raise NotAllowed("Chỉ cán bộ của cơ quan quản lý mới xem được tình hình nộp báo cáo.")
    scope = await _scope(session, principal, campaign, filters.group_unit_id, now)

    cells = await repository.rollup(session, scope, query=filters.query)
    groups = _groups(cells)
    await _name_target_groups(session, campaign.id, groups)
    statuses = {s.value for s in filters.statuses}
    group_hex = filters.group_id.hex if filters.group_id else None
    board = board_filters(principal, filters, statuses=statuses, group_hex=group_hex)
    if board.narrows_beyond_rollup:
        total = await repository.counted(session, scope, filters=board)
    else:
        total = sum(int(c.matched) for c in cells
                    if (not statuses or c.status in statuses) and (group_hex is None or c.group_key == group_hex))
    chart = await repository.summary(session, scope)

    # Identity names the other groups while the database reads the page.
    naming = asyncio.ensure_future(_name_other_groups(identity, campaign, scope.group_unit_id, groups))
    try:
        rows = await repository.listed(session, scope, filters=board, limit=limit,
                                       offset=offset) if total > offset else []
    except BaseException:
        naming.cancel()
        raise
    group_unit = await naming

    ordered = sorted(groups.items(), key=lambda item: (fold(item[1].unit.name), item[1].unit.code or ""))
    totals = Tally()
    for _, group in ordered:
        totals.add(group.tally)
    lines = [_line(row, now) for row in rows]
    if by_group and filters.sort == "name" and not filters.descending:
        rank = {hex_id: i for i, (hex_id, _) in enumerate(ordered)}
        lines.sort(key=lambda line: rank.get(line.group_hex, len(rank)))  # stable: by name within a group
    signatures = await signatures_service.states_of(
        session, [(line.row.submission_id, line.row.submit_count) for line in lines if line.row.submission_id])
    return StatusReport(campaign=campaign, as_of=now, group_unit=group_unit, totals=totals,
                        groups=[g for _, g in ordered], lines=lines, total=total, groups_by_hex=groups,
                        signatures=signatures, summary=chart)


def board_filters(principal: Principal, filters: StatusFilters, *, statuses: set[str],
                  group_hex: str | None) -> repository.BoardFilters:
    return repository.BoardFilters(
        statuses=statuses, query=filters.query, group_hex=group_hex, queue=filters.queue,
        reviewer_id=principal.subject, equals=filters.equals, ranges=filters.ranges, sort=filters.sort,
        descending=filters.descending)


async def _scope(session: AsyncSession, principal: Principal, campaign: Campaign, group_unit_id: uuid.UUID | None,
                 now: datetime) -> repository.Scope:
    """Targets the caller may see, rolled up under `group_unit_id`: by default the issuer for issuer-side
    users and the caller's own unit for the others; otherwise a unit below that one."""
    issuer_side = campaigns_service.sees_campaign_targets(principal, campaign)
    scope_root = campaign.issuer_unit_id if issuer_side else principal.unit_id
    assert scope_root is not None
    patterns = [] if issuer_side else [campaigns_service.own_pattern(principal)]
    group_unit_id = group_unit_id or scope_root
    if group_unit_id != scope_root:
        patterns.append(path_pattern(group_unit_id))
        path = await repository.some_path(session, campaign.id, patterns)
        if path is None or not path.find(group_unit_id.hex) > path.find(scope_root.hex) >= 0:
            raise GroupUnitNotFound("Đơn vị tổng hợp phải là đơn vị của bạn (hoặc đơn vị ban hành), hoặc một đơn "
                                    "vị cấp dưới có đơn vị phải nộp báo cáo.")
    return repository.Scope(campaign_id=campaign.id, campaign_due=campaign.due_at, now=now,
                            group_unit_id=group_unit_id, path_patterns=tuple(patterns))


def _groups(cells: Iterable[Row[Any]]) -> dict[str, Group]:
    groups: dict[str, Group] = {}
    for cell in cells:
        group = groups.get(cell.group_key)
        if group is None:
            unit = UnitRef(id=uuid.UUID(cell.group_key), code=None, name=_UNKNOWN_UNIT, type=None)
            group = groups[cell.group_key] = Group(unit)
        group.tally.by_status[TargetStatus(cell.status)] += int(cell.targets)
        group.tally.first_on_time += int(cell.first_on_time or 0)
    return groups


async def _name_target_groups(session: AsyncSession, campaign_id: uuid.UUID, groups: dict[str, Group]) -> None:
    """A group that is a target itself (a school directly under the group unit) is named from the targets."""
    for target in await repository.targets_among(session, campaign_id, [g.unit.id for g in groups.values()]):
        group = groups[target.unit_id.hex]
        group.unit = UnitRef(id=target.unit_id, code=target.unit_code, name=target.unit_name, type=target.unit_type)
        group.is_target = True


async def _name_other_groups(identity: IdentityClient, campaign: Campaign, group_unit_id: uuid.UUID,
                             groups: dict[str, Group]) -> UnitRef:
    """Name the other groups (a Phòng) and return the group unit, from identity: one call for the view, or
    one per IDS_PER_CALL groups at once. Inactive units keep their name: targets were frozen under them."""
    missing = [g.unit.id for g in groups.values() if not g.is_target]
    if group_unit_id == campaign.issuer_unit_id and not missing:
        return UnitRef(id=group_unit_id, code=None, name=campaign.issuer_name, type=None)
    ids = [group_unit_id, *missing]
    chunks = [ids[start : start + IDS_PER_CALL] for start in range(0, len(ids), IDS_PER_CALL)]
    found = await asyncio.gather(*(identity.units_including_inactive(chunk) for chunk in chunks))
    named = {u.id: UnitRef(id=u.id, code=u.code, name=u.name, type=u.type) for units in found for u in units}
    for unit_id in missing:
        if unit_id in named:
            groups[unit_id.hex].unit = named[unit_id]
    fallback = campaign.issuer_name if group_unit_id == campaign.issuer_unit_id else _UNKNOWN_UNIT
    return named.get(group_unit_id) or UnitRef(id=group_unit_id, code=None, name=fallback, type=None)


def _line(row: Row[Any], now: datetime) -> TargetLine:
    status = TargetStatus(row.status)
    overdue = int((now - row.due_at).total_seconds()) if status == TargetStatus.OVERDUE else None
    return TargetLine(row, status, overdue)
