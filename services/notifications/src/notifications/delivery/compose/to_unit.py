"""The notifications addressed to one unit (a school, or an authority that has to submit): reminders,
a campaign published, deadlines changed or extended, a report returned or approved, results published, and a
webhook switched off (to the admins of the unit that registered it)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from edudx_common.auth import Role
from edudx_common.timezone import format_vn
from notifications.campaigns.models import OUTSTANDING, CampaignState, TargetState, TrackedCampaign, TrackedTarget
from notifications.delivery.compose.addressing import (
    Composition,
    World,
    deadline_and_countdown,
    greeting,
    to_authority,
    to_unit,
    why_unit,
)
from notifications.delivery.models import Notification
from notifications.delivery.payloads import (
    CampaignPublishedData,
    DeadlineChangedData,
    ExtensionChangedData,
    ManualReminderData,
    ReminderData,
    ResultsPublishedData,
    SubmissionApprovedData,
    SubmissionReturnedData,
    WebhookDisabledData,
    data_of,
)
from notifications.delivery.templates import Content, Table
from notifications.kinds import NotificationKind
from notifications.preferences.categories import Category
from notifications.timing import countdown_text


def _still_to_submit(notification: Notification, world: World,
                     unit_id: uuid.UUID) -> tuple[TrackedCampaign, TrackedTarget] | Composition:
    """The open campaign and the unit's target while the unit still has to submit; otherwise why not, as a
    skipped composition (the school submitted between planning and now, the campaign closed …)."""
    campaign = world.campaigns.get(notification.campaign_id) if notification.campaign_id else None
    target = world.targets.get((notification.campaign_id, unit_id)) if notification.campaign_id else None
    if campaign is None or campaign.status != CampaignState.OPEN.value:
        return Composition(skipped="Đợt báo cáo không còn mở.")
    if target is None or target.withdrawn:
        return Composition(skipped="Đơn vị không còn phải nộp báo cáo này.")
    if target.state not in OUTSTANDING:
        return Composition(skipped="Đơn vị đã nộp báo cáo.")
    return campaign, target


def _reminder(notification: Notification, world: World, unit_id: uuid.UUID) -> Composition:
    found = _still_to_submit(notification, world, unit_id)
    if isinstance(found, Composition):
        return found
    campaign, target = found
    data = data_of(notification, ReminderData)
    if target.due_at != data.due_at:
        return Composition(skipped="Hạn nộp của đơn vị đã thay đổi; lịch nhắc đã được lập lại.")
    unit = world.units.get(unit_id)
    name = unit.name if unit else "Đơn vị"
    countdown = countdown_text(target.due_at, world.now)
    returned = target.state == TargetState.RETURNED.value
    overdue = target.due_at <= world.now
    if overdue:
        subject = f"[EduDX] Báo cáo quá hạn nộp ({countdown}): {campaign.title}"
        text = (f"Đã quá hạn nộp báo cáo “{campaign.title}” nhưng {name} chưa "
                f"{'nộp lại' if returned else 'nộp'}. Đề nghị đơn vị khẩn trương hoàn thành và nộp báo cáo.")
    elif data.slot == "due_day":
        subject = f"[EduDX] Hôm nay là hạn nộp báo cáo: {campaign.title}"
        text = f"Hôm nay là hạn {'nộp lại' if returned else 'nộp'} báo cáo “{campaign.title}”; {name} chưa nộp."
    else:
        subject = f"[EduDX] Nhắc hạn nộp báo cáo ({countdown}): {campaign.title}"
        text = f"{name} chưa {'nộp lại' if returned else 'nộp'} báo cáo “{campaign.title}”."
    if returned:
        text += " Báo cáo đã được trả lại để chỉnh sửa, bổ sung."
    link = (world.links.submission(target.submission_id) if target.submission_id
            else world.links.campaign(campaign.id))
    facts = [("Đợt báo cáo", campaign.title),
             ("Hạn nộp lại" if returned else "Hạn nộp", f"{format_vn(target.due_at)} ({countdown})")]
    content = Content(
        subject=subject, greeting=greeting(unit, unit_id), paragraphs=[text], facts=facts,
        action=("Mở báo cáo" if target.submission_id else "Xem đợt báo cáo", world.links.absolute(link)),
        why=why_unit(Category.DEADLINE_REMINDERS, world.links),
        feed_title=f"{'Quá hạn' if overdue else 'Nhắc hạn'} nộp: {campaign.title}",
        feed_body=f"Hạn nộp: {format_vn(target.due_at)} ({countdown}).")
    return Composition([to_unit(world, unit_id, Category.DEADLINE_REMINDERS, content, link,
                               with_commune=True)])


def _published(notification: Notification, world: World, unit_id: uuid.UUID) -> Composition:
    data = data_of(notification, CampaignPublishedData)
    campaign = world.campaigns.get(notification.campaign_id) if notification.campaign_id else None
    target = world.targets.get((notification.campaign_id, unit_id)) if notification.campaign_id else None
    if campaign is not None and campaign.status != CampaignState.OPEN.value:
        return Composition(skipped="Đợt báo cáo không còn mở.")
    if target is not None and target.withdrawn:
        return Composition(skipped="Đơn vị không còn phải nộp báo cáo này.")
    title = campaign.title if campaign else data.title
    due = target.due_at if target else data.due_at
    issuer = world.units.get(data.issuer_unit_id) if data.issuer_unit_id else None
    unit = world.units.get(unit_id)
    link = world.links.campaign(notification.campaign_id or data.campaign_id)
    content = Content(
        subject=f"[EduDX] Đợt báo cáo mới: {title}", greeting=greeting(unit, unit_id),
        paragraphs=[f"{issuer.name if issuer else 'Cơ quan quản lý'} đã ban hành đợt báo cáo “{title}”. "
                    f"{unit.name if unit else 'Đơn vị'} là đơn vị phải nộp báo cáo.",
                    "Đề nghị đơn vị xem hướng dẫn, chuẩn bị nội dung, minh chứng và nộp báo cáo đúng hạn."],
        facts=[("Hạn nộp", deadline_and_countdown(due, world.now))],
        action=("Xem đợt báo cáo", world.links.absolute(link)), why=why_unit(Category.CAMPAIGN_PUBLISHED, world.links),
        feed_title=f"Đợt báo cáo mới: {title}", feed_body=f"Hạn nộp: {format_vn(due)}.")
    return Composition([to_unit(world, unit_id, Category.CAMPAIGN_PUBLISHED, content, link)])


def _deadline_changed(notification: Notification, world: World, unit_id: uuid.UUID) -> Composition:
    found = _still_to_submit(notification, world, unit_id)
    if isinstance(found, Composition):
        return found
    campaign, target = found
    if target.state == TargetState.RETURNED.value:
        return Composition(skipped="Đơn vị có hạn nộp lại riêng, không đổi theo hạn chung.")
    if target.extension_due_at is not None:
        return Composition(skipped="Đơn vị có hạn riêng (gia hạn), không đổi theo hạn chung.")
    changed = data_of(notification, DeadlineChangedData)
    old, new = changed.old_due_at, changed.due_at
    unit = world.units.get(unit_id)
    link = world.links.campaign(campaign.id)
    content = Content(
        subject=f"[EduDX] Thay đổi hạn nộp báo cáo: {campaign.title}", greeting=greeting(unit, unit_id),
        paragraphs=[f"Hạn nộp báo cáo “{campaign.title}” đã được điều chỉnh."],
        facts=[("Hạn cũ", format_vn(old)), ("Hạn mới", deadline_and_countdown(new, world.now))],
        action=("Xem đợt báo cáo", world.links.absolute(link)), why=why_unit(Category.DEADLINE_REMINDERS, world.links),
        feed_title=f"Thay đổi hạn nộp: {campaign.title}", feed_body=f"Hạn mới: {format_vn(new)}.")
    return Composition([to_unit(world, unit_id, Category.DEADLINE_REMINDERS, content, link)])


def _extension(notification: Notification, world: World, unit_id: uuid.UUID) -> Composition:
    found = _still_to_submit(notification, world, unit_id)
    if isinstance(found, Composition):
        return found
    campaign, _target = found
    data = data_of(notification, ExtensionChangedData)
    extended = data.extension_due_at
    unit = world.units.get(unit_id)
    link = world.links.campaign(campaign.id)
    if extended:
        due = extended
        subject = f"[EduDX] Đơn vị được gia hạn nộp báo cáo: {campaign.title}"
        text = f"{unit.name if unit else 'Đơn vị'} được gia hạn nộp báo cáo “{campaign.title}”."
        if data.reason:
            text += f" Lý do: {data.reason}"
    else:
        due = campaign.due_at
        subject = f"[EduDX] Hủy gia hạn nộp báo cáo: {campaign.title}"
        text = f"Gia hạn nộp báo cáo “{campaign.title}” của đơn vị đã được hủy; áp dụng hạn chung của đợt báo cáo."
    content = Content(
        subject=subject, greeting=greeting(unit, unit_id), paragraphs=[text],
        facts=[("Hạn nộp", deadline_and_countdown(due, world.now))],
        action=("Xem đợt báo cáo", world.links.absolute(link)), why=why_unit(Category.DEADLINE_REMINDERS, world.links),
        feed_title=subject.removeprefix("[EduDX] "), feed_body=f"Hạn nộp: {format_vn(due)}.")
    return Composition([to_unit(world, unit_id, Category.DEADLINE_REMINDERS, content, link)])


def _manual_reminder(notification: Notification, world: World, unit_id: uuid.UUID) -> Composition:
    """A reviewer's "remind now": sent only while the school still has to submit (it may have since)."""
    found = _still_to_submit(notification, world, unit_id)
    if isinstance(found, Composition):
        return found
    campaign, target = found
    data = data_of(notification, ManualReminderData)
    unit = world.units.get(unit_id)
    countdown = countdown_text(target.due_at, world.now)
    returned = target.state == TargetState.RETURNED.value
    subject = f"[EduDX] Cơ quan quản lý nhắc nộp báo cáo: {campaign.title}"
    paragraphs = [f"{unit.name if unit else 'Đơn vị'} chưa {'nộp lại' if returned else 'nộp'} báo cáo "
                  f"“{campaign.title}”. Đề nghị đơn vị hoàn thành và nộp báo cáo."]
    if data.message:
        paragraphs.append(f"Lời nhắn{' của ' + data.requested_by_name if data.requested_by_name else ''}: "
                          f"{data.message}")
    link = (world.links.submission(target.submission_id) if target.submission_id
            else world.links.campaign(campaign.id))
    content = Content(
        subject=subject, greeting=greeting(unit, unit_id), paragraphs=paragraphs,
        facts=[("Hạn nộp lại" if returned else "Hạn nộp", f"{format_vn(target.due_at)} ({countdown})")],
        action=("Mở báo cáo" if target.submission_id else "Xem đợt báo cáo", world.links.absolute(link)),
        why=why_unit(Category.DEADLINE_REMINDERS, world.links),
        feed_title=f"Nhắc nộp báo cáo: {campaign.title}",
        feed_body=data.message or f"Hạn nộp: {format_vn(target.due_at)}.")
    return Composition([to_unit(world, unit_id, Category.DEADLINE_REMINDERS, content, link,
                               with_commune=True)])


