"""API shapes of the reviewer status views."""

from __future__ import annotations

import uuid
from enum import StrEnum

from pydantic import BaseModel, Field

from edudx_common.pagination import Page
from edudx_common.timezone import LocalDateTime
from edudx_common.vocabulary import UnitType
from submissions.campaigns.schemas import CampaignSummary
from submissions.signatures.schemas import SignatureState
from submissions.workflow.models import SubmissionStatus


class TargetStatus(StrEnum):
    """Where one target stands, as a reviewer reads it (the workflow status plus the clock)."""

    NOT_STARTED = "not_started"  # no submission yet, deadline not passed
    DRAFT = "draft"  # drafting, deadline not passed
    OVERDUE = "overdue"  # never submitted and the deadline passed
    SUBMITTED_ON_TIME = "submitted_on_time"  # waiting for or under review; first submission on time
    SUBMITTED_LATE = "submitted_late"  # same, first submission late
    RETURNED = "returned"  # sent back for revision
    APPROVED = "approved"


STATUS_LABELS_VI: dict[TargetStatus, str] = {
    TargetStatus.NOT_STARTED: "Chưa bắt đầu",
    TargetStatus.DRAFT: "Đang soạn",
    TargetStatus.OVERDUE: "Quá hạn",
    TargetStatus.SUBMITTED_ON_TIME: "Nộp đúng hạn",
    TargetStatus.SUBMITTED_LATE: "Nộp muộn",
    TargetStatus.RETURNED: "Bị trả lại",
    TargetStatus.APPROVED: "Đã duyệt",
}

WORKFLOW_LABELS_VI: dict[SubmissionStatus, str] = {
    SubmissionStatus.DRAFT: "Bản nháp",
    SubmissionStatus.SUBMITTED: "Đã nộp",
    SubmissionStatus.UNDER_REVIEW: "Đang thẩm định",
    SubmissionStatus.RETURNED: "Bị trả lại",
    SubmissionStatus.RESUBMITTED: "Đã nộp lại",
    SubmissionStatus.FORWARDED: "Đã chuyển lên cấp trên",
    SubmissionStatus.APPROVED: "Đã duyệt",
}


class GroupBy(StrEnum):
    """What the status view's groups are."""

    CHILD = "child"  # the units directly under the group unit
    COMMUNE = "commune"  # the schools' administrative owner (UBND xã/phường)
    CLUSTER = "cluster"  # the Sở's clusters of schools (cụm trường)
    LEVEL = "level"  # the schools' education levels


LEVEL_LABELS_VI: dict[str, str] = {
    "mam_non": "Mầm non",
    "tieu_hoc": "Tiểu học",
    "thcs": "THCS",
    "thpt": "THPT",
    "gdtx": "GDTX",
}

GROUP_BY_LABELS_VI: dict[GroupBy, str] = {
    GroupBy.CHILD: "Đơn vị trực thuộc",
    GroupBy.COMMUNE: "Xã/phường",
    GroupBy.CLUSTER: "Cụm trường",
    GroupBy.LEVEL: "Cấp học",
}


class ReviewQueue(StrEnum):
    AWAITING = "awaiting"  # Chờ thẩm định
    MINE = "mine"  # Của tôi
    RETURNED = "returned"  # Trả lại – chờ nộp lại
    OVERDUE = "overdue"  # Quá hạn


class ExportFormat(StrEnum):
    XLSX = "xlsx"
    CSV = "csv"


EXPORT_MEDIA_TYPES = {
    ExportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ExportFormat.CSV: "text/csv; charset=utf-8",
}


class UnitRef(BaseModel):
    id: uuid.UUID
    code: str | None
    name: str
    type: str | None


class StatusCounts(BaseModel):
    targets: int = Field(description="Đơn vị phải nộp (không tính đơn vị đã rút khỏi đợt)")
    not_started: int
    draft: int
    overdue: int
    submitted_on_time: int
    submitted_late: int
    returned: int
    approved: int
    submitted: int = Field(description="Đơn vị đã nộp ít nhất một lần: nộp đúng hạn + nộp muộn + bị trả lại + "
                                       "đã duyệt")
    submitted_first_on_time: int = Field(description="Trong số đã nộp, đơn vị nộp lần đầu đúng hạn")
    completeness: float | None = Field(description="% đã nộp trên số phải nộp, làm tròn 1 chữ số; null khi "
                                                   "không có đơn vị nào")
    timeliness: float | None = Field(description="% nộp lần đầu đúng hạn trên số đã nộp, làm tròn 1 chữ số; "
                                                 "null khi chưa ai nộp")


