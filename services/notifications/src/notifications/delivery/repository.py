"""Every query on notifications and outgoing e-mails, including the claims that keep replicas apart.

A claim selects due rows (PostgreSQL: `FOR UPDATE SKIP LOCKED`, so replicas take different rows at once) and,
in the same short transaction, marks them with the claimer's name and a lease. The UPDATE repeats the due
conditions, so on SQLite (no row locks, one writer) a row taken meanwhile is not taken twice either. Every
later write about a claimed row names the claimer: a worker that lost its lease writes nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, delete, func, or_, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from notifications.delivery.models import NO_RECIPIENTS, EmailStatus, Notification, NotificationStatus, OutgoingEmail
from notifications.delivery.payloads import NotificationData, dump
from notifications.sql import insert_missing


def _skip_locked(session: AsyncSession, statement: Select[Any]) -> Select[Any]:
    if session.get_bind().dialect.name == "postgresql":
        return statement.with_for_update(skip_locked=True)
    return statement


# --- notifications -------------------------------------------------------------------------------------


async def add_notifications(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> int:
    """Write new decisions; one whose dedupe_key exists is not written again. Returns how many were new."""
    return len(await insert_missing(session, Notification, rows, key=["dedupe_key"]))


def notification_row(*, kind: str, dedupe_key: str, now: datetime, data: NotificationData,
                     unit_id: uuid.UUID | None = None, campaign_id: uuid.UUID | None = None) -> dict[str, Any]:
    return {"id": uuid.uuid4(), "kind": kind, "dedupe_key": dedupe_key, "unit_id": unit_id,
            "campaign_id": campaign_id, "data": dump(kind, data), "status": NotificationStatus.PLANNED.value,
            "attempts": 0, "lease_owner": None, "lease_until": None, "last_error": None, "note": None,
            "created_at": now, "expanded_at": None}


async def claim_notifications(session: AsyncSession, *, owner: str, now: datetime, lease: timedelta,
                              limit: int) -> list[Notification]:
    due = (col(Notification.status) == NotificationStatus.PLANNED.value,
           or_(col(Notification.lease_until).is_(None), col(Notification.lease_until) <= now))
    ids = list((await session.execute(_skip_locked(session, select(Notification.id).where(*due)
                                                   .order_by(col(Notification.created_at)).limit(limit)))).scalars())
    if not ids:
        return []
    await session.execute(update(Notification).where(col(Notification.id).in_(ids), *due)
                          .values(lease_owner=owner, lease_until=now + lease, attempts=col(Notification.attempts) + 1)
                          .execution_options(synchronize_session=False))
    result = await session.execute(select(Notification).where(col(Notification.id).in_(ids),
                                                              col(Notification.lease_owner) == owner)
                                   .execution_options(populate_existing=True))
    return list(result.scalars())


async def finish_notifications(session: AsyncSession, outcomes: Sequence[tuple[uuid.UUID, NotificationStatus,
                                                                            str | None]],
                               *, owner: str, now: datetime) -> set[uuid.UUID]:
    """Close claimed notifications (id, status, note); returns those this worker still held (others were taken
    over after our lease ran out, and are left to their new holder)."""
    groups: dict[tuple[NotificationStatus, str | None], list[uuid.UUID]] = {}
    for notification_id, status, note in outcomes:
        groups.setdefault((status, note), []).append(notification_id)
    held: set[uuid.UUID] = set()
    for (status, note), ids in groups.items():
        result = await session.execute(
            update(Notification)
            .where(col(Notification.id).in_(ids), col(Notification.status) == NotificationStatus.PLANNED.value,
                   col(Notification.lease_owner) == owner)
            .values(status=status.value, expanded_at=now, lease_owner=None, lease_until=None, note=note)
            .returning(col(Notification.id))
            .execution_options(synchronize_session=False))
        held.update(result.scalars())
    return held


async def release_notifications(session: AsyncSession, ids: Sequence[uuid.UUID], *, owner: str, error: str,
                                retry_at: datetime) -> None:
    """Give claimed notifications back (the directory could not be read): tried again at `retry_at`."""
    await session.execute(update(Notification).where(col(Notification.id).in_(list(ids)),
                                                     col(Notification.lease_owner) == owner)
                          .values(lease_owner=None, lease_until=retry_at, last_error=error[:500])
                          .execution_options(synchronize_session=False))


# --- outgoing e-mails ----------------------------------------------------------------------------------


async def claim_emails(session: AsyncSession, *, owner: str, now: datetime, lease: timedelta,
                       limit: int) -> list[OutgoingEmail]:
    """Due e-mails: pending ones whose time has come, and ones whose sender's lease ran out (it died)."""
    due = or_(and_(col(OutgoingEmail.status) == EmailStatus.PENDING.value, col(OutgoingEmail.next_attempt_at) <= now),
              and_(col(OutgoingEmail.status) == EmailStatus.SENDING.value, col(OutgoingEmail.lease_until) <= now))
    ids = list((await session.execute(_skip_locked(session, select(OutgoingEmail.id).where(due)
                                                   .order_by(col(OutgoingEmail.next_attempt_at)).limit(limit)))).scalars())
    if not ids:
        return []
    await session.execute(update(OutgoingEmail).where(col(OutgoingEmail.id).in_(ids), due)
                          .values(status=EmailStatus.SENDING.value, lease_owner=owner, lease_until=now + lease,
                                  attempts=col(OutgoingEmail.attempts) + 1)
                          .execution_options(synchronize_session=False))
    result = await session.execute(select(OutgoingEmail).where(col(OutgoingEmail.id).in_(ids),
                                                               col(OutgoingEmail.lease_owner) == owner,
                                                               col(OutgoingEmail.status) == EmailStatus.SENDING.value)
                                   .order_by(col(OutgoingEmail.next_attempt_at))
                                   .execution_options(populate_existing=True))
    return list(result.scalars())


