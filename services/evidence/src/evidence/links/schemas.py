from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import Field, StringConstraints

from edudx_common.types import RequestModel, SingleLine
from evidence.files.schemas import EvidenceRead as EvidenceRead  # what this feature's routes answer

ATTRIBUTE_KEY_PATTERN = r"^[a-z][a-z0-9_]{0,39}$"


class LinkCreate(RequestModel):
    submission_id: uuid.UUID
    url: str = Field(description="Địa chỉ http:// hoặc https://, tối đa 2000 ký tự")
    title: SingleLine = Field(max_length=500, description="Tên minh chứng, ví dụ 'Bài viết trên cổng thông tin'")
    note: str | None = Field(default=None, max_length=4000, description="Ghi chú (lưu là mô tả của minh chứng)")
    criterion_codes: list[str] = Field(default_factory=list, description="Tiêu chí, ví dụ ['1.1', '2.3']")
    replaces_id: uuid.UUID | None = Field(default=None,
                                          description="Minh chứng cũ (của bản đã nộp) mà liên kết này thay thế")
    screenshot_id: uuid.UUID | None = Field(default=None,
                                            description="Ảnh chụp trang: một tệp ảnh đã tải lên cùng báo cáo")
    attributes: dict[Annotated[str, StringConstraints(pattern=ATTRIBUTE_KEY_PATTERN)],
                     Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]] = Field(
        default_factory=dict, max_length=20,
        description="Thuộc tính có cấu trúc mà bộ tiêu chí yêu cầu (khóa chữ thường, ví dụ "
                    "{'solution_name': 'K12Online', 'acquisition': 'Thuê'})")