def _returned(notification: Notification, world: World, unit_id: uuid.UUID) -> Composition:
    data = data_of(notification, SubmissionReturnedData)
    title = data.campaign_title or "báo cáo"
    unit = world.units.get(unit_id)
    due = data.resubmission_due_at
    reasons: dict[str, Any] = data.reasons
    rows = ([("Nhận xét chung", str(reasons["general"]))] if reasons.get("general") else [])
    rows += [(f"Mục {key}", str(text)) for key, text in (reasons.get("sections") or {}).items()]
    rows += [(f"Tiêu chí {key}", str(text)) for key, text in (reasons.get("criteria") or {}).items()]
    link = world.links.submission(data.submission_id)
    content = Content(
        subject=f"[EduDX] Báo cáo bị trả lại: {title}", greeting=greeting(unit, unit_id),
        paragraphs=[f"Báo cáo “{title}” của {unit.name if unit else 'đơn vị'} đã được trả lại để chỉnh sửa, bổ sung "
                    "theo nhận xét của người thẩm định dưới đây. Đề nghị đơn vị chỉnh sửa và nộp lại đúng hạn."],
        facts=[("Hạn nộp lại", deadline_and_countdown(due, world.now))],
        table=Table(header=("Nội dung", "Nhận xét của người thẩm định"), rows=rows) if rows else None,
        action=("Mở báo cáo", world.links.absolute(link)), why=why_unit(Category.SUBMISSION_UPDATES, world.links),
        feed_title=f"Báo cáo bị trả lại: {title}", feed_body=f"Hạn nộp lại: {format_vn(due)}.")
    return Composition([to_unit(world, unit_id, Category.SUBMISSION_UPDATES, content, link)])


