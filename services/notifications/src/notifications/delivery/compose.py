"""Who gets a notification and what it says, in Vietnamese: the rules of each kind.

Composition is pure: the expander loads everything it needs first (campaigns, targets, units and their
people from the directory, preferences) into a `World`, then asks `compose` for each notification. A
notification becomes zero or more `Delivery`s, one per unit whose people get it (a reminder: the school; an
escalation: each supervising authority with overdue units; a digest: each issuing authority).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from edudx_common.auth import Role
from edudx_common.timezone import format_vn
from notifications.campaigns.models import OUTSTANDING, CampaignState, TargetState, TrackedCampaign, TrackedTarget
from notifications.delivery.models import Notification
from notifications.delivery.payloads import (
    CampaignPublishedData,
    DeadlineChangedData,
    DigestData,
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
from notifications.directory.service import SCHOOL_ROLES, UnitInfo
from notifications.kinds import NotificationKind
from notifications.preferences.categories import Category
from notifications.timing import countdown_text, date_text

SCHOOL_TYPES = ("school", "center")
MAX_TABLE_ROWS = 200
MAX_NAMES = 10


@dataclass(frozen=True)
class Links:
    base_url: str

    def campaign(self, campaign_id: uuid.UUID | str) -> str:
        return f"/campaigns/{campaign_id}"

    def submission(self, submission_id: uuid.UUID | str) -> str:
        return f"/submissions/{submission_id}"

    def absolute(self, path: str) -> str:
        return self.base_url.rstrip("/") + path

    @property
    def account(self) -> str:
        return self.absolute("/account")


@dataclass(frozen=True)
class Delivery:
    unit_id: uuid.UUID
    unit: UnitInfo | None  # None: identity does not know the unit
    to: list[str]
    cc: list[str]
    feed_users: list[uuid.UUID]
    content: Content
    link: str  # SPA path
    category: Category

    @property
    def has_recipients(self) -> bool:
        return bool(self.to or self.cc)


@dataclass(frozen=True)
class Composition:
    deliveries: list[Delivery] = field(default_factory=list)
    skipped: str | None = None  # why nothing is sent


@dataclass
class World:
    """Everything composition reads, loaded by the expander for a batch of notifications."""

    now: datetime
    links: Links
    campaigns: dict[uuid.UUID, TrackedCampaign]
    targets: dict[tuple[uuid.UUID, uuid.UUID], TrackedTarget]
    units: dict[uuid.UUID, UnitInfo]
    muted: Callable[[uuid.UUID, Category], bool]
    overdue: dict[uuid.UUID, list[TrackedTarget]] = field(default_factory=dict)  # by campaign
    arrivals: dict[uuid.UUID, list[TrackedTarget]] = field(default_factory=dict)  # digest: by campaign


def compose(notification: Notification, world: World) -> Composition:
    kind = NotificationKind(notification.kind)
    if kind == NotificationKind.OVERDUE_ESCALATION:
        return _escalation(notification, world)
    if kind == NotificationKind.REVIEWER_DIGEST:
        return _digest(notification, world)
    assert notification.unit_id is not None
    return _FOR_UNIT[kind](notification, world, notification.unit_id)


# --- addressing ----------------------------------------------------------------------------------------


def _is_school(unit: UnitInfo | None) -> bool:
    return unit is None or unit.type in SCHOOL_TYPES


def _greeting(unit: UnitInfo | None, unit_id: uuid.UUID) -> str:
    name = unit.name if unit else f"đơn vị {unit_id}"
    if _is_school(unit):
        return f"Kính gửi: Hiệu trưởng và cán bộ phụ trách CNTT {name},"
    return f"Kính gửi: Lãnh đạo và bộ phận phụ trách CNTT {name},"


def _to_unit(world: World, unit_id: uuid.UUID, category: Category, content: Content, link: str, *,
             with_commune: bool = False) -> Delivery:
    """A unit that has to submit: its principal and IT officer (an authority: its admins), copied to its contact
    address; `with_commune` (reminders): also the officials of its commune a Sở granted `reminders`. People who
    muted an optional category get no e-mail but still get the feed item."""
    unit = world.units.get(unit_id)
    people = []
    if unit is not None:
        people = unit.with_roles(*SCHOOL_ROLES) if _is_school(unit) else unit.with_roles(Role.AUTHORITY_ADMIN)
        if with_commune:
            people += [p for p in _commune_grantees(world, unit) if p.user_id not in {q.user_id for q in people}]
    return _delivery(world, unit_id, unit, people, category, content, link, copy_contact=True)


def _commune_grantees(world: World, unit: UnitInfo) -> list[Any]:
    commune = world.units.get(unit.commune_id) if unit.commune_id else None
    return commune.reminder_grantees() if commune is not None else []


def _to_authority(world: World, unit_id: uuid.UUID, role: Role, category: Category, content: Content, link: str,
                  *, copy_contact: bool) -> Delivery:
    unit = world.units.get(unit_id)
    people = unit.with_roles(role) if unit is not None else []
    return _delivery(world, unit_id, unit, people, category, content, link, copy_contact=copy_contact)


def _delivery(world: World, unit_id: uuid.UUID, unit: UnitInfo | None, people: list[Any], category: Category,
              content: Content, link: str, *, copy_contact: bool) -> Delivery:
    content = replace(content, feed_url=world.links.absolute("/notifications"))
    to = list(dict.fromkeys(p.email for p in people if not world.muted(p.user_id, category)))
    cc = [unit.email] if copy_contact and unit is not None and unit.email and unit.email not in to else []
    return Delivery(unit_id=unit_id, unit=unit, to=to or cc, cc=cc if to else [],
                    feed_users=[p.user_id for p in people], content=content, link=link, category=category)


def _why_unit(category: Category, links: Links) -> str:
    if category == Category.DEADLINE_REMINDERS:
        return ("Anh/chị nhận thư này vì là Hiệu trưởng, cán bộ phụ trách CNTT hoặc địa chỉ đầu mối của đơn vị. "
                "Thư nhắc hạn nộp báo cáo của đơn vị mình không thể tắt.")
    return f"Có thể tắt loại thư này trong phần Tài khoản: {links.account}"


def _deadline_and_countdown(due: datetime, now: datetime) -> str:
    """'17:00 ngày 15/12/2026 (còn 3 ngày)'."""
    return f"{format_vn(due)} ({countdown_text(due, now)})"


# --- one unit ------------------------------------------------------------------------------------------


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
        subject=subject, greeting=_greeting(unit, unit_id), paragraphs=[text], facts=facts,
        action=("Mở báo cáo" if target.submission_id else "Xem đợt báo cáo", world.links.absolute(link)),
        why=_why_unit(Category.DEADLINE_REMINDERS, world.links),
        feed_title=f"{'Quá hạn' if overdue else 'Nhắc hạn'} nộp: {campaign.title}",
        feed_body=f"Hạn nộp: {format_vn(target.due_at)} ({countdown}).")
    return Composition([_to_unit(world, unit_id, Category.DEADLINE_REMINDERS, content, link,
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
        subject=f"[EduDX] Đợt báo cáo mới: {title}", greeting=_greeting(unit, unit_id),
        paragraphs=[f"{issuer.name if issuer else 'Cơ quan quản lý'} đã ban hành đợt báo cáo “{title}”. "
                    f"{unit.name if unit else 'Đơn vị'} là đơn vị phải nộp báo cáo.",
                    "Đề nghị đơn vị xem hướng dẫn, chuẩn bị nội dung, minh chứng và nộp báo cáo đúng hạn."],
        facts=[("Hạn nộp", _deadline_and_countdown(due, world.now))],
        action=("Xem đợt báo cáo", world.links.absolute(link)), why=_why_unit(Category.CAMPAIGN_PUBLISHED, world.links),
        feed_title=f"Đợt báo cáo mới: {title}", feed_body=f"Hạn nộp: {format_vn(due)}.")
    return Composition([_to_unit(world, unit_id, Category.CAMPAIGN_PUBLISHED, content, link)])


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
        subject=f"[EduDX] Thay đổi hạn nộp báo cáo: {campaign.title}", greeting=_greeting(unit, unit_id),
        paragraphs=[f"Hạn nộp báo cáo “{campaign.title}” đã được điều chỉnh."],
        facts=[("Hạn cũ", format_vn(old)), ("Hạn mới", _deadline_and_countdown(new, world.now))],
        action=("Xem đợt báo cáo", world.links.absolute(link)), why=_why_unit(Category.DEADLINE_REMINDERS, world.links),
        feed_title=f"Thay đổi hạn nộp: {campaign.title}", feed_body=f"Hạn mới: {format_vn(new)}.")
    return Composition([_to_unit(world, unit_id, Category.DEADLINE_REMINDERS, content, link)])


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
        subject=subject, greeting=_greeting(unit, unit_id), paragraphs=[text],
        facts=[("Hạn nộp", _deadline_and_countdown(due, world.now))],
        action=("Xem đợt báo cáo", world.links.absolute(link)), why=_why_unit(Category.DEADLINE_REMINDERS, world.links),
        feed_title=subject.removeprefix("[EduDX] "), feed_body=f"Hạn nộp: {format_vn(due)}.")
    return Composition([_to_unit(world, unit_id, Category.DEADLINE_REMINDERS, content, link)])


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
        subject=subject, greeting=_greeting(unit, unit_id), paragraphs=paragraphs,
        facts=[("Hạn nộp lại" if returned else "Hạn nộp", f"{format_vn(target.due_at)} ({countdown})")],
        action=("Mở báo cáo" if target.submission_id else "Xem đợt báo cáo", world.links.absolute(link)),
        why=_why_unit(Category.DEADLINE_REMINDERS, world.links),
        feed_title=f"Nhắc nộp báo cáo: {campaign.title}",
        feed_body=data.message or f"Hạn nộp: {format_vn(target.due_at)}.")
    return Composition([_to_unit(world, unit_id, Category.DEADLINE_REMINDERS, content, link,
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
        subject=f"[EduDX] Báo cáo bị trả lại: {title}", greeting=_greeting(unit, unit_id),
        paragraphs=[f"Báo cáo “{title}” của {unit.name if unit else 'đơn vị'} đã được trả lại để chỉnh sửa, bổ sung "
                    "theo nhận xét của người thẩm định dưới đây. Đề nghị đơn vị chỉnh sửa và nộp lại đúng hạn."],
        facts=[("Hạn nộp lại", _deadline_and_countdown(due, world.now))],
        table=Table(header=("Nội dung", "Nhận xét của người thẩm định"), rows=rows) if rows else None,
        action=("Mở báo cáo", world.links.absolute(link)), why=_why_unit(Category.SUBMISSION_UPDATES, world.links),
        feed_title=f"Báo cáo bị trả lại: {title}", feed_body=f"Hạn nộp lại: {format_vn(due)}.")
    return Composition([_to_unit(world, unit_id, Category.SUBMISSION_UPDATES, content, link)])


def _approved(notification: Notification, world: World, unit_id: uuid.UUID) -> Composition:
    data = data_of(notification, SubmissionApprovedData)
    title = data.campaign_title or "báo cáo"
    unit = world.units.get(unit_id)
    link = world.links.submission(data.submission_id)
    paragraphs = [f"Báo cáo “{title}” của {unit.name if unit else 'đơn vị'} đã được duyệt."]
    if data.comment:
        paragraphs.append(f"Ý kiến của người thẩm định: {data.comment}")
    content = Content(
        subject=f"[EduDX] Báo cáo đã được duyệt: {title}", greeting=_greeting(unit, unit_id), paragraphs=paragraphs,
        action=("Mở báo cáo", world.links.absolute(link)), why=_why_unit(Category.SUBMISSION_UPDATES, world.links),
        feed_title=f"Báo cáo đã được duyệt: {title}", feed_body=paragraphs[-1])
    return Composition([_to_unit(world, unit_id, Category.SUBMISSION_UPDATES, content, link)])


def _results(notification: Notification, world: World, unit_id: uuid.UUID) -> Composition:
    data = data_of(notification, ResultsPublishedData)
    title = data.campaign_title or "đợt báo cáo"
    unit = world.units.get(unit_id)
    link = world.links.campaign(data.campaign_id)
    content = Content(
        subject=f"[EduDX] Đã công bố kết quả đánh giá: {title}", greeting=_greeting(unit, unit_id),
        paragraphs=[f"Kết quả đánh giá đợt báo cáo “{title}” đã được công bố. Đơn vị có thể xem điểm, xếp loại và "
                    "nhận xét trên hệ thống."],
        action=("Xem kết quả", world.links.absolute(link)), why=_why_unit(Category.RESULTS, world.links),
        feed_title=f"Đã công bố kết quả: {title}", feed_body="Kết quả đánh giá đã được công bố.")
    return Composition([_to_unit(world, unit_id, Category.RESULTS, content, link)])


def _webhook_disabled(notification: Notification, world: World, unit_id: uuid.UUID) -> Composition:
    data = data_of(notification, WebhookDisabledData)
    unit = world.units.get(unit_id)
    link = "/admin/integrations"
    content = Content(
        subject="[EduDX] Webhook đã bị tự động tắt", greeting=_greeting(unit, unit_id),
        paragraphs=[f"Webhook gửi tới {data.url} đã bị tắt vì nhiều lần gửi liên tiếp không thành công: "
                    f"{data.reason}",
                    "Hãy kiểm tra máy chủ nhận rồi bật lại webhook (PATCH /api/notifications/webhooks/"
                    f"{data.subscription_id} với enabled = true); nhật ký gửi cho biết câu trả lời gần nhất."],
        action=("Mở EduDX", world.links.absolute(link)),
        why="Anh/chị nhận thư này vì là quản trị viên của đơn vị đăng ký webhook; loại thư này không thể tắt.",
        feed_title="Webhook đã bị tự động tắt", feed_body=f"{data.url}: {data.reason}")
    return Composition([_to_authority(world, unit_id, Role.AUTHORITY_ADMIN, Category.INTEGRATIONS, content, link,
                                      copy_contact=False)])


_FOR_UNIT: dict[NotificationKind, Callable[[Notification, World, uuid.UUID], Composition]] = {
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


# --- fanned out ----------------------------------------------------------------------------------------


def _escalation(notification: Notification, world: World) -> Composition:
    """Each supervising authority (the parent unit) gets the list of its overdue units with how late each is; the
    officials of a commune a Sở granted `reminders` get the list of the commune's overdue schools."""
    campaign = world.campaigns.get(notification.campaign_id) if notification.campaign_id else None
    if campaign is None or campaign.status != CampaignState.OPEN.value:
        return Composition(skipped="Đợt báo cáo không còn mở.")
    by_parent: dict[uuid.UUID, list[TrackedTarget]] = {}
    by_commune: dict[uuid.UUID, list[TrackedTarget]] = {}
    for target in world.overdue.get(campaign.id, []):
        unit = world.units.get(target.unit_id)
        if unit is not None and unit.parent_id is not None:
            by_parent.setdefault(unit.parent_id, []).append(target)
        if unit is not None and _commune_grantees(world, unit):
            assert unit.commune_id is not None
            by_commune.setdefault(unit.commune_id, []).append(target)
    if not by_parent:
        return Composition(skipped="Không có đơn vị quá hạn.")
    link = world.links.campaign(campaign.id)
    deliveries = []
    for parent_id, targets in by_parent.items():
        parent = world.units.get(parent_id)
        content = _overdue_list(world, campaign, targets, parent.name if parent else "đơn vị", link,
                                ask="Đề nghị đơn vị đôn đốc các đơn vị dưới đây.", below="trực thuộc")
        deliveries.append(_to_authority(world, parent_id, Role.AUTHORITY_ADMIN, Category.ESCALATIONS, content, link,
                                        copy_contact=True))
    for commune_id, targets in by_commune.items():
        commune = world.units[commune_id]
        content = _overdue_list(world, campaign, targets, commune.name, link,
                                ask="Đề nghị UBND phối hợp đôn đốc các trường dưới đây.", below="trên địa bàn")
        deliveries.append(_delivery(world, commune_id, commune, commune.reminder_grantees(), Category.ESCALATIONS,
                                    content, link, copy_contact=False))
    return Composition(deliveries)


