"""E-mail over SMTP, shared by every service that sends mail (identity's resets and invitations, notifications).

`MailSettings` adds the `<SVC>_SMTP_*` and `<SVC>_MAIL_FROM` settings to a service's settings; `build_message`
makes the MIME message (plain text and HTML alternatives, UTF-8, our Message-ID); `SmtpSender` sends over one
connection that it opens on first use and reuses, with TLS (implicit or STARTTLS) and authentication.

Errors are sorted for callers that retry: `TransientMailError` (timeout, 4xx reply: try again later; its
subclass `MailServerUnavailable` when no usable connection could be made — server down, TLS or login refused)
and `PermanentMailError` (a 5xx reply to this message: it will never be accepted).
"""

from __future__ import annotations

import logging
import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from email.errors import MessageError
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import aiosmtplib

from edudx_common.logging import mask_email
from edudx_common.settings import BaseServiceSettings

log = logging.getLogger("edudx.mail")


class MailSettings(BaseServiceSettings):
    """SMTP settings; without `smtp_host` a service writes its mails to the log instead of sending them."""

    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = True  # upgrade a plain connection (port 587); refused when the server cannot
    smtp_use_tls: bool = False  # TLS from the first byte (port 465)
    smtp_timeout_seconds: float = 30.0
    mail_from: str = "EduDX <no-reply@edudx.local>"

    def secret_fields(self) -> list[str]:
        return [*super().secret_fields(), *(["smtp_password"] if self.smtp_username else [])]

    def smtp(self) -> SmtpConfig:
        assert self.smtp_host, "no SMTP host configured"
        return SmtpConfig(host=self.smtp_host, port=self.smtp_port, username=self.smtp_username,
                          password=self.smtp_password, starttls=self.smtp_starttls, use_tls=self.smtp_use_tls,
                          timeout=self.smtp_timeout_seconds)


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    username: str | None = None
    password: str | None = None
    starttls: bool = True
    use_tls: bool = False
    timeout: float = 30.0
    tls_context: ssl.SSLContext | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Mail:
    """One e-mail: who gets it, and the same content as plain text and as HTML."""

    to: Sequence[str]
    subject: str
    text: str
    html: str
    cc: Sequence[str] = ()
    message_id: str | None = None  # "<…@…>"; a new one when None
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def recipients(self) -> list[str]:
        return list(dict.fromkeys([*self.to, *self.cc]))


def build_message(mail: Mail, *, sender: str) -> EmailMessage:
    """The MIME message; `UnbuildableMail` (a `PermanentMailError`) when it cannot be made, e.g. a header value
    with a line break: that message will never be sendable, and must not hold up the ones queued after it."""
    try:
        return _build(mail, sender)
    except (ValueError, TypeError, LookupError, UnicodeError, MessageError) as exc:
        raise UnbuildableMail(f"Không tạo được thư ({type(exc).__name__}: {exc})") from exc


def _build(mail: Mail, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(mail.to)
    if mail.cc:
        message["Cc"] = ", ".join(mail.cc)
    message["Subject"] = mail.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = mail.message_id or make_msgid(domain=domain_of(sender))
    # Machine-written mail: out-of-office replies and mailing-list loops should leave it alone.
    message["Auto-Submitted"] = "auto-generated"
    message["Content-Language"] = "vi"
    for name, value in mail.headers.items():
        message[name] = value
    message.set_content(mail.text, cte="quoted-printable")
    message.add_alternative(mail.html, subtype="html", cte="quoted-printable")
    return message


def domain_of(sender: str) -> str:
    """'EduDX <no-reply@edudx.vn>' → 'edudx.vn' (Message-IDs are made in the sender's domain)."""
    address = sender.rsplit("<", 1)[-1].rstrip(">")
    return address.rsplit("@", 1)[-1] if "@" in address else "edudx.local"


class TransientMailError(Exception):
    """Not sent now; the same message may be accepted later (server down, timeout, 4xx reply)."""


class MailServerUnavailable(TransientMailError):
    """No connection to the server at all: the next messages would fail the same way."""


class PermanentMailError(Exception):
    """The server refused the message for good (5xx reply): sending it again will not help."""


class UnbuildableMail(PermanentMailError):
    """The message itself cannot be made (e.g. a header with a line break): no server will ever get it."""


class SmtpSender:
    """One SMTP connection, opened on first use and reused for the next messages; `close()` ends it.

    Not safe for concurrent use: give each concurrent sender its own.
    """

    def __init__(self, config: SmtpConfig) -> None:
        self._config = config
        self._client: aiosmtplib.SMTP | None = None

    async def send(self, message: EmailMessage) -> None:
        """Send `message` to everyone in its To and Cc. Raises TransientMailError or PermanentMailError."""
        client = await self._connected()
        try:
            errors, _reply = await client.send_message(message)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            await self._drop()
            raise _classify(exc.recipients[0] if exc.recipients else exc) from exc
        except aiosmtplib.SMTPResponseException as exc:
            await self._drop()
            raise _classify(exc) from exc
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            await self._drop()
            raise TransientMailError(f"{type(exc).__name__}: {exc}") from exc
        if errors:  # some recipients refused, the others accepted: the message went out
            refused = {mask_email(k): str(v) for k, v in errors.items()}
            log.warning("some recipients refused", extra={"refused": refused})

    async def close(self) -> None:
        if self._client is not None and self._client.is_connected:
            try:
                await self._client.quit()
            except (aiosmtplib.SMTPException, OSError, TimeoutError):
                self._client.close()
        self._client = None

    async def _connected(self) -> aiosmtplib.SMTP:
        if self._client is not None and self._client.is_connected:
            return self._client
        config = self._config
        client = aiosmtplib.SMTP(
            hostname=config.host, port=config.port, username=config.username, password=config.password,
            use_tls=config.use_tls, start_tls=config.starttls and not config.use_tls, timeout=config.timeout,
            tls_context=config.tls_context,
        )
        try:
            await client.connect()
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            # Unreachable, or the greeting, TLS or login refused (even with a 5xx): a fault of the connection or
            # of our settings, not of any message — every message waits for it to be fixed.
            client.close()
            raise MailServerUnavailable(f"{type(exc).__name__}: {exc}") from exc
        self._client = client
        return client

    async def _drop(self) -> None:
        if self._client is not None:
            self._client.close()
        self._client = None


def _classify(exc: aiosmtplib.SMTPResponseException | Exception) -> Exception:
    code = getattr(exc, "code", None)
    text = f"{code} {getattr(exc, 'message', exc)}" if code else str(exc)
    if isinstance(code, int) and 500 <= code < 600:
        return PermanentMailError(text)
    return TransientMailError(text)


async def send_one(config: SmtpConfig, message: EmailMessage) -> None:
    """Open a connection, send one message, close. Raises like `SmtpSender.send`."""
    sender = SmtpSender(config)
    try:
        await sender.send(message)
    finally:
        await sender.close()
