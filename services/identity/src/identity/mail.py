"""Sending identity's own e-mails (password reset, invitation) over SMTP, after the transaction commits."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from edudx_common.logging import mask_email
from edudx_common.mail import Mail as OutgoingMail
from edudx_common.mail import PermanentMailError, TransientMailError, build_message, send_one
from identity.config import Settings

log = logging.getLogger("identity.mail")


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    text: str
    html: str


class Mailer:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    async def send(self, mail: Mail) -> None:
        if not self._settings.smtp_host:
            # Embedded run without SMTP: the link is in the log so a local admin can still use it.
            # Outside development the body (it holds a one-time token) is never logged.
            development = self._settings.environment == "development"
            body = mail.text if development else "(hidden)"
            log.warning("smtp not configured; mail not sent", extra={
                "to": mail.to if development else mask_email(mail.to), "subject": mail.subject, "body": body})
            return
        message = build_message(OutgoingMail(to=[mail.to], subject=mail.subject, text=mail.text, html=mail.html),
                                sender=self._settings.mail_from)
        try:
            await send_one(self._settings.smtp(), message)
        except (TransientMailError, PermanentMailError):
            log.exception("sending mail failed", extra={"to": mask_email(mail.to), "subject": mail.subject})
