"""Where every target of a campaign stands, rolled up by the sub-authorities of the viewer's unit.

The database judges and counts (see repository): one grouped query gives the counts of every group and
status (and the chart's sums), a second one the page of the list. Counts always cover the caller's whole scope;
filters narrow only the list. Group units (a Phòng) are named by identity, in one call per view (per 100 groups),
made while the database reads the page; the targets directly under the group unit are one group, named after it.
"""

from __future__ import annotations

import asyncio
import json
import math
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from edudx_common.auth import Principal
from edudx_common.text import fold
from submissions.access import AUTHORITY_ROLES, path_pattern, sees_everything
from submissions.campaigns import repository as campaigns_repository
from submissions.campaigns import service as campaigns_service
from submissions.campaigns.models import Campaign
from submissions.clients.identity import IDS_PER_CALL, IdentityClient
from submissions.errors import GroupUnitNotFound, InvalidBoardFilter, NotAllowed
from submissions.signatures import service as signatures_service
from submissions.status import board, export, expressions, repository
from submissions.status.board import BOARD_COLUMNS
from submissions.status.schemas import (
    EXPORT_MEDIA_TYPES,
    LEVEL_LABELS_VI,
    ExportFormat,
    GroupBy,
    StatusCounts,
    TargetStatus,
    UnitRef,
)
from submissions.workflow.models import SubmissionStatus

_SUBMITTED = frozenset({TargetStatus.SUBMITTED_ON_TIME, TargetStatus.SUBMITTED_LATE, TargetStatus.RETURNED,
                        TargetStatus.APPROVED})
_UNKNOWN_UNIT = "(đơn vị không còn trong danh mục)"
_DIRECT_LABEL = "Trực thuộc"  # the group of the targets directly under the group unit: "Trực thuộc Sở GDĐT …"
_NO_GROUP = {
    GroupBy.COMMUNE: "(chưa gắn xã/phường)",
    GroupBy.CLUSTER: "(không thuộc cụm trường nào)",
    GroupBy.LEVEL: "(chưa khai báo cấp học)",
}


@dataclass(frozen=True)
class StatusFilters:
    """Narrow the list of targets (never the counts), and choose the unit to roll up under."""

    statuses: frozenset[TargetStatus] = frozenset()
    query: str | None = None
    group_id: uuid.UUID | None = None
    group_unit_id: uuid.UUID | None = None
    group_by: GroupBy = GroupBy.CHILD
    group_key: str | None = None  # a group's `key` (any grouping); `group_id` is the child grouping's
    queue: str | None = None  # awaiting | mine | returned | overdue
    equals: tuple[tuple[str, str], ...] = ()
    ranges: tuple[tuple[str, float | None, float | None], ...] = ()
    sort: str = "name"
    descending: bool = False


# The board's columns a filter may name, as the API documents them.
EQUALITY_COLUMNS = ", ".join(k for k, c in BOARD_COLUMNS.items() if c.equals)
RANGE_COLUMNS = ", ".join(k for k, c in BOARD_COLUMNS.items() if c.ranged)
SORT_COLUMNS = ", ".join(k for k, c in BOARD_COLUMNS.items() if c.sortable)


def sort_key(sort: str) -> str:
    """The column of `sort` (`-self_score` → `self_score`); 422 for one the board cannot sort by."""
    key = sort.removeprefix("-")
    if key not in BOARD_COLUMNS or not BOARD_COLUMNS[key].sortable:
        raise InvalidBoardFilter(f"Không sắp xếp được theo cột '{key}'.")
    return key


def parse_equalities(texts: Iterable[str]) -> tuple[tuple[str, str], ...]:
    """`column:value` filters (`reviewer_id:none`), checked against the board's columns."""
    return tuple(_equality(text) for text in texts)


def parse_ranges(texts: Iterable[str]) -> tuple[tuple[str, float | None, float | None], ...]:
    """`column:low:high` filters, either end left empty (`self_score:50:`)."""
    return tuple(_range(text) for text in texts)


def _equality(text: str) -> tuple[str, str]:
    key, _, value = text.partition(":")
    if key not in BOARD_COLUMNS or not BOARD_COLUMNS[key].equals or not value:
        raise InvalidBoardFilter(f"Bộ lọc '{text}' không hợp lệ: dùng cột:giá trị với một cột lọc được.")
    return key, value


