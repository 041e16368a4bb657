"""Addressing a notification: the types composition works with (the `World` it reads, the `Delivery`s it
makes), who in a unit receives what, and the lines every message shares (greeting, why you got this).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from edudx_common.auth import Role
from edudx_common.timezone import format_vn
from notifications.campaigns.models import TrackedCampaign, TrackedTarget
from notifications.delivery.templates import Content
from notifications.directory.service import SCHOOL_ROLES, UnitInfo
from notifications.preferences.categories import Category
from notifications.timing import countdown_text

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


def is_school(unit: UnitInfo | None) -> bool:
    return unit is None or unit.type in SCHOOL_TYPES


def greeting(unit: UnitInfo | None, unit_id: uuid.UUID) -> str:
    name = unit.name if unit else f"đơn vị {unit_id}"
    if is_school(unit):
        return f"Kính gửi: Hiệu trưởng và cán bộ phụ trách CNTT {name},"
    return f"Kính gửi: Lãnh đạo và bộ phận phụ trách CNTT {name},"


def to_unit(world: World, unit_id: uuid.UUID, category: Category, content: Content, link: str, *,
            with_commune: bool = False) -> Delivery:
    """A unit that has to submit: its principal and IT officer (an authority: its admins), copied to its contact
    address; `with_commune` (reminders): also the officials of its commune a Sở granted `reminders`. People who
    muted an optional category get no e-mail but still get the feed item."""
    unit = world.units.get(unit_id)
    people = []
    if unit is not None:
        people = unit.with_roles(*SCHOOL_ROLES) if is_school(unit) else unit.with_roles(Role.AUTHORITY_ADMIN)
        if with_commune:
            people += [p for p in commune_grantees(world, unit) if p.user_id not in {q.user_id for q in people}]
    return delivery(world, unit_id, unit, people, category, content, link, copy_contact=True)


def commune_grantees(world: World, unit: UnitInfo) -> list[Any]:
    commune = world.units.get(unit.commune_id) if unit.commune_id else None
    return commune.reminder_grantees() if commune is not None else []


def to_authority(world: World, unit_id: uuid.UUID, role: Role, category: Category, content: Content, link: str,
                 *, copy_contact: bool) -> Delivery:
    unit = world.units.get(unit_id)
    people = unit.with_roles(role) if unit is not None else []
    return delivery(world, unit_id, unit, people, category, content, link, copy_contact=copy_contact)


def delivery(world: World, unit_id: uuid.UUID, unit: UnitInfo | None, people: list[Any], category: Category,
             content: Content, link: str, *, copy_contact: bool) -> Delivery:
    content = replace(content, feed_url=world.links.absolute("/notifications"))
    to = list(dict.fromkeys(p.email for p in people if not world.muted(p.user_id, category)))
    cc = [unit.email] if copy_contact and unit is not None and unit.email and unit.email not in to else []
    return Delivery(unit_id=unit_id, unit=unit, to=to or cc, cc=cc if to else [],
                    feed_users=[p.user_id for p in people], content=content, link=link, category=category)


def why_unit(category: Category, links: Links) -> str:
    if category == Category.DEADLINE_REMINDERS:
        return ("Anh/chị nhận thư này vì là Hiệu trưởng, cán bộ phụ trách CNTT hoặc địa chỉ đầu mối của đơn vị. "
                "Thư nhắc hạn nộp báo cáo của đơn vị mình không thể tắt.")
    return f"Có thể tắt loại thư này trong phần Tài khoản: {links.account}"


def deadline_and_countdown(due: datetime, now: datetime) -> str:
    """'17:00 ngày 15/12/2026 (còn 3 ngày)'."""
    return f"{format_vn(due)} ({countdown_text(due, now)})"


def unit_name(world: World, target: TrackedTarget) -> str:
    unit = world.units.get(target.unit_id)
    return unit.name if unit else (target.unit_name or str(target.unit_id))


def names(world: World, targets: list[TrackedTarget]) -> str:
    names = [unit_name(world, t) for t in targets[:MAX_NAMES]]
    extra = f" và {len(targets) - MAX_NAMES} đơn vị khác" if len(targets) > MAX_NAMES else ""
    return ", ".join(names) + extra
