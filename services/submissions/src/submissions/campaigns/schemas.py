from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, model_validator

from edudx_common.timezone import LocalDateTime
from edudx_common.types import PartialUpdate, RequestModel, SingleLine
from edudx_common.vocabulary import UnitType
from submissions.campaigns.models import CampaignKind, CampaignStatus, LatePolicy
from submissions.outlines.schemas import OutlineDefinition

UNIT_TYPES_DEFAULT = ["school", "center"]


class Attachment(RequestModel):
    title: SingleLine = Field(min_length=1, max_length=300, description="Ví dụ 'Công văn 719/PGDĐT-TCCB'")
    url: AnyHttpUrl


class TargetRule(RequestModel):
    """Either every unit of the given types and levels under the issuer (narrowed to some communes or clusters),
    or an explicit list; the units in `exclude_unit_ids` are left out of either."""

    unit_types: list[UnitType] = Field(default_factory=lambda: [UnitType(t) for t in UNIT_TYPES_DEFAULT])
    education_levels: list[str] = Field(default_factory=list, description="Rỗng: mọi cấp học")
    commune_ids: list[uuid.UUID] = Field(default_factory=list, max_length=500,
                                         description="Chỉ trường thuộc các xã/phường này; rỗng: mọi xã/phường")
    cluster_ids: list[uuid.UUID] = Field(default_factory=list, max_length=200,
                                         description="Chỉ trường thuộc các cụm trường này; rỗng: mọi cụm")
    unit_ids: list[uuid.UUID] | None = Field(default=None, description="Danh sách đơn vị cụ thể")
    exclude_unit_ids: list[uuid.UUID] = Field(default_factory=list, max_length=5000,
                                              description="Các đơn vị không phải nộp dù thoả tiêu chí")

    @model_validator(mode="after")
    def _not_empty(self) -> TargetRule:
        if self.unit_ids is not None and not self.unit_ids:
            raise ValueError("danh sách đơn vị không được rỗng")
        if self.unit_ids is None and not self.unit_types:
            raise ValueError("cần ít nhất một loại đơn vị")
        return self


class CampaignBase(BaseModel):
    title: SingleLine = Field(min_length=3, max_length=500)
    kind: CampaignKind
    legal_reference: str | None = Field(default=None, max_length=500,
                                        description="Ví dụ 'Công văn 2664/SGDĐT-VP ngày 05/11/2021'")
    instructions: str | None = Field(default=None, max_length=20_000)
    attachments: list[Attachment] = Field(default_factory=list, max_length=20)
    opens_at: LocalDateTime
    due_at: LocalDateTime = Field(description="Hạn nộp; không kèm múi giờ thì hiểu là giờ Việt Nam")
    late_policy: LatePolicy = LatePolicy.ACCEPT_LATE
    late_until: LocalDateTime | None = Field(
        default=None, description="Hạn chót nhận báo cáo muộn (sau hạn nộp); chỉ dùng khi nhận báo cáo muộn")
    rubric_id: uuid.UUID | None = None
    two_level_review: bool = Field(default=False, description="Đơn vị quản lý trực tiếp (nếu có) tiếp nhận trước, "
                                                              "rồi chuyển lên đơn vị ban hành")
    require_signature: bool = Field(default=False, description="Chỉ phê duyệt khi phiên bản đã nộp có chữ ký số "
                                                                "hợp lệ của Hiệu trưởng")
    revision_days: int = Field(default=7, ge=1, le=90, description="Thời gian sửa mặc định (ngày) khi trả lại "
                                                                    "báo cáo; hạn nộp lại không sớm hơn hạn của đợt")


def check_late_until(policy: LatePolicy, due_at: datetime, late_until: datetime | None) -> None:
    """The cut-off for late reports comes after the deadline, and only when late reports are accepted."""
    if late_until is None:
        return
    if policy != LatePolicy.ACCEPT_LATE:
        raise ValueError("chỉ đặt hạn chót nhận báo cáo muộn khi đợt báo cáo nhận báo cáo muộn")
    if late_until <= due_at:
        raise ValueError("hạn chót nhận báo cáo muộn phải sau hạn nộp")


class CampaignCreate(CampaignBase, RequestModel):
    school_year_id: uuid.UUID
    issuer_unit_id: uuid.UUID | None = Field(default=None, description="Mặc định: đơn vị của người tạo")
    outline_id: uuid.UUID | None = Field(default=None, description="Sao chép đề cương từ thư viện")
    outline: OutlineDefinition | None = Field(default=None, description="Hoặc một đề cương riêng")
    targets: TargetRule = Field(default_factory=TargetRule)

    @model_validator(mode="after")
    def _check(self) -> CampaignCreate:
        if self.opens_at >= self.due_at:
            raise ValueError("thời điểm mở phải trước hạn nộp")
        check_late_until(self.late_policy, self.due_at, self.late_until)
        if self.outline_id is not None and self.outline is not None:
            raise ValueError("chọn đề cương từ thư viện hoặc soạn riêng, không cả hai")
        return self


