"""The notifications fanned out to many authorities at once: the overdue escalation (each supervising
authority, and communes granted reminders) and the reviewers' daily digest (each issuing authority)."""

from __future__ import annotations

import uuid

from edudx_common.auth import Role
from edudx_common.timezone import format_vn
from notifications.campaigns.models import CampaignState, TargetState, TrackedCampaign, TrackedTarget
from notifications.delivery.compose.addressing import (
    MAX_NAMES,
    MAX_TABLE_ROWS,
    Composition,
    World,
    commune_grantees,
    delivery,
    names,
    to_authority,
    unit_name,
    why_unit,
)
from notifications.delivery.models import Notification
from notifications.delivery.payloads import DigestData, data_of
from notifications.delivery.templates import Content, Table
from notifications.preferences.categories import Category
from notifications.timing import countdown_text, date_text


def escalation(notification: Notification, world: World) -> Composition:
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
        if unit is not None and commune_grantees(world, unit):
            assert unit.commune_id is not None
            by_commune.setdefault(unit.commune_id, []).append(target)
    if not by_parent:
        return Composition(skipped="Không có đơn vị quá hạn.")
    link = world.links.campaign(campaign.id)
    deliveries = []
    for parent_id, targets in by_parent.items():
        parent = world.units.get(parent_id)
        content = overdue_list(world, campaign, targets, parent.name if parent else "đơn vị", link,
                               ask="Đề nghị đơn vị đôn đốc các đơn vị dưới đây.", below="trực thuộc")
        deliveries.append(to_authority(world, parent_id, Role.AUTHORITY_ADMIN, Category.ESCALATIONS, content, link,
                                      copy_contact=True))
    for commune_id, targets in by_commune.items():
        commune = world.units[commune_id]
        content = overdue_list(world, campaign, targets, commune.name, link,
                               ask="Đề nghị UBND phối hợp đôn đốc các trường dưới đây.", below="trên địa bàn")
        deliveries.append(delivery(world, commune_id, commune, commune.reminder_grantees(), Category.ESCALATIONS,
                                   content, link, copy_contact=False))
    return Composition(deliveries)


def overdue_list(world: World, campaign: TrackedCampaign, targets: list[TrackedTarget], addressee: str, link: str,
                 *, ask: str, below: str) -> Content:
    rows = [(unit_name(world, t), format_vn(t.due_at), countdown_text(t.due_at, world.now),
             "Bị trả lại, chưa nộp lại" if t.state == TargetState.RETURNED.value else "Chưa nộp")
            for t in sorted(targets, key=lambda t: (t.due_at, unit_name(world, t)))]
    more = f"… và {len(rows) - MAX_TABLE_ROWS} đơn vị khác." if len(rows) > MAX_TABLE_ROWS else None
    return Content(
        subject=f"[EduDX] {len(rows)} đơn vị quá hạn nộp báo cáo: {campaign.title}",
        greeting=f"Kính gửi: Lãnh đạo và bộ phận phụ trách CNTT {addressee},",
        paragraphs=[f"Đến {format_vn(world.now)}, {len(rows)} đơn vị {below} chưa nộp báo cáo “"
                    f"{campaign.title}” dù đã quá hạn. {ask}"],
        table=Table(header=("Đơn vị", "Hạn nộp", "Quá hạn", "Tình trạng"), rows=rows[:MAX_TABLE_ROWS], more=more),
        action=("Xem tình hình nộp báo cáo", world.links.absolute(link)),
        why=why_unit(Category.ESCALATIONS, world.links),
        feed_title=f"{len(rows)} đơn vị quá hạn nộp: {campaign.title}",
        feed_body=", ".join(r[0] for r in rows[:MAX_NAMES]) + (" …" if len(rows) > MAX_NAMES else ""))


def digest(notification: Notification, world: World) -> Composition:
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
                paragraphs.append(f"“{campaign.title}” – mới nộp: " + names(world, arrived) + ".")
            if overdue:
                paragraphs.append(f"“{campaign.title}” – quá hạn: " + ", ".join(
                    f"{unit_name(world, t)} ({countdown_text(t.due_at, world.now)})" for t in overdue[:MAX_NAMES])
                    + (f" và {len(overdue) - MAX_NAMES} đơn vị khác" if len(overdue) > MAX_NAMES else "") + ".")
        link = "/campaigns"
        content = Content(
            subject=f"[EduDX] Tổng hợp ngày {day}: {arrived_total} báo cáo mới, {overdue_total} đơn vị quá hạn",
            greeting=f"Kính gửi: Chuyên viên thẩm định {issuer.name if issuer else 'đơn vị'},",
            paragraphs=["Tình hình nộp báo cáo của các đợt báo cáo do đơn vị ban hành (24 giờ qua):", *paragraphs],
            table=Table(header=("Đợt báo cáo", "Hạn nộp", "Mới nộp", "Quá hạn"), rows=rows),
            action=("Mở EduDX", world.links.absolute(link)), why=why_unit(Category.REVIEWER_DIGEST, world.links),
            feed_title=f"Tổng hợp ngày {day}",
            feed_body=f"{arrived_total} báo cáo mới, {overdue_total} đơn vị quá hạn.")
        deliveries.append(to_authority(world, issuer_id, Role.REVIEWER, Category.REVIEWER_DIGEST, content, link,
                                       copy_contact=False))
    return Composition(deliveries)
