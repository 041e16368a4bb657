from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from edudx_common.timezone import LocalDateTime
from edudx_common.types import RequestModel
from submissions.campaigns.schemas import CampaignSummary
from submissions.workflow.models import SubmissionStatus

CampaignPhase = Literal["not_open", "open", "late", "closed"]


class DraftUpdate(RequestModel):
    values: dict[str, Any] = Field(description="Giá trị theo mã trường của đề cương; null để xoá câu trả lời")
    base_version: int | None = Field(default=None, description="Phiên bản đã đọc (hoặc gửi tiêu đề If-Match)")


class SubmitRequest(RequestModel):
    base_version: int | None = None
    note: str | None = Field(default=None, max_length=2000)


class ReturnReasons(RequestModel):
    general: str | None = Field(default=None, max_length=5000)
    sections: dict[str, str] = Field(default_factory=dict, description="Nhận xét theo số mục đề cương")
    criteria: dict[str, str] = Field(default_factory=dict, description="Nhận xét theo mã tiêu chí")

    @model_validator(mode="after")
    def _some_reason(self) -> ReturnReasons:
        if not ((self.general or "").strip() or any(v.strip() for v in self.sections.values())
                or any(v.strip() for v in self.criteria.values())):
            raise ValueError("cần ít nhất một nhận xét khi trả lại báo cáo")
        return self


class ReturnRequest(RequestModel):
    reasons: ReturnReasons
    resubmission_due_at: LocalDateTime | None = Field(default=None, description="Hạn nộp lại (mặc định 7 ngày)")


class ReviewDecision(RequestModel):
    comment: str | None = Field(default=None, max_length=5000)


class FieldProblem(BaseModel):
    field: str = Field(description="Mã trường của đề cương (ô của bảng: 'bang[2].cot')")
    message: str
    section: str | None = Field(default=None, description="Số mục đề cương")
    saved: bool = Field(default=True, description="false: giá trị không lưu được (trường không có trong đề cương "
                                                  "hoặc quá lớn); true: đã lưu nhưng phải sửa trước khi nộp")


class SubmissionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    campaign_id: uuid.UUID
    unit_id: uuid.UUID
    unit_name: str
    unit_code: str
    commune_id: uuid.UUID | None = Field(default=None, description="UBND xã/phường quản lý hành chính đơn vị")
    status: SubmissionStatus
    content: dict[str, Any]
    version: int
    submit_count: int
    due_at: LocalDateTime = Field(description="Hạn áp dụng cho đơn vị (kể cả gia hạn, hạn nộp lại)")
    first_submitted_at: LocalDateTime | None
    last_submitted_at: LocalDateTime | None
    late_seconds: int | None
    late_text: str | None = Field(description="Ví dụ 'nộp muộn 2 ngày 3 giờ'")
    resubmission_due_at: LocalDateTime | None
    return_reasons: dict[str, Any] | None
    forwarded_at: LocalDateTime | None
    approved_at: LocalDateTime | None
    updated_at: LocalDateTime
    updated_by: str | None
    allowed_actions: list[str] = Field(description="Thao tác người gọi được làm lúc này")
    problems: list[FieldProblem] = Field(
        default_factory=list, description="Câu trả lời đã lưu nhưng chưa hợp lệ (và, sau một lần lưu, câu trả lời "
                                          "không lưu được): bản nháp vẫn lưu, chỉ việc nộp bị chặn")


class SubmissionEventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    action: str
    actor_id: str
    actor_name: str | None
    actor_unit_id: uuid.UUID | None
    on_behalf: bool
    version_number: int | None
    detail: dict[str, Any] | None
    at: LocalDateTime


class SubmissionVersionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    number: int
    content: dict[str, Any]
    submitted_at: LocalDateTime
    submitted_by: str
    submitted_by_name: str | None
    on_behalf: bool
    late_seconds: int | None


class UnitSubmissionRead(BaseModel):
    """One campaign a unit must answer, with the unit's submission when one was opened."""

    campaign: CampaignSummary
    unit_id: uuid.UUID
    unit_name: str
    due_at: LocalDateTime = Field(description="Hạn áp dụng cho đơn vị (kể cả gia hạn, hạn nộp lại)")
    phase: CampaignPhase = Field(
        description="not_open: chưa đến ngày mở (campaign.opens_at); open: đang mở; late: quá hạn nhưng còn nhận "
                    "nộp muộn; closed: đã đóng, hoặc quá hạn khi đợt không nhận nộp muộn")
    submission_id: uuid.UUID | None = Field(description="null khi đơn vị chưa mở báo cáo")
    status: SubmissionStatus | None = Field(description="Bước của quy trình; null khi chưa mở báo cáo")
    version: int | None
    first_submitted_at: LocalDateTime | None
    last_submitted_at: LocalDateTime | None
    late_seconds: int | None
    late_text: str | None = Field(description="Ví dụ 'nộp muộn 2 ngày 3 giờ'")
    updated_at: LocalDateTime | None


class ChecklistKind(StrEnum):
    ANSWER = "answer"
    INVALID = "invalid"
    SCORE = "score"
    EVIDENCE = "evidence"


class ChecklistItem(BaseModel):
    kind: ChecklistKind = Field(description="answer: chưa trả lời; invalid: chưa hợp lệ; score: chưa tự chấm; "
                                  "evidence: điểm tự chấm thiếu minh chứng")
    field: str = Field(description="Mã trường của đề cương, hoặc 'self_scores.<mã tiêu chí>'")
    message: str
    section: str | None = Field(description="Số mục đề cương (null: không thuộc mục nào)")
    criterion_code: str | None


class ChecklistRead(BaseModel):
    """What still stands between the draft and its submit."""

    ready: bool = Field(description="true: không còn gì thiếu, có thể nộp")
    items: list[ChecklistItem]
    criteria_count: int | None = Field(description="Số tiêu chí phải tự chấm (null: đợt không chấm điểm)")
    scored_count: int | None
