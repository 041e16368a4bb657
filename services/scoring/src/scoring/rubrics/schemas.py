from __future__ import annotations

import uuid

from pydantic import BaseModel, ConfigDict, Field

from edudx_common.timezone import LocalDateTime
from edudx_common.vocabulary import CampaignKind
from scoring.rubrics.definition import ClassificationMode, RubricDefinition


class RubricSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    family_id: uuid.UUID = Field(description="Chung cho mọi phiên bản của một bộ tiêu chí")
    version: int
    title: str
    mode: ClassificationMode = Field(
        description="total_bands (xếp loại theo tổng điểm) | group_levels (mức theo từng nhóm)")
    owner_unit_id: uuid.UUID | None = Field(description="Đơn vị quản lý bộ tiêu chí; trống: mẫu dùng chung")
    is_template: bool
    created_by_name: str | None
    created_at: LocalDateTime


class RubricRead(RubricSummary):
    definition: RubricDefinition
    criteria_count: int
    max_total: float = Field(description="Tổng điểm chuẩn của các nhóm")
    is_latest: bool = Field(description="Là phiên bản mới nhất của bộ tiêu chí")


class RubricImportResult(BaseModel):
    """A file read and checked; `rubric` is set when it was saved (not on a dry run)."""

    definition: RubricDefinition
    rubric: RubricRead | None = None


class CampaignPreset(BaseModel):
    """What the campaign wizard fills from a preset (the authority edits anything before issuing)."""

    key: str
    name: str = Field(description="Tên mẫu hiển thị khi chọn")
    title: str = Field(description="Tiêu đề đợt đề xuất")
    kind: CampaignKind
    legal_reference: str
    rubric_id: uuid.UUID = Field(description="Bộ chỉ số mẫu (chỉnh sửa được thành phiên bản của đơn vị)")
    reference_note: str
    self_assessment_due_at: LocalDateTime = Field(description="Hạn trường tự đánh giá và nộp (hạn nộp của đợt)")
    external_assessment_due_at: LocalDateTime = Field(description="Hạn cơ quan quản lý đánh giá ngoài")
    steps: list[str] = Field(description="Các bước của chu trình, để hiển thị")