class GroupStatus(StatusCounts):
    key: str = Field(description="Khoá của nhóm, dùng làm bộ lọc `group_key`: id (hex) của đơn vị hoặc xã/phường; "
                                 "mã cụm hoặc mã cấp học nối bằng '+'; rỗng: đơn vị chưa gắn thuộc tính này")
    label: str = Field(description="Tên nhóm, ví dụ 'Phường Long Châu', 'Tiểu học, THCS'")
    unit: UnitRef | None = Field(description="Đơn vị của nhóm: đơn vị trực thuộc đơn vị tổng hợp, hoặc xã/phường; "
                                             "null khi nhóm theo cụm hoặc cấp học")
    is_target: bool = Field(description="Nhóm gồm các đơn vị phải nộp trực thuộc trực tiếp đơn vị tổng hợp (các "
                                        "trường trực thuộc Sở); khoá và `unit` là của chính đơn vị tổng hợp")


class TargetStatusRead(BaseModel):
    unit_id: uuid.UUID
    unit_code: str
    unit_name: str
    unit_type: UnitType
    group_id: uuid.UUID | None = Field(description="Đơn vị của nhóm chứa đơn vị này (đơn vị trực thuộc đơn vị tổng "
                                                   "hợp, hoặc xã/phường); null khi nhóm theo cụm hoặc cấp học")
    group_key: str = Field(description="Khoá của nhóm chứa đơn vị này (như `groups[].key`)")
    commune_name: str | None = Field(default=None, description="Xã/phường quản lý hành chính của trường")
    status: TargetStatus
    status_label: str = Field(description="Ví dụ 'Nộp muộn'")
    submission_id: uuid.UUID | None
    workflow_status: SubmissionStatus | None = Field(description="Bước của quy trình; null khi chưa mở báo cáo")
    due_at: LocalDateTime = Field(description="Hạn áp dụng cho đơn vị (kể cả gia hạn, hạn nộp lại)")
    extension_due_at: LocalDateTime | None
    resubmission_due_at: LocalDateTime | None
    first_submitted_at: LocalDateTime | None
    last_submitted_at: LocalDateTime | None
    late_seconds: int | None = Field(description="Lần nộp đầu muộn bao nhiêu giây (0: đúng hạn)")
    late_text: str | None = Field(description="Ví dụ 'nộp muộn 2 ngày 3 giờ'")
    overdue_seconds: int | None = Field(description="Chỉ với trạng thái quá hạn: đã quá hạn bao nhiêu giây")
    overdue_text: str | None = Field(description="Ví dụ 'quá hạn 1 ngày 4 giờ'")
    approved_at: LocalDateTime | None
    updated_at: LocalDateTime | None = Field(description="Lần cuối báo cáo thay đổi")
    signature_state: SignatureState | None = Field(default=None, description="Ký số của phiên bản đã nộp mới "
                                                                              "nhất; null khi chưa mở báo cáo")
    signature_label: str | None = Field(default=None, description="Ví dụ 'Đã ký số'")
    signature_reason: str | None = Field(default=None, description="Vì sao chưa ký hoặc không hợp lệ")
    completeness: int | None = Field(default=None, description="% nội dung bắt buộc đã trả lời (0–100)")
    reviewer_id: str | None = Field(default=None, description="Người thẩm định được phân công")
    reviewer_name: str | None = None
    self_score: float | None = Field(default=None, description="Tổng điểm tự chấm (bản sao từ scoring)")
    review_score: float | None = Field(default=None, description="Tổng điểm thẩm định; null khi chưa chấm")
    final_score: float | None = Field(default=None, description="Điểm cuối: thẩm định nếu có, nếu không tự chấm")


class BoardSummary(BaseModel):
    """The chart's figures, by SQL aggregates over the whole scope (the list alone is paged)."""

    awaiting: int = Field(description="Báo cáo chờ thẩm định")
    unassigned: int = Field(description="Trong số chờ thẩm định, chưa phân công người thẩm định")
    review_scored: int = Field(description="Báo cáo đã có điểm thẩm định")
    average_self_score: float | None
    average_final_score: float | None
    average_completeness: float | None


class StatusView(BaseModel):
    campaign: CampaignSummary
    as_of: LocalDateTime = Field(description="Thời điểm tính trạng thái (quá hạn so với thời điểm này)")
    group_unit: UnitRef = Field(description="Đơn vị tổng hợp: các nhóm là các đơn vị trực thuộc nó (khi nhóm theo "
                                            "đơn vị trực thuộc)")
    group_by: GroupBy = Field(description="Các nhóm là gì: đơn vị trực thuộc, xã/phường, cụm trường hay cấp học")
    totals: StatusCounts = Field(description="Mọi đơn vị trong phạm vi, không phụ thuộc bộ lọc danh sách")
    groups: list[GroupStatus] = Field(description="Theo từng nhóm, cũng không phụ thuộc bộ lọc")
    targets: Page[TargetStatusRead] = Field(description="Danh sách đơn vị theo bộ lọc, theo thứ tự yêu cầu")
    summary: BoardSummary
