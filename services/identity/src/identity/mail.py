"""Identity's own e-mails (password reset, invitation): kept in the outbox, sent over SMTP after the commit.

A mail is recorded with `queue` in the transaction that creates its one-time link, so there is a mail exactly
when there is a link. The outbox dispatcher (receiver `mail`, run by every identity replica) sends it after the
commit and, while the SMTP server is down or answers "try later", again with backoff until it is accepted. Each
mail keeps one Message-ID across attempts, so the rare resend after a crash between the server's "250" and our
commit is recognisable as the same message. Once sent, the mail's body (it holds the link) is erased.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import BackgroundTasks
from sqlalchemy.ext.asyncio import AsyncSession

from edudx_common.logging import mask_email
from edudx_common.mail import Mail as OutgoingMail
from edudx_common.mail import PermanentMailError, TransientMailError, build_message, send_one
from edudx_common.tables.outbox import OutboxStatus, add_event
from edudx_common.tables.outbox_dispatcher import ClaimedMessage, Deliverer, DeliveryOutcome, OutboxDispatcher
from identity.config import Settings

log = logging.getLogger("identity.mail")

MAIL_RECEIVER = "mail"
MAIL_EVENT = "identity.mail_requested"


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    text: str
    html: str


def queue(session: AsyncSession, mail: Mail) -> None:
    """Record `mail` for sending in the caller's transaction (nothing is sent if it rolls back)."""
    add_event(session, event_type=MAIL_EVENT, receivers=[MAIL_RECEIVER],
              payload={"to": mail.to, "subject": mail.subject, "text": mail.text, "html": mail.html})


class Mailer:
    """Sends one mail now. Raises `TransientMailError` (try again later) or `PermanentMailError`."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    async def send(self, mail: Mail, *, message_id: str | None = None) -> None:
        if not self._settings.smtp_host:
            # Embedded run without SMTP: the link is in the log so a local admin can still use it.
            # Outside development the body (it holds a one-time token) is never logged.
            development = self._settings.environment == "development"
            body = mail.text if development else "(hidden)"
            log.warning("smtp not configured; mail not sent", extra={
                "to": mail.to if development else mask_email(mail.to), "subject": mail.subject, "body": body})
            return
        message = build_message(OutgoingMail(to=[mail.to], subject=mail.subject, text=mail.text, html=mail.html,
                                             message_id=message_id),
                                sender=self._settings.mail_from)
        await send_one(self._settings.smtp(), message)


def mail_deliverer(current_mailer: Callable[[], Mailer], *, domain: str = "identity.edudx") -> Deliverer:
    """The outbox's way to the SMTP server. `current_mailer` is asked at each delivery (tests swap it)."""

    async def deliver(message: ClaimedMessage) -> DeliveryOutcome:
        payload: dict[str, Any] = message.payload
        mail = Mail(to=payload["to"], subject=payload["subject"], text=payload["text"], html=payload["html"])
        try:
            await current_mailer().send(mail, message_id=f"<{message.event_id}@{domain}>")
        except TransientMailError as exc:
            return DeliveryOutcome(OutboxStatus.PENDING, f"{type(exc).__name__}: {exc}")
        except PermanentMailError as exc:
            log.warning("mail refused for good", extra={"event_id": str(message.event_id), "error": str(exc)})
            return DeliveryOutcome(OutboxStatus.FAILED, f"{type(exc).__name__}: {exc}")
        return DeliveryOutcome(OutboxStatus.DELIVERED)

    return deliver


class MailOutbox:
    """What the routers use: a mail recorded in the request's transaction, its sending nudged once the response
    has gone (after the commit), instead of waiting for the dispatcher's next round."""

    def __init__(self, dispatcher: OutboxDispatcher) -> None:
        self._dispatcher = dispatcher

    def send_after_commit(self, session: AsyncSession, mail: Mail, tasks: BackgroundTasks) -> None:
        queue(session, mail)
        tasks.add_task(self._nudge)

    async def deliver_now(self) -> None:
        """Send what is due now (after a commit made outside a request), instead of at the dispatcher's next round."""
        await self._nudge()

    async def _nudge(self) -> None:
        try:
            await self._dispatcher.deliver_due()
        except Exception:  # the database is away: the dispatcher's own loop tries again
            log.exception("sending queued mail failed; it stays queued")
