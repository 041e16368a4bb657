from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from edudx_common.auth import CurrentPrincipal
from edudx_common.db import ReadSessionDep
from edudx_common.downloads import content_disposition
from edudx_common.errors import PROBLEM_RESPONSES
from edudx_common.pagination import Page, PageParamsDep
from edudx_common.timezone import describe_delay
from submissions.deps import ClockDep, IdentityDep
from submissions.status import service
from submissions.status.schemas import (
    EXPORT_MEDIA_TYPES,
    STATUS_LABELS_VI,
    BoardSummary,
    ExportFormat,
    GroupBy,
    GroupStatus,
    ReviewQueue,
    StatusView,
    TargetStatus,
    TargetStatusRead,
)

router = APIRouter(prefix="/campaigns", tags=["status"], responses=PROBLEM_RESPONSES)


async def _filters(
    status: Annotated[list[TargetStatus] | None, Query(
        description="Chỉ các đơn vị ở trạng thái này (lặp lại để chọn nhiều)")] = None,
    q: Annotated[str | None, Query(max_length=200, description="Tìm theo tên hoặc mã đơn vị, bỏ qua dấu")] = None,
    group_id: Annotated[uuid.UUID | None, Query(description="Chỉ các đơn vị thuộc nhóm này (id của nhóm)")] = None,
    group_unit_id: Annotated[uuid.UUID | None, Query(
        description="Tổng hợp theo các đơn vị trực thuộc đơn vị này (mặc định: đơn vị ban hành với cán bộ cấp "
                    "ban hành, đơn vị của người xem với cán bộ cấp dưới)")] = None,
    group_by: Annotated[GroupBy, Query(
        description="Nhóm theo: child (đơn vị trực thuộc, mặc định), commune (xã/phường), cluster (cụm trường), "
                    "level (cấp học)")] = GroupBy.CHILD,
    group_key: Annotated[str | None, Query(max_length=500, description="Chỉ các đơn vị thuộc nhóm này "
                                                                        "(`groups[].key`)")] = None,
    queue: Annotated[ReviewQueue | None, Query(
        description="Hàng đợi: awaiting (chờ thẩm định), mine (của tôi), returned (trả lại – chờ nộp lại), "
                    "overdue (quá hạn)")] = None,
    match: Annotated[list[str] | None, Query(
        description="Lọc bằng giá trị: `cột:giá trị`, ví dụ `reviewer_id:none` (chưa phân công), "
                    f"`unit_type:school`. Cột: {service.EQUALITY_COLUMNS}")] = None,
    range_: Annotated[list[str] | None, Query(
        alias="range", description="Lọc theo khoảng: `cột:từ:đến` (bỏ trống một đầu), ví dụ `self_score:50:` "
                                   f"Cột: {service.RANGE_COLUMNS}")] = None,
    sort: Annotated[str, Query(
        max_length=40, description="Sắp xếp theo cột, thêm `-` để giảm dần, ví dụ `-self_score`. Cột: "
                                   f"{service.SORT_COLUMNS}")] = "name",
) -> service.StatusFilters:
    return service.StatusFilters(statuses=frozenset(status or ()), query=q, group_id=group_id,
                                 group_unit_id=group_unit_id, group_by=group_by,
                                 group_key=group_key, queue=queue.value if queue else None,
                                 equals=service.parse_equalities(match or ()),
                                 ranges=service.parse_ranges(range_ or ()), sort=service.sort_key(sort),
                                 descending=sort.startswith("-"))


FiltersDep = Annotated[service.StatusFilters, Depends(_filters)]
FormatDep = Annotated[ExportFormat, Query(description="xlsx hoặc csv")]