def _overdue_list(world: World, campaign: TrackedCampaign, targets: list[TrackedTarget], addressee: str, link: str,
                  *, ask: str, below: str) -> Content:
    rows = [(_unit_name(world, t), format_vn(t.due_at), countdown_text(t.due_at, world.now),
             "Bị trả lại, chưa nộp lại" if t.state == TargetState.RETURNED.value else "Chưa nộp")
            for t in sorted(targets, key=lambda t: (t.due_at, _unit_name(world, t)))]
    more = f"… và {len(rows) - MAX_TABLE_ROWS} đơn vị khác." if len(rows) > MAX_TABLE_ROWS else None
    return Content(
        subject=f"[EduDX] {len(rows)} đơn vị quá hạn nộp báo cáo: {campaign.title}",
        greeting=f"Kính gửi: Lãnh đạo và bộ phận phụ trách CNTT {addressee},",
        paragraphs=[f"Đến {format_vn(world.now)}, {len(rows)} đơn vị {below} chưa nộp báo cáo “"
                    f"{campaign.title}” dù đã quá hạn. {ask}"],
        table=Table(header=("Đơn vị", "Hạn nộp", "Quá hạn", "Tình trạng"), rows=rows[:MAX_TABLE_ROWS], more=more),
        action=("Xem tình hình nộp báo cáo", world.links.absolute(link)),
        why=_why_unit(Category.ESCALATIONS, world.links),
        feed_title=f"{len(rows)} đơn vị quá hạn nộp: {campaign.title}",
        feed_body=", ".join(r[0] for r in rows[:MAX_NAMES]) + (" …" if len(rows) > MAX_NAMES else ""))


