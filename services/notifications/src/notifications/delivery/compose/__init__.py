"""Who gets a notification and what it says, in Vietnamese: the rules of each kind.

Composition is pure: the expander loads everything it needs first (campaigns, targets, units and their
people from the directory, preferences) into a `World`, then asks `compose` for each notification. A
notification becomes zero or more `Delivery`s, one per unit whose people get it (a reminder: the school; an
escalation: each supervising authority with overdue units; a digest: each issuing authority).
"""

from __future__ import annotations

from notifications.delivery.compose.addressing import Composition, Delivery, Links, World
from notifications.delivery.compose.fanned_out import digest, escalation
from notifications.delivery.compose.to_unit import FOR_UNIT
from notifications.delivery.models import Notification
from notifications.kinds import NotificationKind

__all__ = ["Composition", "Delivery", "Links", "World", "compose"]


def compose(notification: Notification, world: World) -> Composition:
    kind = NotificationKind(notification.kind)
    if kind == NotificationKind.OVERDUE_ESCALATION:
        return escalation(notification, world)
    if kind == NotificationKind.REVIEWER_DIGEST:
        return digest(notification, world)
    assert notification.unit_id is not None
    return FOR_UNIT[kind](notification, world, notification.unit_id)