def _held_by(email_id: uuid.UUID, owner: str) -> tuple[Any, ...]:
    return (col(OutgoingEmail.id) == email_id, col(OutgoingEmail.status) == EmailStatus.SENDING.value,
            col(OutgoingEmail.lease_owner) == owner)


def _held_by_many(email_ids: Sequence[uuid.UUID], owner: str) -> tuple[Any, ...]:
    return (col(OutgoingEmail.id).in_(list(email_ids)), col(OutgoingEmail.status) == EmailStatus.SENDING.value,
            col(OutgoingEmail.lease_owner) == owner)


async def mark_sent(session: AsyncSession, email_id: uuid.UUID, *, owner: str, now: datetime) -> bool:
    result = await session.execute(update(OutgoingEmail).where(*_held_by(email_id, owner))
                                   .values(status=EmailStatus.SENT.value, sent_at=now, sent_by=owner,
                                           lease_owner=None, lease_until=None, last_error=None)
                                   .execution_options(synchronize_session=False))
    return bool(getattr(result, "rowcount", 0))


async def mark_retry(session: AsyncSession, email_id: uuid.UUID, *, owner: str, at: datetime, error: str) -> None:
    await session.execute(update(OutgoingEmail).where(*_held_by(email_id, owner))
                          .values(status=EmailStatus.PENDING.value, next_attempt_at=at, lease_owner=None,
                                  lease_until=None, last_error=error[:500])
                          .execution_options(synchronize_session=False))


async def release_unattempted(session: AsyncSession, email_ids: Sequence[uuid.UUID], *, owner: str) -> None:
    """Claimed but not tried (the batch stopped early): back to pending, the attempt not counted."""
    await session.execute(update(OutgoingEmail)
                          .where(*_held_by_many(email_ids, owner))
                          .values(status=EmailStatus.PENDING.value, lease_owner=None, lease_until=None,
                                  attempts=col(OutgoingEmail.attempts) - 1)
                          .execution_options(synchronize_session=False))


async def mark_failed(session: AsyncSession, email_id: uuid.UUID, *, owner: str | None, now: datetime,
                      error: str) -> None:
    conditions = _held_by(email_id, owner) if owner else (col(OutgoingEmail.id) == email_id,)
    await session.execute(update(OutgoingEmail).where(*conditions)
                          .values(status=EmailStatus.FAILED.value, failed_at=now, lease_owner=None, lease_until=None,
                                  last_error=error[:500])
                          .execution_options(synchronize_session=False))


