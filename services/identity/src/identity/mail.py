"""Sending identity's own e-mails (password reset, invitation) over SMTP, after the transaction commits."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from email.message import EmailMessage

import aiosmtplib

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
        message = EmailMessage()
        message["From"] = self._settings.mail_from
        message["To"] = mail.to
        message["Subject"] = mail.subject
        message.set_content(mail.text)
        message.add_alternative(mail.html, subtype="html")
        if not self._settings.smtp_host:
            # Embedded run without SMTP: the link is in the log so a local admin can still use it.
            # Outside development the body (it holds a one-time token) is never logged.
            body = mail.text if self._settings.environment == "development" else "(hidden)"
            log.warning("smtp not configured; mail not sent", extra={"to": mail.to, "subject": mail.subject,
                                                                    "body": body})
            return
        try:
            await aiosmtplib.send(
                message,
                hostname=self._settings.smtp_host,
                port=self._settings.smtp_port,
                username=self._settings.smtp_username,
                password=self._settings.smtp_password,
                start_tls=self._settings.smtp_starttls and not self._settings.smtp_use_tls,
                use_tls=self._settings.smtp_use_tls,
                timeout=15,
            )
        except (aiosmtplib.SMTPException, OSError):
            log.exception("sending mail failed", extra={"to": mail.to, "subject": mail.subject})
