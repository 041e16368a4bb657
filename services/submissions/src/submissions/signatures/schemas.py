"""API shapes of digital signatures on submitted reports."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from edudx_common.timezone import LocalDateTime


class SignatureState(StrEnum):
    SIGNED = "signed"  # the version under review carries a valid signature
    NOT_SIGNED = "not_signed"
    INVALID = "invalid"  # a signature is on record, but not for the version under review


SIGNATURE_LABELS_VI = {
    SignatureState.SIGNED: "Đã ký số",
    SignatureState.NOT_SIGNED: "Chưa ký số",
    SignatureState.INVALID: "Chữ ký không hợp lệ",
}


class SignedReportRead(BaseModel):
    """What was verified when the signed file was accepted."""

    model_config = ConfigDict(from_attributes=True)

    version_number: int = Field(description="Phiên bản đã nộp được ký")
    signer_name: str = Field(description="Tên người ký trên chứng thư số")
    signer_subject: str
    signer_issuer: str = Field(description="Tổ chức chứng thực cấp chứng thư số")
    signer_serial: str
    certificate_valid_until: LocalDateTime
    signing_time: LocalDateTime | None = Field(description="Thời điểm ký do phần mềm ký ghi")
    timestamp_time: LocalDateTime | None = Field(description="Thời điểm theo dấu thời gian (timestamp) tin cậy")
    seal_name: str | None = Field(description="Chữ ký số của cơ quan, tổ chức (con dấu), nếu có")
    seal_subject: str | None
    name_matches: bool = Field(description="Tên trên chứng thư số trùng tên Hiệu trưởng trong EduDX")
    warnings: list[str]
    sha256: str
    size: int
    uploaded_by_name: str | None
    uploaded_at: LocalDateTime


class SignatureStatusRead(BaseModel):
    state: SignatureState
    label: str = Field(description="Ví dụ 'Đã ký số'")
    reason: str | None = Field(description="Vì sao chưa ký hoặc không hợp lệ")
    required: bool = Field(description="Đợt báo cáo yêu cầu chữ ký số hợp lệ trước khi phê duyệt")
    current_version: int | None = Field(description="Phiên bản đã nộp mới nhất (phiên bản cần ký)")
    signature: SignedReportRead | None = Field(description="Chữ ký đã được chấp nhận gần nhất")
