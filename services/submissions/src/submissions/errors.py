"""Problems the submissions service raises on purpose."""

from __future__ import annotations

from edudx_common.errors import Conflict, Forbidden, NotFound, PayloadTooLarge, PreconditionFailed, Unprocessable


class SchoolYearNotFound(NotFound):
    code = "school_year_not_found"
    title = "Không tìm thấy năm học"


class SchoolYearExists(Conflict):
    code = "school_year_exists"
    title = "Năm học đã tồn tại"


class OutlineNotFound(NotFound):
    code = "outline_not_found"
    title = "Không tìm thấy đề cương"


class InvalidOutline(Unprocessable):
    code = "invalid_outline"
    title = "Đề cương không hợp lệ"


class CampaignNotFound(NotFound):
    code = "campaign_not_found"
    title = "Không tìm thấy đợt báo cáo"


class CampaignStateConflict(Conflict):
    code = "campaign_state_conflict"
    title = "Trạng thái đợt báo cáo không cho phép thao tác này"


class InvalidLateCutoff(Unprocessable):
    code = "invalid_late_cutoff"
    title = "Hạn chót nhận báo cáo muộn không hợp lệ"


class InvalidTargets(Unprocessable):
    code = "invalid_targets"
    title = "Đối tượng báo cáo không hợp lệ"


class SubmissionNotFound(NotFound):
    code = "submission_not_found"
    title = "Không tìm thấy báo cáo"


class SubmissionStateConflict(Conflict):
    code = "submission_state_conflict"
    title = "Trạng thái báo cáo không cho phép thao tác này"


class StaleSubmission(PreconditionFailed):
    code = "stale_submission"
    title = "Báo cáo đã được người khác lưu trước"


class InvalidContent(Unprocessable):
    code = "invalid_content"
    title = "Nội dung báo cáo không hợp lệ"


class IncompleteSubmission(Unprocessable):
    code = "incomplete_submission"
    title = "Báo cáo còn thiếu nội dung bắt buộc"


class DeadlinePassed(Conflict):
    code = "deadline_passed"
    title = "Đã hết hạn nộp báo cáo"


class GroupUnitNotFound(NotFound):
    code = "group_unit_not_found"
    title = "Không tìm thấy đơn vị tổng hợp"


class NotAllowed(Forbidden):
    code = "not_allowed"
    title = "Bạn không có quyền thực hiện thao tác này"


class SignatureRefused(Unprocessable):
    """`extra.reason` names the check that failed (e.g. `modified_after_signing`, `other_version`)."""

    code = "signature_refused"
    title = "Tệp đã ký không được chấp nhận"


class SignatureRequired(Conflict):
    code = "signature_required"
    title = "Cần chữ ký số hợp lệ của Hiệu trưởng trước khi phê duyệt"


class SignedFileTooLarge(PayloadTooLarge):
    code = "signed_file_too_large"
    title = "Tệp đã ký quá lớn"


class NotSigned(Conflict):
    code = "not_signed"
    title = "Báo cáo chưa có bản đã ký số"


class InvalidEvent(Unprocessable):
    code = "invalid_event"
    title = "Sự kiện không hợp lệ"


class InvalidBoardFilter(Unprocessable):
    code = "invalid_board_filter"
    title = "Bộ lọc hoặc cách sắp xếp danh sách không hợp lệ"


class ReviewerNotAssignable(Conflict):
    """The reviewer declined this school (conflict of interest) or may not review the campaign."""

    code = "reviewer_not_assignable"
    title = "Không phân công được người thẩm định này"


class ApprovalRefused(Conflict):
    """A guard of the approval failed: `extra.reasons` lists every one, `extra.unit_name` and
    `extra.final_score` name what a confirmation must repeat."""

    code = "approval_refused"
    title = "Chưa phê duyệt được báo cáo"


class BulkActionNotFound(NotFound):
    code = "bulk_action_not_found"
    title = "Không tìm thấy thao tác hàng loạt"


class BulkActionClosed(Conflict):
    code = "bulk_action_closed"
    title = "Thao tác hàng loạt đã chạy hoặc đã huỷ"
