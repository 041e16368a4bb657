"""The shape of a report outline (đề cương): numbered sections with guidance and typed fields."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from edudx_common.timezone import LocalDateTime
from edudx_common.types import FiniteFloat, RequestModel, SingleLine

SLUG = r"^[a-z][a-z0-9_]{0,59}$"


class FieldKind(StrEnum):
    RICH_TEXT = "rich_text"
    TEXT = "text"
    NUMBER = "number"
    INTEGER = "integer"
    BOOLEAN = "boolean"
    DATE = "date"
    CHOICE = "choice"
    URL = "url"
    TABLE = "table"


COLUMN_KINDS = {FieldKind.TEXT, FieldKind.NUMBER, FieldKind.INTEGER, FieldKind.BOOLEAN, FieldKind.DATE,
                FieldKind.CHOICE, FieldKind.URL}


class TableColumn(RequestModel):
    id: str = Field(pattern=SLUG)
    label: SingleLine = Field(min_length=1, max_length=200)
    kind: FieldKind
    required: bool = False
    options: list[str] | None = None
    min: FiniteFloat | None = None
    max: FiniteFloat | None = None

    @model_validator(mode="after")
    def _check(self) -> TableColumn:
        if self.kind not in COLUMN_KINDS:
            raise ValueError(f"cột '{self.label}': kiểu {self.kind} không dùng được trong bảng")
        _check_bounds_and_options(self.kind, self.options, self.min, self.max, self.label)
        return self


class OutlineField(RequestModel):
    id: str = Field(pattern=SLUG, description="Mã trường, duy nhất trong đề cương")
    label: SingleLine = Field(min_length=1, max_length=300)
    kind: FieldKind
    required: bool = False
    help: str | None = Field(default=None, max_length=2000)
    unit: str | None = Field(default=None, max_length=30, description="Đơn vị tính, ví dụ 'phòng', '%'")
    min: FiniteFloat | None = Field(default=None, description="Giá trị nhỏ nhất (số) hoặc độ dài tối thiểu (văn bản)")
    max: FiniteFloat | None = Field(default=None, description="Giá trị lớn nhất (số) hoặc độ dài tối đa (văn bản)")
    options: list[str] | None = None
    multiple: bool = False
    columns: list[TableColumn] | None = None
    min_rows: int | None = Field(default=None, ge=0)
    max_rows: int | None = Field(default=None, ge=1, le=1000)

    @model_validator(mode="after")
    def _check(self) -> OutlineField:
        _check_bounds_and_options(self.kind, self.options, self.min, self.max, self.label)
        if self.kind == FieldKind.TABLE:
            if not self.columns:
                raise ValueError(f"bảng '{self.label}' cần ít nhất một cột")
            ids = [c.id for c in self.columns]
            if len(set(ids)) != len(ids):
                raise ValueError(f"bảng '{self.label}' có mã cột trùng nhau")
        elif self.columns:
            raise ValueError(f"trường '{self.label}' không phải bảng nên không có cột")
        return self


def _check_bounds_and_options(kind: FieldKind, options: list[str] | None, low: float | None, high: float | None,
                              label: str) -> None:
    if kind == FieldKind.CHOICE and not options:
        raise ValueError(f"'{label}': lựa chọn cần danh sách phương án")
    if kind != FieldKind.CHOICE and options:
        raise ValueError(f"'{label}': chỉ kiểu lựa chọn mới có phương án")
    if low is not None and high is not None and low > high:
        raise ValueError(f"'{label}': giá trị nhỏ nhất lớn hơn giá trị lớn nhất")


class OutlineSection(RequestModel):
    number: str = Field(min_length=1, max_length=10, description="Số mục, ví dụ '1', '4a'")
    title: SingleLine = Field(min_length=1, max_length=1000)
    guidance: str | None = Field(default=None, max_length=5000)
    fields: list[OutlineField] = Field(default_factory=list)
    sections: list[OutlineSection] = Field(default_factory=list)


class OutlineDefinition(RequestModel):
    sections: list[OutlineSection] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> OutlineDefinition:
        seen: set[str] = set()
        numbers: set[str] = set()
        for section in walk_sections(self.sections):
            if section.number in numbers:
                raise ValueError(f"số mục '{section.number}' bị trùng")
            numbers.add(section.number)
            for field in section.fields:
                if field.id in seen:
                    raise ValueError(f"mã trường '{field.id}' bị trùng")
                seen.add(field.id)
        return self

    # Built on first use: every autosave looks its answers up here (an outline, once validated, is not changed;
    # a campaign's edit validates a new one).
    _fields: dict[str, tuple[OutlineSection, OutlineField]] | None = PrivateAttr(default=None)

    def fields_by_id(self) -> dict[str, tuple[OutlineSection, OutlineField]]:
        """Every field with its section, in reading order (do not change the dict: it is shared)."""
        if self._fields is None:
            self._fields = {f.id: (s, f) for s in walk_sections(self.sections) for f in s.fields}
        return self._fields


def walk_sections(sections: list[OutlineSection]) -> list[OutlineSection]:
    """Depth-first, in reading order."""
    found: list[OutlineSection] = []
    for section in sections:
        found.append(section)
        found.extend(walk_sections(section.sections))
    return found


class OutlineCreate(RequestModel):
    name: SingleLine = Field(min_length=2, max_length=300)
    definition: OutlineDefinition


class OutlineRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    owner_unit_id: uuid.UUID | None
    name: str
    definition: OutlineDefinition
    created_at: LocalDateTime
    updated_at: LocalDateTime


class OutlineSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    owner_unit_id: uuid.UUID | None
    name: str
    updated_at: datetime
