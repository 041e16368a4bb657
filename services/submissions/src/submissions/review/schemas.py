"""API shapes of the reviewer's workbench: assignment, queues, guards and bulk actions."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import AwareDatetime, BaseModel, Field

from edudx_common.timezone import LocalDateTime
from edudx_common.types import FiniteFloat, RequestModel, SingleLine
from submissions.review.models import BulkKind, BulkState
from submissions.status.schemas import ReviewQueue
from submissions.workflow.schemas import ReturnReasons, SubmissionRead

# Returning is the workflow's (its state machine owns the body); review's endpoint takes it as it is.
from submissions.workflow.schemas import ReturnRequest as ReturnRequest


class ReviewerRef(RequestModel):
    id: str = Field(max_length=80, description="Mã tài khoản (sub của token) của người thẩm định")
    name: SingleLine = Field(min_length=1, max_length=200)


class AssignmentCreate(RequestModel):
    """Assign these schools to one reviewer (by hand)."""

    unit_ids: list[uuid.UUID] = Field(min_length=1, max_length=3000)
    reviewer: ReviewerRef


class BoardSelection(RequestModel):
    """The board's filters, as the list uses them: `queue`, `match` (`cột:giá trị`), `range` (`cột:từ:đến`),
    `q` (tên hoặc mã)."""

    queue: ReviewQueue | None = ReviewQueue.AWAITING
    match: list[str] = Field(default_factory=list, max_length=20)
    range: list[str] = Field(default_factory=list, max_length=20)
    q: str | None = Field(default=None, max_length=200)


class AutoAssignment(RequestModel):
    """Share the unassigned schools matching `selection` among `reviewers`, each next school to the reviewer
    with the fewest reports waiting (never to one who declined it)."""

    reviewers: list[ReviewerRef] = Field(min_length=1, max_length=100)
    selection: BoardSelection = Field(default_factory=BoardSelection)


class AssignmentOutcome(BaseModel):
    unit_id: uuid.UUID
    unit_name: str | None
    outcome: Literal["assigned", "skipped"]
    reviewer_id: str | None
    reviewer_name: str | None
    reason: str | None = Field(default=None, description="Vì sao bỏ qua")


class AssignmentReport(BaseModel):
    results: list[AssignmentOutcome]
    assigned: int
    load: dict[str, int] = Field(description="Số báo cáo chờ thẩm định của mỗi người sau khi phân công")


class DeclineRequest(RequestModel):
    reason: str = Field(min_length=3, max_length=1000, description="Ví dụ 'Xung đột lợi ích: trường cũ của tôi'")


class ReviewAssignmentRead(BaseModel):
    submission_id: uuid.UUID
    unit_id: uuid.UUID
    unit_name: str
    reviewer_id: str | None
    reviewer_name: str | None
    assigned_at: LocalDateTime | None
    declined_by: list[str] = Field(description="Những người đã từ chối thẩm định đơn vị này")


class NextInQueue(BaseModel):
    """The next report to open: the first of the caller's queue ("Của tôi"), else the first unassigned one
    waiting; null when nothing waits."""

    submission_id: uuid.UUID | None
    unit_id: uuid.UUID | None
    unit_name: str | None
    queue: ReviewQueue | None
    remaining: int = Field(description="Báo cáo còn lại trong hàng đợi của tôi (không tính báo cáo vừa xử lý)")


class DecisionRead(SubmissionRead):
    next: NextInQueue


class ApproveRequest(RequestModel):
    comment: str | None = Field(default=None, max_length=5000)
    confirm_unit_name: SingleLine | None = Field(
        default=None, max_length=255, description="Tên trường, nhắc lại đúng như hệ thống nêu (xác nhận)")
    confirm_final_score: FiniteFloat | None = Field(
        default=None, description="Điểm cuối cùng, nhắc lại đúng như hệ thống nêu (xác nhận); bỏ trống khi đợt "
                                  "không chấm điểm")
    accept_self_scores: bool = Field(
        default=False, description="Chấp nhận điểm tự chấm cho các tiêu chí chưa có điểm thẩm định")


class ApprovalCheck(BaseModel):
    """What an approval needs now: the reasons it would be refused, and what the confirmation must name."""

    ready: bool
    reasons: list[str]
    unit_name: str
    final_score: float | None
    unreviewed_evidence: int
    unscored_criteria: list[str]


class BulkCreate(RequestModel):
    kind: BulkKind
    unit_ids: list[uuid.UUID] = Field(min_length=1, max_length=3000)
    reason: str | None = Field(default=None, max_length=500, description="Lý do gia hạn (bắt buộc khi gia hạn)")
    due_at: AwareDatetime | None = Field(default=None, description="Hạn mới khi gia hạn (giữ nguyên giờ đã nêu)")
    days: int | None = Field(default=None, ge=1, le=365,
                             description="Khi gia hạn, thay cho `due_at`: thêm số ngày kể từ lúc tạo thao tác; hạn là "
                                         "17:00 (giờ Việt Nam) của ngày làm việc đó")
    reasons: ReturnReasons | None = Field(default=None, description="Nhận xét chung khi trả lại")
    message: str | None = Field(default=None, max_length=2000, description="Lời nhắc thêm (khi nhắc nộp)")
    accept_self_scores: bool = Field(default=False, description="Khi phê duyệt: chấp nhận điểm tự chấm")


class BulkOutcome(BaseModel):
    unit_id: uuid.UUID
    unit_name: str | None
    outcome: Literal["done", "skipped", "failed"]
    message: str = Field(description="Điều đã xảy ra với trường này, bằng tiếng Việt")


class BulkActionRead(BaseModel):
    id: uuid.UUID
    campaign_id: uuid.UUID
    kind: BulkKind
    state: BulkState
    unit_count: int
    run_after: LocalDateTime = Field(description="Hết thời gian huỷ: thao tác chạy lúc này")
    finished_at: LocalDateTime | None
    results: list[BulkOutcome]
