from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator, model_validator

from edudx_common.types import PartialUpdate, RequestModel, SingleLine
from identity.units.models import CodeKind, EducationLevel, RelationKind, UnitType


class UnitBase(BaseModel):
    name: SingleLine = Field(min_length=2, max_length=255, description="Tên đơn vị")
    type: UnitType
    education_levels: list[EducationLevel] = Field(default_factory=list, description="Cấp học (trường, trung tâm)")
    address: str | None = Field(default=None, max_length=500)
    email: EmailStr | None = Field(default=None, description="E-mail đầu mối")
    phone: str | None = Field(default=None, max_length=40)

    @field_validator("name")
    @classmethod
    def _strip_name(cls, value: str) -> str:
        return " ".join(value.split())


class UnitCreate(UnitBase, RequestModel):
    code: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9._-]+$", description="Mã đơn vị (mã trường)")
    parent_id: uuid.UUID | None = Field(description="Đơn vị quản lý trực tiếp")
    commune_id: uuid.UUID | None = Field(default=None, description="UBND xã/phường quản lý (trường, trung tâm)")


class UnitUpdate(PartialUpdate):
    """Only the fields sent are changed; null only clears the address, e-mail or phone. Moving and merging have
    their own endpoints."""

    clearable = frozenset({"address", "email", "phone", "commune_id"})

    name: SingleLine | None = Field(default=None, min_length=2, max_length=255)
    type: UnitType | None = None
    education_levels: list[EducationLevel] | None = None
    address: str | None = Field(default=None, max_length=500)
    email: EmailStr | None = None
    phone: str | None = Field(default=None, max_length=40)
    commune_id: uuid.UUID | None = Field(default=None, description="UBND xã/phường quản lý; null: bỏ gắn")


class UnitMove(RequestModel):
    new_parent_id: uuid.UUID = Field(description="Đơn vị quản lý mới")


class UnitMerge(RequestModel):
    into_unit_id: uuid.UUID = Field(description="Đơn vị nhận sáp nhập: nhận đơn vị con, tài khoản và lịch sử")


class UnitRef(BaseModel):
    """A commune or a cluster named on a unit."""

    id: uuid.UUID
    code: str
    name: str


class UnitRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    code: str
    name: str
    type: UnitType
    education_levels: list[EducationLevel]
    parent_id: uuid.UUID | None
    depth: int
    ancestor_ids: list[uuid.UUID] = Field(description="Các đơn vị quản lý từ gốc xuống đơn vị cha")
    address: str | None
    email: str | None
    phone: str | None
    active: bool
    inactive_from: date | None = Field(default=None, description="Ngừng hoạt động từ ngày (giải thể, sáp nhập, "
                                                                  "ngừng); cây `as_of` trước ngày đó ghi đơn vị "
                                                                  "đang hoạt động")
    merged_into_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime
    commune: UnitRef | None = Field(default=None, description="UBND xã/phường quản lý hành chính (trường)")
    clusters: list[UnitRef] = Field(default_factory=list, description="Cụm trường hiện thuộc")
    former_codes: list[str] = Field(default_factory=list, description="Các mã cũ (tra cứu được)")

    @model_validator(mode="before")
    @classmethod
    def _ancestors_from_path(cls, data: Any) -> Any:
        # Other services keep a target's ancestors to check scope and roll up results without asking again.
        path = getattr(data, "path", None)
        if isinstance(path, str):
            ids = [uuid.UUID(part) for part in path.strip("/").split("/") if part]
            return {**{name: getattr(data, name) for name in cls.model_fields if hasattr(data, name)},
                    "ancestor_ids": ids[:-1]}
        return data


class UnitSummary(BaseModel):
    """What anyone in scope may know of a unit: enough to show a breadcrumb."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    code: str
    name: str
    type: UnitType
    depth: int


class UnitChangeRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    unit_id: uuid.UUID
    kind: str
    actor_id: str | None
    request_id: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    at: datetime


class UnitRelationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    unit_id: uuid.UUID
    kind: RelationKind = Field(description="professional: đơn vị quản lý chuyên môn; administrative: UBND xã/phường")
    related_unit_id: uuid.UUID
    related_unit: UnitRef | None = None
    valid_from: date
    valid_to: date | None = Field(description="Ngày hết hiệu lực (không tính); null: đang hiệu lực")


class UnitCodeRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    kind: CodeKind
    valid_from: date
    valid_to: date | None
    note: str | None
