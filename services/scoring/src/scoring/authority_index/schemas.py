from __future__ import annotations

import uuid

from pydantic import BaseModel, Field

from edudx_common.timezone import LocalDateTime


class IndexUnitRead(BaseModel):
    unit_id: uuid.UUID
    unit_name: str
    classification: str | None = Field(description="Mức / xếp loại đã công bố")
    counted: bool = Field(description="Được tính vào chỉ số (đạt một trong các mức của tiêu chí)")
    campaign_id: uuid.UUID
    campaign_title: str
    published_at: LocalDateTime


class ComputedCriterionRead(BaseModel):
    code: str
    measure: str = Field(description="count: số đơn vị; share: tỷ lệ đơn vị")
    levels: list[str]
    counted_units: int = Field(description="Số đơn vị trực thuộc đạt các mức")
    total_units: int = Field(description="Số đơn vị trực thuộc có kết quả đã công bố")
    value: float = Field(description="Số đơn vị (count) hoặc tỷ lệ 0–1 (share)")
    points: float = Field(description="Điểm ghi vào tiêu chí")
    max_points: float
    units: list[IndexUnitRead] = Field(description="Các đơn vị đứng sau con số, theo tên")


class AuthorityIndexRead(BaseModel):
    submission_id: uuid.UUID
    unit_id: uuid.UUID
    criteria: list[ComputedCriterionRead]
    saved: bool = Field(description="Đã ghi điểm vào phần tự đánh giá (POST); false khi chỉ xem trước (GET)")
