"""Problems identity raises on purpose. Codes are stable; titles are Vietnamese."""

from __future__ import annotations

from edudx_common.errors import (
    Conflict,
    Forbidden,
    NotFound,
    PayloadTooLarge,
    ProblemError,
    TooManyRequests,
    Unauthorized,
    Unprocessable,
)


class UnitNotFound(NotFound):
    code = "unit_not_found"
    title = "Không tìm thấy đơn vị"


class UserNotFound(NotFound):
    code = "user_not_found"
    title = "Không tìm thấy người dùng"


class UnitCodeTaken(Conflict):
    code = "unit_code_taken"
    title = "Mã đơn vị đã tồn tại"


class EmailTaken(Conflict):
    code = "email_taken"
    title = "Địa chỉ e-mail đã được dùng cho tài khoản khác"


class InvalidTreeChange(Conflict):
    code = "invalid_tree_change"
    title = "Không thể thay đổi cây đơn vị như yêu cầu"


class UnitInactive(Conflict):
    code = "unit_inactive"
    title = "Đơn vị đã ngừng hoạt động"


class OutOfScope(Forbidden):
    code = "out_of_scope"
    title = "Ngoài phạm vi quản lý của bạn"


class InvalidRoles(Unprocessable):
    code = "invalid_roles"
    title = "Vai trò không phù hợp"


class InvalidCredentials(Unauthorized):
    code = "invalid_credentials"
    title = "E-mail hoặc mật khẩu không đúng"


class InvalidRefreshToken(Unauthorized):
    code = "invalid_refresh_token"
    title = "Phiên đăng nhập đã hết hạn hoặc bị thu hồi"


class InvalidClient(Unauthorized):
    code = "invalid_client"
    title = "Thông tin xác thực dịch vụ không đúng"


class InvalidTarget(Unprocessable):
    code = "invalid_target"
    title = "Dịch vụ được yêu cầu mã truy cập không tồn tại"


class TooManyAttempts(TooManyRequests):
    code = "too_many_attempts"
    title = "Đăng nhập sai quá nhiều lần, vui lòng thử lại sau"


class TooManyRequestsFromAddress(TooManyRequests):
    code = "rate_limited"
    title = "Quá nhiều yêu cầu từ địa chỉ của bạn, vui lòng thử lại sau"


class InvalidPasswordToken(Unprocessable):
    code = "invalid_password_token"
    title = "Liên kết đặt mật khẩu không hợp lệ hoặc đã hết hạn"


class WeakPassword(Unprocessable):
    code = "weak_password"
    title = "Mật khẩu chưa đủ mạnh"


class ImportRejected(Unprocessable):
    code = "import_rejected"
    title = "Tệp nhập có dòng không hợp lệ, chưa ghi dữ liệu nào"


class ImportFileInvalid(Unprocessable):
    code = "import_file_invalid"
    title = "Không đọc được tệp nhập"


class ImportTooLarge(PayloadTooLarge):
    code = "import_too_large"
    title = "Tệp nhập quá lớn"


class IntegrationClientNotFound(NotFound):
    code = "integration_client_not_found"
    title = "Không tìm thấy ứng dụng tích hợp"


class OAuthError(ProblemError):
    """An RFC 6749 §5.2 error of the integration token endpoint: answered as `{error, error_description}`, the shape
    OAuth libraries read, not as problem+json (identity.integrations.router installs the handler)."""

    code = "oauth_error"
    title = "Yêu cầu cấp mã truy cập không hợp lệ"

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description, headers={"WWW-Authenticate": 'Basic realm="edudx"'} if self.status == 401
                         else None)
        self.error = error


class OAuthInvalidClient(OAuthError):
    """Unknown client, wrong secret, expired or revoked: 401, counted by the per-address limit like a bad login."""

    status = 401

    def __init__(self, description: str) -> None:
        super().__init__("invalid_client", description)


class ClusterNotFound(NotFound):
    code = "cluster_not_found"
    title = "Không tìm thấy cụm trường"


class ClusterCodeTaken(Conflict):
    code = "cluster_code_taken"
    title = "Mã cụm trường đã được dùng"


class ReorganisationNotFound(NotFound):
    code = "reorganisation_not_found"
    title = "Không tìm thấy đợt sắp xếp đơn vị"


class ReorganisationNotPending(Conflict):
    code = "reorganisation_not_pending"
    title = "Đợt sắp xếp đã xác nhận hoặc đã huỷ"


class InvalidReorganisation(Unprocessable):
    code = "invalid_reorganisation"
    title = "Đợt sắp xếp đơn vị không hợp lệ"


class CommuneGrantNotFound(NotFound):
    code = "commune_grant_not_found"
    title = "Không tìm thấy quyền bổ sung của cán bộ xã/phường"


class CommuneGrantOverlaps(Conflict):
    code = "commune_grant_overlaps"
    title = "Cán bộ đã có quyền bổ sung còn hiệu lực do Sở này cấp"


class InvalidCommuneGrant(Unprocessable):
    code = "invalid_commune_grant"
    title = "Quyền bổ sung cho cán bộ xã/phường không hợp lệ"
