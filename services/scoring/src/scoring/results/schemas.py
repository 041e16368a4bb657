from __future__ import annotations

import uuid

from pydantic import BaseModel, Field

from edudx_common.pagination import Page
from edudx_common.sync import CursorPage
from edudx_common.timezone import LocalDateTime
from edudx_common.types import RequestModel
from edudx_common.vocabulary import SubmissionStatus
from scoring.rubrics.definition import ClassificationMode


class GroupLevelRead(BaseModel):
    code: str
    title: str
    total: float
    level: str | None


class ResultRow(BaseModel):
    unit_id: uuid.UUID
    unit_name: str
    group_id: uuid.UUID | None = Field(description="Đơn vị trực thuộc đơn vị ban hành (hoặc xã/phường, khi nhóm "
                                                   "theo xã/phường) chứa đơn vị này")
    group_name: str | None
    group_key: str | None = Field(default=None, description="Khoá của nhóm chứa đơn vị này (như `groups[].key`)")
    submission_id: uuid.UUID
    submission_status: SubmissionStatus
    self_total: float = Field(description="Tổng điểm tự chấm của trường")
    review_total: float | None = Field(description="Tổng điểm thẩm định, trên các tiêu chí đã có điểm thẩm định; "
                                                   "trống khi chưa thẩm định tiêu chí nào")
    final_total: float = Field(description="Điểm cuối cùng: điểm thẩm định nơi có, điểm tự chấm nơi chưa có")
    max_total: float
    classification: str | None
    classification_note: str | None
    group_levels: list[GroupLevelRead]
    reviewed_count: int
    criteria_count: int
    large_gap: bool = Field(description="Có tiêu chí chênh lệch lớn giữa tự chấm và thẩm định")
    rank: int | None = Field(description="Thứ hạng (hạng bằng nhau khi bằng điểm); trống khi không xếp hạng")
    tied: bool = Field(description="Đồng hạng với đơn vị khác")
    previous_total: float | None = Field(description="Điểm năm học trước (đợt được sao chép sang đợt này)")
    previous_classification: str | None


class ClassCount(BaseModel):
    label: str = Field(description="Tên loại/mức; 'Chưa xếp loại' cho đơn vị chưa có loại")
    count: int


class GroupSummary(BaseModel):
    group_id: uuid.UUID | None
    group_name: str | None
    key: str | None = Field(default=None, description="Khoá của nhóm, dùng làm bộ lọc `group_key`: id (hex) của "
                                                      "đơn vị hoặc xã/phường; mã cụm hoặc mã cấp học nối bằng '+'; "
                                                      "rỗng: đơn vị không có thuộc tính này")
    unit_count: int
    average_total: float | None
    distribution: list[ClassCount]


class PreviousYear(BaseModel):
    campaign_id: uuid.UUID
    campaign_title: str
    unit_count: int
    average_total: float | None
    distribution: list[ClassCount]


class CampaignResultsRead(Page[ResultRow]):
    """Figures over every unit, and the paging envelope: `items` is one page of the units matching the filters
    (ranks stay those among every unit), `total` counts every matching unit."""

    campaign_id: uuid.UUID
    campaign_title: str
    rubric_id: uuid.UUID
    mode: ClassificationMode
    ranking_enabled: bool
    published_at: LocalDateTime | None
    target_count: int
    scored_count: int = Field(description="Số đơn vị đã nộp báo cáo (có kết quả)")
    average_total: float | None
    distribution: list[ClassCount]
    groups: list[GroupSummary]
    previous_year: PreviousYear | None
    approved_count: int = Field(description="Số báo cáo đã phê duyệt (sẽ được công bố)")


class ResultsSettingsUpdate(RequestModel):
    ranking_enabled: bool = Field(description="Công bố thứ hạng; tắt để chỉ công bố xếp loại")


class PublishedResultRead(BaseModel):
    unit_id: uuid.UUID
    unit_name: str
    classification: str | None
    group_levels: list[GroupLevelRead]
    final_total: float
    max_total: float
    rank: int | None
    tied: bool = Field(description="Đồng hạng với đơn vị khác")
    published_at: LocalDateTime


class PublishedResultsRead(CursorPage[PublishedResultRead]):
    """The published results with the paging envelope; with `updated_since` or `cursor` (mirroring) ordered by
    (published_at, unit_id) and continued by `next_cursor`."""

    campaign_id: uuid.UUID
    campaign_title: str
    school_year: str | None
    published_at: LocalDateTime


class UnitWarning(BaseModel):
    unit_id: uuid.UUID
    unit_name: str
    reason: str = Field(description="Ví dụ 'Đã thẩm định 4/21 tiêu chí', 'Đang chờ thẩm định', 'Nộp muộn 2 ngày'")


class PublishPreviewRead(BaseModel):
    """What publishing now would do, before the confirmation: how many results it publishes, and the units it
    warns about, counted and named."""

    campaign_id: uuid.UUID
    target_count: int = Field(description="Số đơn vị được giao báo cáo")
    publish_count: int = Field(description="Số kết quả sẽ được công bố (báo cáo đã phê duyệt)")
    unscored_count: int = Field(description="Báo cáo đã nộp nhưng chưa thẩm định đủ mọi tiêu chí")
    unapproved_count: int = Field(description="Đơn vị chưa được phê duyệt (kể cả chưa nộp): không được công bố")
    late_count: int = Field(description="Đơn vị nộp muộn hoặc quá hạn chưa nộp")
    unscored: list[UnitWarning] = Field(description="Tên các đơn vị (tối đa `names_limit` mỗi danh sách)")
    unapproved: list[UnitWarning]
    late: list[UnitWarning]
    names_limit: int
    warning: str | None = Field(description="Cảnh báo để hiển thị trong hộp xác nhận; null khi không có gì cần báo")
