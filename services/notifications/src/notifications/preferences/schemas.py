from __future__ import annotations

from pydantic import BaseModel, Field

from edudx_common.types import RequestModel
from notifications.preferences.categories import Category


class CategoryPreference(BaseModel):
    category: Category
    label: str = Field(description="Tên loại thư, tiếng Việt")
    email: bool = Field(description="Có nhận e-mail loại này không (bảng tin trong ứng dụng luôn nhận)")
    mutable: bool = Field(description="False: không thể tắt (nhắc hạn nộp của đơn vị mình)")


class PreferencesRead(BaseModel):
    categories: list[CategoryPreference]


class PreferencesUpdate(RequestModel):
    email: dict[Category, bool] = Field(description="Loại thư → nhận (true) hoặc tắt (false); loại không gửi lên "
                                                    "giữ nguyên")
