from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from edudx_common.auth import GrantRight
from edudx_common.types import PartialUpdate, RequestModel, SingleLine

RIGHTS_HELP = ("`reminders`: nhận nhắc việc và cảnh báo quá hạn của các trường thuộc xã/phường; `review`: thẩm định, "
               "trả lại, phê duyệt và chấm điểm thẩm định báo cáo của các trường đó trong các đợt do Sở ban hành")


class CommuneGrantCreate(RequestModel):
    user_id: uuid.UUID = Field(description="Cán bộ của UBND xã/phường được cấp quyền")
    issuer_unit_id: uuid.UUID | None = Field(
        default=None, description="Sở cấp quyền (mặc định: đơn vị của người cấp; quản trị hệ thống phải ghi rõ)")
    rights: list[GrantRight] = Field(min_length=1, max_length=2, description=RIGHTS_HELP)
    valid_from: date | None = Field(default=None, description="Ngày bắt đầu hiệu lực (mặc định: hôm nay)")
    valid_to: date | None = Field(default=None, description="Ngày hết hiệu lực (không tính); bỏ trống: đến khi thu hồi")
    note: SingleLine | None = Field(default=None, max_length=500, description="Căn cứ, ví dụ số văn bản giao việc")


class CommuneGrantUpdate(PartialUpdate):
    clearable = frozenset({"valid_to", "note"})

    rights: list[GrantRight] | None = Field(default=None, min_length=1, max_length=2, description=RIGHTS_HELP)
    valid_from: date | None = None
    valid_to: date | None = None
    note: SingleLine | None = Field(default=None, max_length=500)


class CommuneGrantRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    user_id: uuid.UUID
    user_name: str = ""
    user_email: str = ""
    commune_id: uuid.UUID
    commune_name: str = ""
    issuer_unit_id: uuid.UUID
    issuer_name: str = ""
    rights: list[GrantRight]
    valid_from: date
    valid_to: date | None
    note: str | None
    created_by: str
    created_at: datetime
    revoked_at: datetime | None
    revoked_by: str | None
    in_force: bool = Field(default=False, description="Đang có hiệu lực hôm nay (chưa thu hồi, trong thời hạn)")
