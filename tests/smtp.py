"""A real SMTP server (aiosmtpd) that keeps what it receives, for tests that assert on e-mails."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from tests.support import free_port


@dataclass
class Inbox:
    messages: list[EmailMessage] = field(default_factory=list)

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(message)  # type: ignore[arg-type]
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


@contextmanager
def smtp_server(*, handler: Any = None, port: int | None = None) -> Iterator[tuple[Inbox, int]]:
    """A server on `port` (default: a free one) handing what it gets to `handler` (default: a new Inbox)."""
    inbox = Inbox()
    port = port or free_port()  # aiosmtpd refuses port 0
    controller = Controller(handler or inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()