def _digest(notification: Notification, world: World) -> Composition:
    """Each issuing authority's reviewers: what came in since the last digest and what is overdue, per campaign."""
    by_issuer: dict[uuid.UUID, list[TrackedCampaign]] = {}
    for campaign in world.campaigns.values():
        if campaign.status == CampaignState.OPEN.value and (world.arrivals.get(campaign.id)
                                                            or world.overdue.get(campaign.id)):
            by_issuer.setdefault(campaign.issuer_unit_id, []).append(campaign)
    if not by_issuer:
        return Composition(skipped="Không có báo cáo mới hay đơn vị quá hạn.")
    day = date_text(data_of(notification, DigestData).until)
    deliveries = []
    for issuer_id, campaigns in by_issuer.items():
        issuer = world.units.get(issuer_id)
        rows, paragraphs = [], []
        arrived_total = overdue_total = 0
        for campaign in sorted(campaigns, key=lambda c: c.due_at):
            arrived = world.arrivals.get(campaign.id, [])
            overdue = world.overdue.get(campaign.id, [])
            arrived_total += len(arrived)
            overdue_total += len(overdue)
            rows.append((campaign.title, format_vn(campaign.due_at), str(len(arrived)), str(len(overdue))))
            if arrived:
                paragraphs.append(f"“{campaign.title}” – mới nộp: " + _names(world, arrived) + ".")
            if overdue:
                paragraphs.append(f"“{campaign.title}” – quá hạn: " + ", ".join(
                    f"{_unit_name(world, t)} ({countdown_text(t.due_at, world.now)})" for t in overdue[:MAX_NAMES])
                    + (f" và {len(overdue) - MAX_NAMES} đơn vị khác" if len(overdue) > MAX_NAMES else "") + ".")
        link = "/campaigns"
        content = Content(
            subject=f"[EduDX] Tổng hợp ngày {day}: {arrived_total} báo cáo mới, {overdue_total} đơn vị quá hạn",
            greeting=f"Kính gửi: Chuyên viên thẩm định {issuer.name if issuer else 'đơn vị'},",
            paragraphs=["Tình hình nộp báo cáo của các đợt báo cáo do đơn vị ban hành (24 giờ qua):", *paragraphs],
            table=Table(header=("Đợt báo cáo", "Hạn nộp", "Mới nộp", "Quá hạn"), rows=rows),
            action=("Mở EduDX", world.links.absolute(link)), why=_why_unit(Category.REVIEWER_DIGEST, world.links),
            feed_title=f"Tổng hợp ngày {day}",
            feed_body=f"{arrived_total} báo cáo mới, {overdue_total} đơn vị quá hạn.")
        deliveries.append(_to_authority(world, issuer_id, Role.REVIEWER, Category.REVIEWER_DIGEST, content, link,
                                        copy_contact=False))
    return Composition(deliveries)


def _unit_name(world: World, target: TrackedTarget) -> str:
    unit = world.units.get(target.unit_id)
    return unit.name if unit else (target.unit_name or str(target.unit_id))


def _names(world: World, targets: list[TrackedTarget]) -> str:
    names = [_unit_name(world, t) for t in targets[:MAX_NAMES]]
    extra = f" và {len(targets) - MAX_NAMES} đơn vị khác" if len(targets) > MAX_NAMES else ""
    return ", ".join(names) + extra
