"""Problems the notifications service raises on purpose."""

from __future__ import annotations

from edudx_common.errors import Conflict, Forbidden, NotFound, Unprocessable


class CampaignNotFound(NotFound):
    code = "campaign_not_found"
    title = "Không tìm thấy đợt báo cáo"


class InvalidPolicy(Unprocessable):
    code = "invalid_reminder_policy"
    title = "Lịch nhắc hạn không hợp lệ"


class FeedItemNotFound(NotFound):
    code = "feed_item_not_found"
    title = "Không tìm thấy thông báo"


class MandatoryCategory(Unprocessable):
    code = "mandatory_category"
    title = "Không thể tắt loại thư này"


class CalendarFeedNotFound(NotFound):
    code = "calendar_feed_not_found"
    title = "Không tìm thấy lịch hạn nộp"


class DeliveryNotFound(NotFound):
    code = "delivery_not_found"
    title = "Không tìm thấy thư"


class DeliveryStateConflict(Conflict):
    code = "delivery_state_conflict"
    title = "Trạng thái thư không cho phép thao tác này"


class UnitNotFound(NotFound):
    code = "unit_not_found"
    title = "Không tìm thấy đơn vị"


class NotAllowed(Forbidden):
    code = "not_allowed"
    title = "Bạn không có quyền thực hiện thao tác này"


class InvalidEvent(Unprocessable):
    code = "invalid_event"
    title = "Sự kiện không hợp lệ"


class WebhookNotFound(NotFound):
    code = "webhook_not_found"
    title = "Không tìm thấy webhook"


class WebhookStateConflict(Conflict):
    code = "webhook_state_conflict"
    title = "Trạng thái webhook không cho phép thao tác này"


class WebhookDeliveryNotFound(NotFound):
    code = "webhook_delivery_not_found"
    title = "Không tìm thấy lần gửi webhook"
