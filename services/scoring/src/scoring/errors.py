"""Problems the scoring service raises on purpose."""

from __future__ import annotations

from edudx_common.errors import Conflict, Forbidden, NotFound, Unprocessable


class RubricNotFound(NotFound):
    code = "rubric_not_found"
    title = "Không tìm thấy bộ tiêu chí"


class RubricInvalid(Unprocessable):
    code = "rubric_invalid"
    title = "Bộ tiêu chí không hợp lệ"


class RubricFileInvalid(Unprocessable):
    code = "rubric_file_invalid"
    title = "Tệp bộ tiêu chí không đọc được"


class SubmissionNotFound(NotFound):
    code = "submission_not_found"
    title = "Không tìm thấy báo cáo"


class CampaignNotFound(NotFound):
    code = "campaign_not_found"
    title = "Không tìm thấy đợt báo cáo"


class NoRubric(Conflict):
    code = "campaign_without_rubric"
    title = "Đợt báo cáo không chấm điểm theo bộ tiêu chí"


class NotAllowed(Forbidden):
    code = "not_allowed"
    title = "Bạn không có quyền thực hiện thao tác này"


class CampaignClosed(Conflict):
    code = "campaign_closed"
    title = "Đợt báo cáo đã đóng"


class ScoresLocked(Conflict):
    code = "scores_locked"
    title = "Không thể chấm điểm ở trạng thái hiện tại của báo cáo"


class InvalidScores(Unprocessable):
    code = "invalid_scores"
    title = "Điểm không hợp lệ"


class EvidenceMissing(Unprocessable):
    code = "evidence_required"
    title = "Tiêu chí cần minh chứng"


class ResultsNotPublished(NotFound):
    code = "results_not_published"
    title = "Kết quả chưa được công bố"


class InvalidEvent(Unprocessable):
    code = "invalid_event"
    title = "Sự kiện không hợp lệ"


class CopyNotCurrent(Conflict):
    """Scoring's copy of the submission states disagrees with submissions in a way it cannot settle now."""

    code = "copy_not_current"
    title = "Dữ liệu chưa cập nhật kịp"


class ResultsSigningNotConfigured(Conflict):
    code = "results_signing_not_configured"
    title = "Chưa cấu hình chứng thư số của cơ quan"
