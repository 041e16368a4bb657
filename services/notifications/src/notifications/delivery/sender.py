"""Sending the outgoing e-mails: safe with several sender processes, across crashes and SMTP outages.

How a message moves: `pending` → claimed (`sending`, with this sender's name and a lease, attempts + 1, in a
short transaction; PostgreSQL's SKIP LOCKED keeps concurrent senders on different rows) → handed to SMTP →
`sent`, committed right after the server's 250 reply, on condition that this sender still holds the lease.
A transient failure (server down, timeout, 4xx) puts it back to `pending` with an exponential backoff; a 5xx
reply, or no success by its `give_up_at`, makes it `failed` (listed for the authority admin, who can retry it).
A sender that dies leaves its claimed rows in `sending`; when the lease runs out another sender takes them.

What that guarantees, honestly:
- Two senders never hold one message at once, and a message marked `sent` is never sent again.
- A sender killed before the server accepted a message (connecting, MAIL/RCPT, the data not finished) leaves
  it to be sent by another sender after the lease: nothing is lost, nothing doubled.
- The one window left is between the server's acceptance (250 after the data) and our commit of `sent` —
  a database round trip, about a millisecond. A crash exactly there makes the message go out a second time
  when the lease ends (at least once, never lost). Both copies carry the same Message-ID, so mail systems that
  de-duplicate on it (and people reading the thread) see one message. SMTP has no two-phase commit; we chose a
  rare duplicate over a rare loss, because a lost deadline reminder costs more than a repeated one.
- A sender that is alive but slower than its lease could do the same; leases therefore exceed the SMTP
  timeout, and a sender stops starting messages whose lease is about to end (they go back to `pending`).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Protocol

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from edudx_common.logging import mask_email
from edudx_common.mail import (
    Mail,
    MailServerUnavailable,
    PermanentMailError,
    SmtpConfig,
    SmtpSender,
    TransientMailError,
    UnbuildableMail,
    build_message,
)
from notifications.campaigns import repository as campaigns_repository
from notifications.campaigns.models import OUTSTANDING, CampaignState
from notifications.delivery import repository
from notifications.delivery.models import OutgoingEmail
from notifications.kinds import NotificationKind
from notifications.metrics import EMAILS_FAILED, EMAILS_RETRIED, EMAILS_SENT
from notifications.timing import Clock, QuietHours

log = structlog.get_logger("notifications.sender")


class MailTransport(Protocol):
    async def send(self, message: EmailMessage) -> None: ...

    async def close(self) -> None: ...


class LogTransport:
    """No SMTP server configured (the embedded run): each message is written to the log instead."""

    def __init__(self, *, show_body: bool) -> None:
        self._show_body = show_body
        self._log = logging.getLogger("notifications.mail")

    async def send(self, message: EmailMessage) -> None:
        body = message.get_body(preferencelist=("plain",))
        text = body.get_content() if body is not None and self._show_body else "(hidden)"
        def who(header: str | None) -> str | None:
            if self._show_body or not header:
                return header
            return ", ".join(str(mask_email(a.strip())) for a in str(header).split(","))

        self._log.warning("smtp not configured; mail written here instead", extra={
            "to": who(message["To"]), "cc": who(message["Cc"]), "subject": message["Subject"],
            "message_id": message["Message-ID"], "body": text})

    async def close(self) -> None:
        return None


def transport_factory(config: SmtpConfig | None, *, show_body: bool) -> Callable[[], MailTransport]:
    if config is None:
        return lambda: LogTransport(show_body=show_body)
    return lambda: SmtpSender(config)


@dataclass
class SendReport:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    cancelled: int = 0
    released: int = 0
    lost_leases: list[str] = field(default_factory=list)  # message ids sent after our lease was taken over


class Sender:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], transports: Callable[[], MailTransport], *,
                 owner: str, mail_from: str, clock: Clock, quiet_hours: QuietHours, batch_size: int = 50,
                 connections: int = 4, lease_seconds: float = 300.0, smtp_timeout_seconds: float = 30.0,
                 retry_base_seconds: float = 60.0, retry_max_seconds: float = 3600.0) -> None:
        self._sessions = sessions
        self._transports = transports
        self._owner = owner
        self._from = mail_from
        self._clock = clock
        self._quiet = quiet_hours
        self._batch = batch_size
        self._connections = connections
        self._lease = timedelta(seconds=lease_seconds)
        self._smtp_timeout = timedelta(seconds=smtp_timeout_seconds)
        self._retry_base = retry_base_seconds
        self._retry_max = retry_max_seconds
        self._random = random.Random()  # noqa: S311 — jitter spreads retries; it needs no secrecy

    async def send_due(self, now: datetime | None = None) -> SendReport:
        """Claim one batch of due e-mails and send them over a few SMTP connections."""
        now = now or self._clock()
        report = SendReport()
        if self._quiet.contains(now):  # whatever is waiting (a retry, a manual resend) waits for the morning
            return report
        async with self._sessions() as session, session.begin():
            claimed = await repository.claim_emails(session, owner=self._owner, now=now, lease=self._lease,
                                                    limit=self._batch)
            report.claimed = len(claimed)
            claimed = await self._cancel_unneeded(session, claimed, report)
        if not claimed:
            return report
        lease_end = now + self._lease
        queues = [claimed[i::self._connections] for i in range(min(self._connections, len(claimed)))]
        await asyncio.gather(*(self._send_queue(queue, lease_end, report) for queue in queues))
        return report

    async def _cancel_unneeded(self, session: AsyncSession, claimed: list[OutgoingEmail],
                               report: SendReport) -> list[OutgoingEmail]:
        """A deadline reminder whose school submitted since it was written (it waited for the morning) is dropped."""
        reminders = [e for e in claimed if e.kind == NotificationKind.DEADLINE_REMINDER and e.campaign_id and e.unit_id]
        if not reminders:
            return claimed
        targets = await campaigns_repository.targets_by_key(session, [(e.campaign_id, e.unit_id) for e in reminders
                                                                      if e.campaign_id and e.unit_id])
        campaigns = await campaigns_repository.campaigns(session, list({e.campaign_id for e in reminders
                                                                         if e.campaign_id}))
        unneeded = []
        for email in reminders:
            target = targets.get((email.campaign_id, email.unit_id))  # type: ignore[arg-type]
            campaign = campaigns.get(email.campaign_id)  # type: ignore[arg-type]
            if (target is None or target.withdrawn or target.state not in OUTSTANDING or campaign is None
                    or campaign.status != CampaignState.OPEN.value):
                unneeded.append(email.id)
        if unneeded:
            await repository.mark_cancelled(session, unneeded, owner=self._owner,
                                            reason="Không gửi: đơn vị đã nộp hoặc không còn phải nộp báo cáo.")
            report.cancelled += len(unneeded)
        return [e for e in claimed if e.id not in set(unneeded)]

    async def _send_queue(self, queue: list[OutgoingEmail], lease_end: datetime, report: SendReport) -> None:
        transport = self._transports()
        try:
            for index, email in enumerate(queue):
                if self._clock() + self._smtp_timeout >= lease_end:  # too late to finish inside our lease
                    rest = [e.id for e in queue[index:]]
                    async with self._sessions() as session, session.begin():
                        await repository.release_unattempted(session, rest, owner=self._owner)
                    report.released += len(rest)
                    return
                if not await self._send_one(transport, email, report):
                    for waiting in queue[index + 1:]:  # the server is unreachable: they would fail the same way
                        await self._retry(waiting, "Máy chủ thư không kết nối được.", report)
                    return
        finally:
            await transport.close()

    async def _send_one(self, transport: MailTransport, email: OutgoingEmail, report: SendReport) -> bool:
        """Send and record one e-mail; False when the server could not be reached at all."""
        try:
            # Built inside the try: a message that cannot be made fails alone, instead of raising out of the
            # batch and leaving itself and the rest of the batch `sending` until their lease runs out.
            message = build_message(Mail(to=email.to_addresses, cc=email.cc_addresses, subject=email.subject,
                                         text=email.body_text, html=email.body_html, message_id=email.message_id,
                                         headers={"X-EduDX-Kind": email.kind}), sender=self._from)
            await transport.send(message)
        except PermanentMailError as exc:
            reason = str(exc) if isinstance(exc, UnbuildableMail) else f"Máy chủ thư từ chối: {exc}"
            await self._failed(email, reason)
            report.failed += 1
            EMAILS_FAILED.labels(email.kind).inc()
            return True
        except TransientMailError as exc:
            await self._retry(email, str(exc), report)
            return not isinstance(exc, MailServerUnavailable)
        now = self._clock()
        async with self._sessions() as session, session.begin():
            kept = await repository.mark_sent(session, email.id, owner=self._owner, now=now)
        report.sent += 1
        EMAILS_SENT.labels(email.kind).inc()
        if not kept:
            report.lost_leases.append(email.message_id)
            log.warning("sent_after_lease_lost", message_id=email.message_id)
        return True

    async def _retry(self, email: OutgoingEmail, error: str, report: SendReport) -> None:
        now = self._clock()
        if now >= email.give_up_at:
            await self._failed(email, f"Không gửi được sau {email.attempts} lần thử: {error}")
            report.failed += 1
            EMAILS_FAILED.labels(email.kind).inc()
            return
        delay = min(self._retry_max, self._retry_base * 2 ** max(0, email.attempts - 1))
        delay *= 1 + self._random.uniform(-0.2, 0.2)
        at = self._quiet.next_allowed(now + timedelta(seconds=delay))
        async with self._sessions() as session, session.begin():
            await repository.mark_retry(session, email.id, owner=self._owner, at=at, error=error)
        report.retried += 1
        EMAILS_RETRIED.labels(email.kind).inc()

    async def _failed(self, email: OutgoingEmail, error: str) -> None:
        async with self._sessions() as session, session.begin():
            await repository.mark_failed(session, email.id, owner=self._owner, now=self._clock(), error=error)
        log.warning("mail_failed", message_id=email.message_id, error=error)