def _approved(notification: Notification, world: World, unit_id: uuid.UUID) -> Composition:
    data = data_of(notification, SubmissionApprovedData)
    title = data.campaign_title or "báo cáo"
    unit = world.units.get(unit_id)
    link = world.links.submission(data.submission_id)
    paragraphs = [f"Báo cáo “{title}” của {unit.name if unit else 'đơn vị'} đã được duyệt."]
    if data.comment:
        paragraphs.append(f"Ý kiến của người thẩm định: {data.comment}")
    content = Content(
        subject=f"[EduDX] Báo cáo đã được duyệt: {title}", greeting=greeting(unit, unit_id), paragraphs=paragraphs,
        action=("Mở báo cáo", world.links.absolute(link)), why=why_unit(Category.SUBMISSION_UPDATES, world.links),
        feed_title=f"Báo cáo đã được duyệt: {title}", feed_body=paragraphs[-1])
    return Composition([to_unit(world, unit_id, Category.SUBMISSION_UPDATES, content, link)])


def _results(notification: Notification, world: World, unit_id: uuid.UUID) -> Composition:
    data = data_of(notification, ResultsPublishedData)
    title = data.campaign_title or "đợt báo cáo"
    unit = world.units.get(unit_id)
    link = world.links.campaign(data.campaign_id)
    content = Content(
        subject=f"[EduDX] Đã công bố kết quả đánh giá: {title}", greeting=greeting(unit, unit_id),
        paragraphs=[f"Kết quả đánh giá đợt báo cáo “{title}” đã được công bố. Đơn vị có thể xem điểm, xếp loại và "
                    "nhận xét trên hệ thống."],
        action=("Xem kết quả", world.links.absolute(link)), why=why_unit(Category.RESULTS, world.links),
        feed_title=f"Đã công bố kết quả: {title}", feed_body="Kết quả đánh giá đã được công bố.")
    return Composition([to_unit(world, unit_id, Category.RESULTS, content, link)])


