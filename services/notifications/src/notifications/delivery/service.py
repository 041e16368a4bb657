"""What authority admins see of e-mail delivery: the mail of units in their subtree, failures first of all."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from edudx_common.auth import Principal, Role
from edudx_common.pagination import PageParams
from notifications.delivery import repository
from notifications.delivery.models import EmailStatus, OutgoingEmail
from notifications.delivery.payloads import WebhookDisabledData
from notifications.errors import DeliveryNotFound, DeliveryStateConflict, NotAllowed
from notifications.kinds import NotificationKind


def _path_pattern(principal: Principal) -> str | None:
    """None: everything (system admins); otherwise e-mails to units at or below the admin's unit."""
    if principal.is_system_admin:
        return None
    if not principal.has_any(Role.AUTHORITY_ADMIN) or principal.unit_id is None:
        raise NotAllowed("Chỉ quản trị viên của cơ quan quản lý (Sở GDĐT) xem được tình trạng gửi thư.")
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


@dataclass(frozen=True)
class ResendReport:
    sent_again: int  # failed e-mails with recipients, back in the queue
    composed_again: int  # failed for want of a recipient: composed again from the units' current contacts


async def recover_unreached(session: AsyncSession, unit_ids: Sequence[uuid.UUID], *, now: datetime) -> int:
    """The units' contacts changed: deliveries that failed only because they had nobody to write to are composed
    again, as long as they are still wanted (before their give-up time, the reminder's window). Returns how many."""
    emails = await repository.failed_emails(session, unreached=True, unit_ids=unit_ids, still_wanted_at=now)
    await repository.compose_again(session, emails)
    return len(emails)


async def resend_failed(session: AsyncSession, principal: Principal | None, campaign_id: uuid.UUID, *,
                        now: datetime, give_up_after: timedelta) -> ResendReport:
    """An operator re-sends a campaign's failed e-mails (those of units in their subtree; `principal` None: the
    command line, everything)."""
    pattern = _path_pattern(principal) if principal is not None else None
    unreached = await repository.failed_emails(session, unreached=True, campaign_id=campaign_id, path_pattern=pattern)
    refused = await repository.failed_emails(session, unreached=False, campaign_id=campaign_id, path_pattern=pattern)
    await repository.compose_again(session, unreached)
    await repository.send_again(session, refused, now=now, give_up_at=now + give_up_after)
    return ResendReport(sent_again=len(refused), composed_again=len(unreached))


async def webhook_disabled(session: AsyncSession, *, unit_id: uuid.UUID, subscription_id: uuid.UUID, url: str,
                           reason: str, now: datetime) -> None:
    """Tell the unit's admins, by e-mail and in their feed, that one of its webhooks was turned off."""
    data = WebhookDisabledData(subscription_id=subscription_id, url=url, reason=reason)
    key = f"webhook_disabled:{subscription_id}:{int(now.timestamp())}"
    await repository.add_notifications(session, [repository.notification_row(
        kind=NotificationKind.WEBHOOK_DISABLED.value, dedupe_key=key, now=now, unit_id=unit_id, data=data)])