async def mark_cancelled(session: AsyncSession, email_ids: Sequence[uuid.UUID], *, owner: str, reason: str) -> None:
    await session.execute(update(OutgoingEmail)
                          .where(*_held_by_many(email_ids, owner))
                          .values(status=EmailStatus.CANCELLED.value, lease_owner=None, lease_until=None,
                                  last_error=reason[:500])
                          .execution_options(synchronize_session=False))


async def get_email(session: AsyncSession, email_id: uuid.UUID) -> OutgoingEmail | None:
    return await session.get(OutgoingEmail, email_id)


async def list_emails(session: AsyncSession, *, path_pattern: str | None, statuses: Sequence[str],
                      campaign_id: uuid.UUID | None, limit: int, offset: int) -> tuple[list[OutgoingEmail], int]:
    statement = select(OutgoingEmail)
    if path_pattern is not None:
        statement = statement.where(col(OutgoingEmail.unit_path).like(path_pattern))
    if statuses:
        statement = statement.where(col(OutgoingEmail.status).in_(list(statuses)))
    if campaign_id is not None:
        statement = statement.where(col(OutgoingEmail.campaign_id) == campaign_id)
    total = (await session.execute(select(func.count()).select_from(statement.subquery()))).scalar_one()
    rows = await session.execute(statement.order_by(col(OutgoingEmail.created_at).desc(), col(OutgoingEmail.id))
                                 .limit(limit).offset(offset))
    return list(rows.scalars()), int(total)


async def status_counts(session: AsyncSession, *, path_pattern: str | None) -> dict[str, int]:
    statement = select(OutgoingEmail.status, func.count()).group_by(OutgoingEmail.status)
    if path_pattern is not None:
        statement = statement.where(col(OutgoingEmail.unit_path).like(path_pattern))
    return {status: int(count) for status, count in (await session.execute(statement)).all()}


async def failed_emails(session: AsyncSession, *, unreached: bool, unit_ids: Sequence[uuid.UUID] | None = None,
                        campaign_id: uuid.UUID | None = None, path_pattern: str | None = None,
                        still_wanted_at: datetime | None = None) -> list[OutgoingEmail]:
    """Failed e-mails: those that failed for want of any recipient (`unreached`) or the others; of some units or
    of a campaign (within a subtree); with `still_wanted_at`, only those not yet past their give-up time."""
    no_recipient = col(OutgoingEmail.last_error) == NO_RECIPIENTS
    statement = select(OutgoingEmail).where(col(OutgoingEmail.status) == EmailStatus.FAILED.value,
                                            no_recipient if unreached else or_(~no_recipient,
                                                                               col(OutgoingEmail.last_error).is_(None)))
    if unit_ids is not None:
        statement = statement.where(col(OutgoingEmail.unit_id).in_(list(unit_ids)))
    if campaign_id is not None:
        statement = statement.where(col(OutgoingEmail.campaign_id) == campaign_id)
    if path_pattern is not None:
        statement = statement.where(col(OutgoingEmail.unit_path).like(path_pattern))
    if still_wanted_at is not None:
        statement = statement.where(col(OutgoingEmail.give_up_at) > still_wanted_at)
    return list((await session.execute(statement)).scalars())


async def compose_again(session: AsyncSession, emails: Sequence[OutgoingEmail]) -> None:
    """Drop these failed e-mails and put their notifications back to be expanded: the expander then reads the
    units' contacts afresh and writes the e-mails and feed items that are missing (those already written are
    kept: their keys are taken)."""
    if not emails:
        return
    await session.execute(delete(OutgoingEmail).where(col(OutgoingEmail.id).in_([e.id for e in emails]))
                          .execution_options(synchronize_session=False))
    await session.execute(update(Notification)
                          .where(col(Notification.id).in_(list({e.notification_id for e in emails})))
                          .values(status=NotificationStatus.PLANNED.value, lease_owner=None, lease_until=None,
                                  expanded_at=None, note=None)
                          .execution_options(synchronize_session=False))


async def send_again(session: AsyncSession, emails: Sequence[OutgoingEmail], *, now: datetime,
                     give_up_at: datetime) -> None:
    for email in emails:
        email.status, email.next_attempt_at, email.give_up_at = EmailStatus.PENDING.value, now, give_up_at
        email.failed_at, email.attempts = None, 0
    await session.flush()