def _range(text: str) -> tuple[str, float | None, float | None]:
    key, _, bounds = text.partition(":")
    low, _, high = bounds.partition(":")
    try:
        if key not in BOARD_COLUMNS or not BOARD_COLUMNS[key].ranged or not (low or high):
            raise ValueError(key)
        return key, float(low) if low else None, float(high) if high else None
    except ValueError as exc:
        raise InvalidBoardFilter(f"Khoảng '{text}' không hợp lệ: dùng cột:từ:đến, ví dụ self_score:50:80.") from exc


@dataclass(slots=True)
class TargetLine:
    """One target of the list: its row (details, `status`, `due_at`, `group_key`) and what follows from it."""

    row: repository.Record
    status: TargetStatus
    overdue_seconds: int | None

    @property
    def group_hex(self) -> str:
        """The group's key as stored (child grouping: the group unit's hex id)."""
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
    """A group of the roll-up: a unit under the group unit (child grouping), or a commune, a set of clusters
    or a set of education levels. `key` is what the API shows and takes back as a filter; `stored` is the
    group's key as the database computes it."""

    key: str
    stored: str
    label: str
    unit: UnitRef | None = None
    code: str | None = None
    is_target: bool = False
    order: tuple[Any, ...] = ()
    tally: Tally = field(default_factory=Tally)

    def named(self, unit: UnitRef) -> None:
        self.unit, self.label, self.code = unit, unit.name, unit.code


@dataclass
class StatusReport:
    campaign: Campaign
    as_of: datetime
    group_unit: UnitRef
    group_by: GroupBy
    totals: Tally
    groups: list[Group]
    lines: list[TargetLine] = field(repr=False)  # the page asked for, or every match
    total: int  # targets matching the filters
    groups_by_hex: dict[str, Group] = field(repr=False)
    # Of the listed submissions: whether the latest submitted version is digitally signed.
    signatures: dict[uuid.UUID, signatures_service.SignatureStatus] = field(default_factory=dict, repr=False)
    summary: Summary | None = field(default=None, repr=False)  # the chart's aggregates over the whole scope

    def managing_name(self, line: TargetLine) -> str:
        """The group a target belongs to, or the viewer's unit for a target directly under it."""
        group = self.groups_by_hex.get(line.group_hex)
        if self.group_by != GroupBy.CHILD:
            return group.label if group else ""
        if group is None or group.is_target:
            return self.group_unit.name
        return group.label


@dataclass(frozen=True)
class Summary:
    """The chart's figures over the whole scope: the roll-up's cells added up."""

    awaiting: int
    unassigned: int
    review_scored: int
    average_self_score: float | None
    average_final_score: float | None
    average_completeness: float | None

    @classmethod
    def of(cls, cells: Iterable[repository.Record]) -> Summary:
        cells = list(cells)

        def total(name: str) -> int:
            return sum(int(getattr(c, name) or 0) for c in cells)

        def average(name: str) -> float | None:
            n = total(f"{name}_count")
            return math.fsum(float(getattr(c, f"{name}_sum") or 0) for c in cells) / n if n else None

        return cls(awaiting=total("awaiting"), unassigned=total("unassigned"), review_scored=total("review_scored"),
                   average_self_score=average("self_score"), average_final_score=average("final_score"),
                   average_completeness=average("completeness"))