@router.get("/{campaign_id}/status", response_model=StatusView)
async def get_campaign_status(campaign_id: uuid.UUID, session: ReadSessionDep, principal: CurrentPrincipal,
                              identity: IdentityDep, clock: ClockDep, filters: FiltersDep,
                              page: PageParamsDep) -> StatusView:
    """Where every target of the campaign stands now: not started, draft, overdue, submitted on time or late,
    returned, approved — with counts, completeness and timeliness per sub-authority and in total.

    With `group_by=child` (the default) groups are the sub-authorities directly under the viewing unit
    (`group_unit`), such as a Phòng before 1/7/2025, and one group (`is_target`, keyed by the group unit's id) for
    the targets directly under it — every school of a Sở after the reform; `group_unit_id` rolls up under a unit
    below instead (404 `group_unit_not_found` for a unit
    outside the caller's scope). `group_by=commune|cluster|level` groups the targets by their commune (UBND
    xã/phường), clusters or education levels as frozen at publication (and kept up to date on
    reorganisations). Issuer-side users see every target, other authority users the targets under their unit,
    a commune's officials (read only) the schools the commune owns; school users get 403.

    `completeness` = submitted at least once (on time, late, returned or approved) / targets; `timeliness` =
    first submission on time / submitted at least once; percentages rounded to one decimal, null for 0/0.
    `totals`, `groups` and `summary` (the chart's figures) always cover the whole scope; `status`, `q`,
    `group_id`, `queue`, `match` and `range` filter only the list of `targets`, which is paged with
    `limit`/`offset` (page size up to 200) and ordered by `sort` (default: name, folded, then code; other
    columns put empty values last). 422 `invalid_board_filter` for an unknown column or a malformed filter.
    """
    report = await service.status_report(session, principal, identity, campaign_id=campaign_id, filters=filters,
                                         now=clock(), limit=page.limit, offset=page.offset)
    return StatusView.model_validate({
        "campaign": report.campaign,
        "as_of": report.as_of,
        "group_unit": report.group_unit,
        "group_by": report.group_by,
        "totals": report.totals.counts(),
        "groups": [GroupStatus(key=g.key, label=g.label, unit=g.unit, is_target=g.is_target,
                               **g.tally.counts().model_dump())
                   for g in report.groups],
        "targets": Page[TargetStatusRead](items=[_target_read(line, report) for line in report.lines],
                                          total=report.total, limit=page.limit, offset=page.offset),
        "summary": _summary(report),
    }, from_attributes=True)


def _summary(report: service.StatusReport) -> BoardSummary:
    row = report.summary
    assert row is not None

    def rounded(value: object) -> float | None:
        return None if value is None else round(float(value), 1)  # type: ignore[arg-type]

    return BoardSummary(awaiting=int(row.awaiting or 0), unassigned=int(row.unassigned or 0),
                        review_scored=int(row.review_scored or 0),
                        average_self_score=rounded(row.average_self_score),
                        average_final_score=rounded(row.average_final_score),
                        average_completeness=rounded(row.average_completeness))


@router.get(
    "/{campaign_id}/status/export",
    response_class=Response,
    responses={200: {"description": "Tệp XLSX (trang 'Đơn vị' và 'Tổng hợp') hoặc CSV UTF-8 có BOM",
                     "content": {media_type.split(";")[0]: {"schema": {"type": "string", "format": "binary"}}
                                 for media_type in EXPORT_MEDIA_TYPES.values()}}},
)
async def export_campaign_status(campaign_id: uuid.UUID, session: ReadSessionDep, principal: CurrentPrincipal,
                                 identity: IdentityDep, clock: ClockDep, filters: FiltersDep,
                                 format: FormatDep = ExportFormat.XLSX) -> Response:
    """The status view as a file: exactly the targets the same filters list (no paging), in the order asked
    (by default by group then name), in
    Vietnamese, times in Vietnam time. XLSX has a second sheet with the roll-up by group and the totals; CSV
    is UTF-8 with a BOM so that Excel shows Vietnamese correctly. The file name is sent as RFC 5987
    `filename*`."""
    report = await service.status_report(session, principal, identity, campaign_id=campaign_id, filters=filters,
                                         now=clock(), limit=None, by_group=True)
    file = await service.export_file(report, format)
    return Response(file.content, media_type=file.media_type, headers={
        "Content-Disposition": content_disposition(file.filename),
        "Cache-Control": "private, no-store",
    })


def _target_read(line: service.TargetLine, report: service.StatusReport) -> TargetStatusRead:
    row = line.row
    group = report.groups_by_hex.get(line.group_hex)
    signature = report.signatures.get(row.submission_id) if row.submission_id else None
    return TargetStatusRead(
        unit_id=row.unit_id, unit_code=row.unit_code, unit_name=row.unit_name, unit_type=row.unit_type,
        group_id=group.unit.id if group and group.unit else None, group_key=group.key if group else line.group_hex,
        commune_name=row.commune_name,
        status=line.status, status_label=STATUS_LABELS_VI[line.status],
        submission_id=row.submission_id, workflow_status=line.workflow_status, due_at=row.due_at,
        extension_due_at=row.extension_due_at, resubmission_due_at=row.resubmission_due_at,
        first_submitted_at=row.first_submitted_at, last_submitted_at=row.last_submitted_at,
        late_seconds=row.late_seconds,
        late_text=f"nộp muộn {describe_delay(row.late_seconds)}" if row.late_seconds else None,
        overdue_seconds=line.overdue_seconds,
        overdue_text=f"quá hạn {describe_delay(line.overdue_seconds)}" if line.overdue_seconds else None,
        approved_at=row.approved_at, updated_at=row.updated_at,
        signature_state=signature.state if signature else None,
        signature_label=signature.label if signature else None,
        signature_reason=signature.reason if signature else None,
        completeness=row.completeness, reviewer_id=row.reviewer_id, reviewer_name=row.reviewer_name,
        self_score=row.self_score, review_score=row.review_score, final_score=row.final_score,
    )
