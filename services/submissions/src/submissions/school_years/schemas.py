from __future__ import annotations

import uuid
from datetime import date

from pydantic import BaseModel, ConfigDict, Field, model_validator

from edudx_common.types import RequestModel


class SchoolYearCreate(RequestModel):
    name: str = Field(pattern=r"^\d{4}-\d{4}$", description="Ví dụ '2024-2025'")
    starts_on: date | None = Field(default=None, description="Mặc định 01/09 của năm đầu")
    ends_on: date | None = Field(default=None, description="Mặc định 31/08 của năm sau")

    @model_validator(mode="after")
    def _defaults_and_order(self) -> SchoolYearCreate:
        first, second = (int(y) for y in self.name.split("-"))
        if second != first + 1:
            raise ValueError("năm học phải gồm hai năm liên tiếp, ví dụ 2024-2025")
        self.starts_on = self.starts_on or date(first, 9, 1)
        self.ends_on = self.ends_on or date(second, 8, 31)
        if self.starts_on >= self.ends_on:
            raise ValueError("ngày bắt đầu phải trước ngày kết thúc")
        return self


class SchoolYearRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    starts_on: date
    ends_on: date
