from __future__ import annotations

import uuid

from pydantic import BaseModel, ConfigDict, Field

from edudx_common.types import RequestModel, SingleLine


class ClusterCreate(RequestModel):
    owner_unit_id: uuid.UUID = Field(description="Sở định nghĩa cụm trường")
    code: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9._-]+$", description="Mã cụm")
    name: SingleLine = Field(min_length=2, max_length=255, description="Tên cụm, ví dụ 'Cụm 1 – Long Hồ'")


class ClusterUpdate(RequestModel):
    name: SingleLine | None = Field(default=None, min_length=2, max_length=255)
    active: bool | None = None


class ClusterMembers(RequestModel):
    unit_ids: list[uuid.UUID] = Field(max_length=5000, description="Toàn bộ các trường của cụm từ hôm nay")


class ClusterRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    owner_unit_id: uuid.UUID
    code: str
    name: str
    active: bool
    member_ids: list[uuid.UUID] = Field(default_factory=list, description="Các trường hiện thuộc cụm")
