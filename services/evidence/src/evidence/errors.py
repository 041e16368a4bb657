"""Problems the evidence service raises on purpose."""

from __future__ import annotations

from edudx_common.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    PayloadTooLarge,
    ServiceUnavailable,
    Unprocessable,
)


class SubmissionNotFound(NotFound):
    code = "submission_not_found"
    title = "Không tìm thấy báo cáo"


class EvidenceNotFound(NotFound):
    code = "evidence_not_found"
    title = "Không tìm thấy minh chứng"


class UploadNotFound(NotFound):
    code = "upload_not_found"
    title = "Không tìm thấy lượt tải lên"


class NotAllowed(Forbidden):
    code = "not_allowed"
    title = "Bạn không có quyền thực hiện thao tác này"


class SubmissionLocked(Conflict):
    code = "submission_locked"
    title = "Báo cáo đã nộp, không thể thay đổi minh chứng"


class EvidenceImmutable(Conflict):
    code = "evidence_immutable"
    title = "Minh chứng thuộc bản đã nộp, không thể xóa"


class FileTooLarge(PayloadTooLarge):
    code = "file_too_large"
    title = "Tệp vượt quá dung lượng cho phép"


class QuotaExceeded(PayloadTooLarge):
    code = "quota_exceeded"
    title = "Vượt quá dung lượng minh chứng của báo cáo"


class UnsupportedFile(Unprocessable):
    code = "unsupported_file"
    title = "Loại tệp không được chấp nhận"


class EmptyFile(Unprocessable):
    code = "empty_file"
    title = "Tệp rỗng"


class InvalidUpload(Unprocessable):
    code = "invalid_upload"
    title = "Yêu cầu tải lên không hợp lệ"


class MalformedUpload(BadRequest):
    code = "malformed_upload"
    title = "Dữ liệu tải lên bị hỏng"


class InvalidLink(Unprocessable):
    code = "invalid_link"
    title = "Đường liên kết không hợp lệ"


class ReviewReasonRequired(Unprocessable):
    code = "review_reason_required"
    title = "Cần ghi lý do thẩm định"


class StorageUnavailable(ServiceUnavailable):
    code = "storage_unavailable"
    title = "Kho lưu trữ tệp tạm thời không sẵn sàng"
