"""A user's e-mail preferences: optional kinds may be muted, one's own unit's deadline reminders never."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from edudx_common.auth import Principal
from notifications.errors import MandatoryCategory
from notifications.preferences import repository
from notifications.preferences.categories import CATEGORY_LABELS_VI, MUTE_COLUMN, Category
from notifications.preferences.models import NotificationPreference
from notifications.preferences.schemas import CategoryPreference, PreferencesRead


def read(preference: NotificationPreference | None) -> PreferencesRead:
    return PreferencesRead(categories=[
        CategoryPreference(category=category, label=CATEGORY_LABELS_VI[category], mutable=category in MUTE_COLUMN,
                           email=not (preference is not None and category in MUTE_COLUMN
                                      and getattr(preference, MUTE_COLUMN[category])))
        for category in Category])


async def get_own(session: AsyncSession, principal: Principal) -> PreferencesRead:
    assert principal.user_id is not None
    return read(await repository.get(session, principal.user_id))


async def update_own(session: AsyncSession, principal: Principal, email: dict[Category, bool], *,
                     now: datetime) -> PreferencesRead:
    assert principal.user_id is not None
    refused = [c for c, wanted in email.items() if not wanted and c not in MUTE_COLUMN]
    if refused:
        raise MandatoryCategory("Không thể tắt thư nhắc hạn nộp báo cáo của đơn vị mình.",
                                extra={"categories": [c.value for c in refused]})
    preference = await repository.get(session, principal.user_id)
    if preference is None:
        preference = NotificationPreference(user_id=principal.user_id)
        session.add(preference)
    for category, wanted in email.items():
        if category in MUTE_COLUMN:
            setattr(preference, MUTE_COLUMN[category], not wanted)
    preference.updated_at = now
    await session.flush()
    return read(preference)