class CampaignUpdate(PartialUpdate):
    """Only the fields sent change; null only clears the legal reference, instructions, late cut-off, rubric or
    outline. Once published, only wording, attachments, the deadline and its late cut-off may change."""

    clearable = frozenset({"legal_reference", "instructions", "late_until", "rubric_id", "outline_id", "outline"})

    title: SingleLine | None = Field(default=None, min_length=3, max_length=500)
    kind: CampaignKind | None = None
    legal_reference: str | None = Field(default=None, max_length=500)
    instructions: str | None = Field(default=None, max_length=20_000)
    attachments: list[Attachment] | None = None
    opens_at: LocalDateTime | None = None
    due_at: LocalDateTime | None = None
    late_policy: LatePolicy | None = None
    late_until: LocalDateTime | None = None
    rubric_id: uuid.UUID | None = None
    two_level_review: bool | None = None
    require_signature: bool | None = None
    revision_days: int | None = Field(default=None, ge=1, le=90)
    outline_id: uuid.UUID | None = None
    outline: OutlineDefinition | None = None
    targets: TargetRule | None = None


PUBLISHED_EDITABLE = {"title", "legal_reference", "instructions", "attachments", "due_at", "late_policy",
                      "late_until", "require_signature", "revision_days"}


class CampaignSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    issuer_unit_id: uuid.UUID
    issuer_name: str
    school_year_id: uuid.UUID
    title: str
    kind: CampaignKind
    due_at: LocalDateTime
    status: CampaignStatus
    opens_at: LocalDateTime
    late_policy: LatePolicy
    updated_at: LocalDateTime = Field(description="Lần thay đổi gần nhất: mốc `updated_since` của lần đồng bộ sau")


class CampaignRead(CampaignSummary):
    legal_reference: str | None
    instructions: str | None
    attachments: list[dict[str, Any]]
    opens_at: LocalDateTime
    late_policy: LatePolicy
    late_until: LocalDateTime | None
    rubric_id: uuid.UUID | None
    outline_id: uuid.UUID | None
    outline: OutlineDefinition | None
    target_rule: dict[str, Any]
    two_level_review: bool
    require_signature: bool
    revision_days: int = Field(description="Thời gian sửa mặc định (ngày) khi trả lại báo cáo")
    version: int
    copied_from_id: uuid.UUID | None
    created_at: LocalDateTime
    updated_at: LocalDateTime
    published_at: LocalDateTime | None
    closed_at: LocalDateTime | None


class CampaignCopy(RequestModel):
    school_year_id: uuid.UUID | None = Field(default=None, description="Mặc định: năm học kế tiếp")


class TargetAdd(RequestModel):
    unit_id: uuid.UUID


class Extension(RequestModel):
    due_at: LocalDateTime | None = Field(default=None, description="Hạn mới của đơn vị (giữ nguyên giờ đã nêu); "
                                                                   "null để bỏ gia hạn")
    days: int | None = Field(default=None, ge=1, le=365,
                             description="Thay cho `due_at`: gia hạn thêm số ngày kể từ bây giờ; hạn là 17:00 (giờ "
                                         "Việt Nam) của ngày làm việc đó (sau 17:00 hoặc thứ Bảy, Chủ nhật: ngày "
                                         "làm việc kế tiếp)")
    reason: str | None = Field(default=None, max_length=500)

    @model_validator(mode="after")
    def _one_deadline(self) -> Extension:
        if self.days is not None and self.due_at is not None:
            raise ValueError("Chỉ nêu hạn mới (due_at) hoặc số ngày gia hạn (days), không nêu cả hai.")
        if self.days is None and "due_at" not in self.model_fields_set:
            raise ValueError("Cần hạn mới (due_at, null để bỏ gia hạn) hoặc số ngày gia hạn (days).")
        return self


class TargetRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    unit_id: uuid.UUID
    unit_code: str
    unit_name: str
    unit_type: UnitType
    education_levels: list[str]
    commune_id: uuid.UUID | None = Field(default=None, description="Xã/phường quản lý hành chính của trường")
    commune_name: str | None = None
    cluster_codes: list[str] = Field(default_factory=list, description="Mã các cụm trường của trường")
    cluster_names: list[str] = Field(default_factory=list)
    added_at: LocalDateTime
    withdrawn_at: LocalDateTime | None
    extension_due_at: LocalDateTime | None
    extension_reason: str | None
