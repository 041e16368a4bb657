from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from edudx_common.types import RequestModel
from identity.reorganisations.models import ReorganisationKind, ReorganisationStatus
from identity.units.schemas import UnitRef


class ReorganisationCreate(RequestModel):
    """What to change; which fields each kind needs:

    - `archive_office`: `unit_id` (the Phòng GDĐT): its schools go to its Sở, its accounts stop, it stays in history.
    - `merge_departments`: `surviving_unit_id` and 1–2 `absorbed_unit_ids` (Sở): their units and accounts go to the
      surviving Sở; they stay, inactive, under it with their names.
    - `move_school_commune`: `unit_id` (a school) and `commune_id` (null: none).
    - `move_unit`: `unit_id` and `new_parent_id`.
    - `recode`: `unit_id` and `new_code` (the old code stays, as former).
    """

    kind: ReorganisationKind
    effective_date: date | None = Field(default=None, description="Ngày có hiệu lực (mặc định: hôm nay)")
    unit_id: uuid.UUID | None = None
    new_parent_id: uuid.UUID | None = None
    commune_id: uuid.UUID | None = None
    surviving_unit_id: uuid.UUID | None = None
    absorbed_unit_ids: list[uuid.UUID] = Field(default_factory=list, max_length=2)
    new_code: str | None = Field(default=None, min_length=1, max_length=40, pattern=r"^[A-Za-z0-9._-]+$")
    note: str | None = Field(default=None, max_length=255, description="Căn cứ (quyết định, công văn)")

    @model_validator(mode="after")
    def _fields_of_kind(self) -> ReorganisationCreate:
        kind = self.kind
        if kind == ReorganisationKind.MERGE_DEPARTMENTS:
            if self.surviving_unit_id is None or not self.absorbed_unit_ids:
                raise ValueError("Cần Sở tiếp nhận (surviving_unit_id) và 1–2 Sở được hợp nhất (absorbed_unit_ids).")
            if len({self.surviving_unit_id, *self.absorbed_unit_ids}) != len(self.absorbed_unit_ids) + 1:
                raise ValueError("Các Sở hợp nhất phải khác nhau.")
            return self
        if self.unit_id is None:
            raise ValueError("Cần đơn vị (unit_id).")
        if kind == ReorganisationKind.MOVE_UNIT and self.new_parent_id is None:
            raise ValueError("Cần đơn vị quản lý mới (new_parent_id).")
        if kind == ReorganisationKind.RECODE and self.new_code is None:
            raise ValueError("Cần mã mới (new_code).")
        return self


class UnitMovePreview(BaseModel):
    unit: UnitRef
    old_parent: UnitRef | None
    new_parent: UnitRef | None
    old_path: str
    new_path: str


class CommuneChangePreview(BaseModel):
    unit: UnitRef
    old_commune: UnitRef | None
    new_commune: UnitRef | None


class CodeChangePreview(BaseModel):
    unit: UnitRef
    old_code: str
    new_code: str


AccessChange = Literal["gains", "loses", "moves", "deactivated"]


class AccessChangePreview(BaseModel):
    user_id: uuid.UUID
    email: str
    full_name: str
    unit: UnitRef
    change: AccessChange = Field(
        description="gains/loses: được thêm / mất quyền với các đơn vị nêu; moves: tài khoản chuyển sang đơn vị "
                    "khác; deactivated: tài khoản ngừng hoạt động")
    units: list[UnitRef] = Field(default_factory=list, description="Các đơn vị được thêm hoặc mất quyền")
    read_only: bool = Field(default=False, description="Quyền chỉ xem (UBND xã/phường)")


class ReorganisationPreview(BaseModel):
    summary: str = Field(description="Tóm tắt bằng lời")
    moves: list[UnitMovePreview] = Field(default_factory=list)
    commune_changes: list[CommuneChangePreview] = Field(default_factory=list)
    code_changes: list[CodeChangePreview] = Field(default_factory=list)
    deactivated_units: list[UnitRef] = Field(default_factory=list)
    access_changes: list[AccessChangePreview] = Field(default_factory=list)


class ReorganisationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: ReorganisationKind
    params: dict[str, Any]
    preview: ReorganisationPreview
    status: ReorganisationStatus
    effective_date: date
    created_by: str | None
    confirmed_by: str | None
    created_at: datetime
    confirmed_at: datetime | None