def percent(part: int, whole: int) -> float | None:
    """Rounded half up to one decimal, as people round on paper (6.25 → 6.3); None for 0 of 0."""
    if whole == 0:
        return None
    return float((Decimal(100 * part) / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


# --- the view ------------------------------------------------------------------------------------------


async def status_report(session: AsyncSession, principal: Principal, identity: IdentityClient, *,
                        campaign_id: uuid.UUID, filters: StatusFilters, now: datetime, limit: int | None,
                        offset: int = 0, by_group: bool = False) -> StatusReport:
    """Issuer-side users see every target; authority users below the issuer (historically a Phòng in a Sở
    campaign) see the targets in their subtree; a commune's officials the schools it owns; school users are
    refused. The list is by name (`by_group`: by group, then name) and holds `limit` lines from `offset` (None:
    all of them). Groups are the units under the group unit, or the targets' communes, clusters or levels."""
    campaign = await campaigns_service.get_visible(session, principal, campaign_id)
    if not (sees_everything(principal) or principal.has_any(*AUTHORITY_ROLES)):
        raise NotAllowed("Chỉ cán bộ của cơ quan quản lý mới xem được tình hình nộp báo cáo.")
    scope = await _scope(session, principal, campaign, filters, now)

    cells = await repository.rollup(session, scope, query=filters.query)
    groups = _groups(cells, filters.group_by)
    direct = groups.get(scope.group_unit_id.hex) if filters.group_by == GroupBy.CHILD else None
    if direct is not None:
        direct.is_target, direct.order = True, (1,)  # after the sub-authorities
    statuses = {s.value for s in filters.statuses}
    group_hex = _stored_key(groups, filters)
    board = board_filters(principal, filters, statuses=statuses, group_hex=group_hex)
    if board.narrows_beyond_rollup:
        total = await repository.counted(session, scope, filters=board)
    else:
        total = sum(int(c.matched) for c in cells
                    if (not statuses or c.status in statuses) and (group_hex is None or c.group_key == group_hex))
    chart = Summary.of(cells)

    # Identity names the other groups while the database reads the page.
    naming = asyncio.ensure_future(_name_other_groups(
        identity, campaign, scope.group_unit_id, groups if filters.group_by == GroupBy.CHILD else {}))
    try:
        rows = await repository.listed(session, scope, filters=board, limit=limit,
                                       offset=offset) if total > offset else []
    except BaseException:
        naming.cancel()
        raise
    group_unit = await naming
    if direct is not None:
        direct.named(group_unit)
        direct.label = f"{_DIRECT_LABEL} {group_unit.name}"

    ordered = sorted(groups.items(), key=lambda item: (item[1].order, fold(item[1].label), item[1].code or ""))
    totals = Tally()
    for _, group in ordered:
        totals.add(group.tally)
    lines = [_line(row, now) for row in rows]
    if by_group and filters.sort == "name" and not filters.descending:
        rank = {hex_id: i for i, (hex_id, _) in enumerate(ordered)}
        lines.sort(key=lambda line: rank.get(line.group_hex, len(rank)))  # stable: by name within a group
    signatures = {line.row.submission_id: signatures_service.state_of(line.row.submit_count, line.row.signed_version)
                  for line in lines if line.row.submission_id}
    return StatusReport(campaign=campaign, as_of=now, group_unit=group_unit, group_by=filters.group_by, totals=totals,
                        groups=[g for _, g in ordered], lines=lines, total=total, groups_by_hex=groups,
                        signatures=signatures, summary=chart)


def board_filters(principal: Principal, filters: StatusFilters, *, statuses: set[str],
                  group_hex: str | None) -> board.BoardFilters:
    return board.BoardFilters(
        statuses=statuses, query=filters.query, group_hex=group_hex, queue=filters.queue,
        reviewer_id=principal.subject, equals=filters.equals, ranges=filters.ranges, sort=filters.sort,
        descending=filters.descending)


async def _scope(session: AsyncSession, principal: Principal, campaign: Campaign, filters: StatusFilters,
                 now: datetime) -> expressions.Scope:
    """Targets the caller may see, rolled up under `group_unit_id`: by default the issuer for issuer-side
    users and the caller's own unit for the others; otherwise a unit below that one. A commune's officials
    see the schools the commune owns, rolled up under the issuer (the commune is not on their paths)."""
    issuer_side = campaigns_service.sees_campaign_targets(principal, campaign)
    commune_id = None
    if not issuer_side and principal.unit_id is not None and not await campaigns_repository.unit_is_targeted_below(
            session, campaign.id, campaigns_service.own_pattern(principal)):
        commune_id = principal.unit_id  # get_visible let the caller in: as the commune of some targets
    scope_root = campaign.issuer_unit_id if issuer_side or commune_id else principal.unit_id
    assert scope_root is not None
    patterns = [] if issuer_side or commune_id else [campaigns_service.own_pattern(principal)]
    group_unit_id = filters.group_unit_id or scope_root
    if group_unit_id != scope_root:
        patterns.append(path_pattern(group_unit_id))
        path = await repository.some_path(session, campaign.id, patterns)
        if path is None or not path.find(group_unit_id.hex) > path.find(scope_root.hex) >= 0:
            raise GroupUnitNotFound("Đơn vị tổng hợp phải là đơn vị của bạn (hoặc đơn vị ban hành), hoặc một đơn "
                                    "vị cấp dưới có đơn vị phải nộp báo cáo.")
    return expressions.Scope(campaign_id=campaign.id, campaign_due=campaign.due_at, now=now,
                            group_unit_id=group_unit_id, path_patterns=tuple(patterns),
                            group_by=filters.group_by.value, commune_id=commune_id,
                            issuer_unit_id=campaign.issuer_unit_id)


def _groups(cells: Iterable[repository.Record], group_by: GroupBy) -> dict[str, Group]:
    groups: dict[str, Group] = {}
    for cell in cells:
        group = groups.get(cell.group_key)
        if group is None:
            group = groups[cell.group_key] = _group(str(cell.group_key), cell.group_label, group_by)
        group.tally.by_status[TargetStatus(cell.status)] += int(cell.targets)
        group.tally.first_on_time += int(cell.first_on_time or 0)
    return groups


def _group(stored: str, stored_label: str | None, group_by: GroupBy) -> Group:
    """A group as the database keys it, with the key and name people read."""
    if group_by == GroupBy.CHILD:
        unit = UnitRef(id=uuid.UUID(stored), code=None, name=_UNKNOWN_UNIT, type=None)
        return Group(key=stored, stored=stored, label=unit.name, unit=unit)
    if group_by == GroupBy.COMMUNE:
        if not stored:
            return Group(key="", stored=stored, label=_NO_GROUP[group_by], order=(1,))
        commune_id = uuid.UUID(stored)  # PostgreSQL writes a uuid as text with dashes, SQLite as hex
        return Group(key=commune_id.hex, stored=stored, label=stored_label or _UNKNOWN_UNIT, order=(0,),
                     unit=UnitRef(id=commune_id, code=None, name=stored_label or _UNKNOWN_UNIT, type="commune"))
    codes = [str(c) for c in json.loads(stored or "[]")]
    if not codes:
        return Group(key="", stored=stored, label=_NO_GROUP[group_by], order=(len(LEVEL_LABELS_VI) + 1,))
    if group_by == GroupBy.LEVEL:
        order = tuple(campaigns_service.level_order(c) for c in codes)
        return Group(key="+".join(codes), stored=stored, label=", ".join(LEVEL_LABELS_VI.get(c, c) for c in codes),
                     order=(0, *order))
    names = [str(n) for n in json.loads(stored_label or "[]")]
    return Group(key="+".join(codes), stored=stored, label=", ".join(names) if len(names) == len(codes)
                 else ", ".join(codes), code=", ".join(codes), order=(0,))


def _stored_key(groups: dict[str, Group], filters: StatusFilters) -> str | None:
    """The database's key of the group the list is narrowed to (none: every group)."""
    wanted = filters.group_key if filters.group_key is not None else (
        filters.group_id.hex if filters.group_id is not None else None)
    if wanted is None:
        return None
    found = next((g.stored for g in groups.values() if g.key == wanted), None)
    return found if found is not None else wanted  # an unknown group lists nothing


async def _name_other_groups(identity: IdentityClient, campaign: Campaign, group_unit_id: uuid.UUID,
                             groups: dict[str, Group]) -> UnitRef:
    """Name the groups (a Phòng) and return the group unit, from identity: one call for the view, or one per
    IDS_PER_CALL groups at once. Inactive units keep their name: targets were frozen under them."""
    missing = [g.unit.id for g in groups.values() if g.unit is not None and not g.is_target]
    if group_unit_id == campaign.issuer_unit_id and not missing:
        return UnitRef(id=group_unit_id, code=None, name=campaign.issuer_name, type=None)
    ids = [group_unit_id, *missing]
    chunks = [ids[start : start + IDS_PER_CALL] for start in range(0, len(ids), IDS_PER_CALL)]
    found = await asyncio.gather(*(identity.units_including_inactive(chunk) for chunk in chunks))
    named = {u.id: UnitRef(id=u.id, code=u.code, name=u.name, type=u.type) for units in found for u in units}
    for unit_id in missing:
        if unit_id in named:
            groups[unit_id.hex].named(named[unit_id])
    fallback = campaign.issuer_name if group_unit_id == campaign.issuer_unit_id else _UNKNOWN_UNIT
    return named.get(group_unit_id) or UnitRef(id=group_unit_id, code=None, name=fallback, type=None)


def _line(row: repository.Record, now: datetime) -> TargetLine:
    status = TargetStatus(row.status)
    overdue = int((now - row.due_at).total_seconds()) if status == TargetStatus.OVERDUE else None
    return TargetLine(row, status, overdue)


@dataclass(frozen=True)
class StatusFile:
    content: bytes
    media_type: str
    filename: str


async def export_file(report: StatusReport, fmt: ExportFormat) -> StatusFile:
    """The report as an XLSX or CSV file, built in a worker thread (a large board takes a while)."""
    content = await asyncio.to_thread(export.build, report, fmt)
    return StatusFile(content, EXPORT_MEDIA_TYPES[fmt], export.filename(report, fmt))
