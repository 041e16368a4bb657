from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from edudx_common.timezone import LocalDateTime
from edudx_common.types import RequestModel, SingleLine
from evidence.files.models import EvidenceKind, ReviewState


class EvidenceRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    submission_id: uuid.UUID
    unit_id: uuid.UUID
    kind: EvidenceKind = Field(description="file: tệp đã tải lên; link: đường liên kết")
    title: str
    description: str | None
    criterion_codes: list[str] = Field(description="Tiêu chí mà minh chứng hỗ trợ, ví dụ ['1.1', '2.3']")
    codes: list[str] = Field(default_factory=list,
                             description="Mã trong danh mục minh chứng, mỗi tiêu chí một mã, ví dụ 'H1.1-01'")
    original_name: str | None = Field(description="Tên tệp gốc (chỉ để hiển thị)")
    size: int | None
    content_type: str | None
    sha256: str | None
    url: str | None
    draft_number: int = Field(description="Bản nháp thứ mấy của báo cáo (lần nộp thứ n → bản n)")
    replaces_id: uuid.UUID | None
    replaced_by_id: uuid.UUID | None = Field(default=None, description="Minh chứng mới thay thế minh chứng này")
    screenshot_id: uuid.UUID | None = Field(default=None, description="Ảnh chụp trang của liên kết (một tệp ảnh)")
    attributes: dict[str, str] = Field(default_factory=dict,
                                       description="Thuộc tính mà bộ tiêu chí yêu cầu, ví dụ tên giải pháp, "
                                                   "hình thức (tự xây dựng / thuê / mua)")
    uploaded_by: str
    uploaded_by_name: str | None
    created_at: LocalDateTime
    review_state: ReviewState = Field(description="Kết quả thẩm định minh chứng")
    review_reason: str | None
    reviewed_at: LocalDateTime | None
    updated_at: LocalDateTime | None = Field(
        default=None, description="Lần thay đổi gần nhất: thêm, thẩm định, hoặc bị minh chứng mới thay thế")

    @model_validator(mode="after")
    def _changed_last(self) -> EvidenceRead:
        # Added or reviewed; the catalogue also counts the arrival of the item that replaces this one.
        if self.updated_at is None:
            self.updated_at = max(t for t in (self.created_at, self.reviewed_at) if t is not None)
        return self


class UploadResult(EvidenceRead):
    duplicate: bool = Field(default=False, description="Tệp giống hệt (cùng SHA-256) đã có trong báo cáo")


class DownloadLink(BaseModel):
    url: str
    expires_at: datetime


class UploadCreate(RequestModel):
    submission_id: uuid.UUID
    file_name: SingleLine | None = Field(default=None, max_length=1000,
                                  description="Tên tệp trên máy (chỉ để hiển thị, được làm sạch)")
    size: int = Field(gt=0, description="Kích thước tệp (byte); phải đúng bằng kích thước tệp gửi lên")
    content_type: str | None = Field(default=None, max_length=120,
                                     description="Loại tệp do máy khai báo; không được tin, loại thật xác định "
                                                 "từ nội dung khi xác nhận")
    criterion_codes: list[str] = Field(default_factory=list, description="Tiêu chí, ví dụ ['1.1', '2.3']")
    title: SingleLine | None = Field(default=None, max_length=500)
    description: str | None = Field(default=None, max_length=4000)
    replaces_id: uuid.UUID | None = Field(default=None,
                                          description="Minh chứng cũ (của bản đã nộp) mà tệp này thay thế")


class UploadTicket(BaseModel):
    upload_id: uuid.UUID
    url: str = Field(description="Gửi toàn bộ tệp bằng PUT tới địa chỉ này (không cần đăng nhập), đúng số byte "
                                 "đã khai báo, trong tối đa 15 phút; mất kết nối thì gửi lại cả tệp tới cùng địa "
                                 "chỉ khi còn hạn. 412: tệp đã được nhận đủ, hãy xác nhận (complete); địa chỉ "
                                 "không dùng lại được sau khi xác nhận")
    method: Literal["PUT"] = "PUT"
    headers: dict[str, str] = Field(default_factory=dict, description="Header gửi kèm yêu cầu PUT")
    expires_at: LocalDateTime