def _webhook_disabled(notification: Notification, world: World, unit_id: uuid.UUID) -> Composition:
    data = data_of(notification, WebhookDisabledData)
    unit = world.units.get(unit_id)
    link = "/admin/integrations"
    content = Content(
        subject="[EduDX] Webhook đã bị tự động tắt", greeting=greeting(unit, unit_id),
        paragraphs=[f"Webhook gửi tới {data.url} đã bị tắt vì nhiều lần gửi liên tiếp không thành công: "
                    f"{data.reason}",
                    "Hãy kiểm tra máy chủ nhận rồi bật lại webhook (PATCH /api/notifications/webhooks/"
                    f"{data.subscription_id} với enabled = true); nhật ký gửi cho biết câu trả lời gần nhất."],
        action=("Mở EduDX", world.links.absolute(link)),
        why="Anh/chị nhận thư này vì là quản trị viên của đơn vị đăng ký webhook; loại thư này không thể tắt.",
        feed_title="Webhook đã bị tự động tắt", feed_body=f"{data.url}: {data.reason}")
    return Composition([to_authority(world, unit_id, Role.AUTHORITY_ADMIN, Category.INTEGRATIONS, content, link,
                                     copy_contact=False)])


FOR_UNIT: dict[NotificationKind, Callable[[Notification, World, uuid.UUID], Composition]] = {
    NotificationKind.DEADLINE_REMINDER: _reminder,
    NotificationKind.CAMPAIGN_PUBLISHED: _published,
    NotificationKind.DEADLINE_CHANGED: _deadline_changed,
    NotificationKind.EXTENSION_CHANGED: _extension,
    NotificationKind.SUBMISSION_RETURNED: _returned,
    NotificationKind.SUBMISSION_APPROVED: _approved,
    NotificationKind.RESULTS_PUBLISHED: _results,
    NotificationKind.WEBHOOK_DISABLED: _webhook_disabled,
    NotificationKind.MANUAL_REMINDER: _manual_reminder,
}
