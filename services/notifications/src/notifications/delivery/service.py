"""What authority admins see of e-mail delivery: the mail of units in their subtree, failures first of all."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from edudx_common.auth import Principal, Role
from edudx_common.pagination import PageParams
from notifications.delivery import repository
from notifications.delivery.models import EmailStatus, OutgoingEmail
from notifications.errors import DeliveryNotFound, DeliveryStateConflict, NotAllowed


def _path_pattern(principal: Principal) -> str | None:
    """None: everything (system admins); otherwise e-mails to units at or below the admin's unit."""
    if principal.is_system_admin:
        return None
    if not principal.has_any(Role.AUTHORITY_ADMIN) or principal.unit_id is None:
        raise NotAllowed("Chỉ quản trị viên của Sở/Phòng xem được tình trạng gửi thư.")
    return f"%/{principal.unit_id.hex}/%"


async def list_deliveries(session: AsyncSession, principal: Principal, page: PageParams, *,
                          statuses: Sequence[EmailStatus],
                          campaign_id: uuid.UUID | None) -> tuple[list[OutgoingEmail], int]:
    return await repository.list_emails(session, path_pattern=_path_pattern(principal),
                                        statuses=[s.value for s in statuses], campaign_id=campaign_id,
                                        limit=page.limit, offset=page.offset)


async def summary(session: AsyncSession, principal: Principal) -> dict[str, int]:
    return await repository.status_counts(session, path_pattern=_path_pattern(principal))


async def retry(session: AsyncSession, principal: Principal, delivery_id: uuid.UUID, *, now: datetime,
                give_up_after: timedelta) -> OutgoingEmail:
    """Send a failed e-mail again (after its addresses or the mail server were fixed)."""
    pattern = _path_pattern(principal)
    email = await repository.get_email(session, delivery_id)
    if email is None or not (pattern is None or pattern.strip("%") in email.unit_path):
        raise DeliveryNotFound()
    if email.status != EmailStatus.FAILED.value:
        raise DeliveryStateConflict("Chỉ gửi lại được thư đã thất bại.")
    if not (email.to_addresses or email.cc_addresses):
        raise DeliveryStateConflict("Thư không có người nhận: hãy bổ sung e-mail của đơn vị; lần nhắc sau sẽ gửi.")
    email.status, email.next_attempt_at, email.give_up_at = EmailStatus.PENDING.value, now, now + give_up_after
    email.failed_at = None
    await session.flush()
    return email
