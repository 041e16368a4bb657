from __future__ import annotations

from typing import Literal

from pydantic import Field

from edudx_common.types import RequestModel
from evidence.files.schemas import EvidenceRead as EvidenceRead  # what this feature's routes answer


class ReviewCreate(RequestModel):
    state: Literal["accepted", "insufficient", "wrong"] = Field(
        description="accepted (đạt) | insufficient (chưa đủ) | wrong (sai tài liệu, hết hạn, sai cơ quan ban hành)")
    reason: str | None = Field(default=None, max_length=2000, description="Bắt buộc khi không phải accepted")
