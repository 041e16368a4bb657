"""Test doubles that are real: a clock the tests move, and an SMTP handler that records, refuses or holds mail."""

from __future__ import annotations

import asyncio
import email
import email.policy
import html
import re
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

from edudx_common.db import utcnow


class MovableClock:
    """Real time until a test sets it; then the time the test says (and moves)."""

    def __init__(self) -> None:
        self._now: datetime | None = None

    def __call__(self) -> datetime:
        return self._now or utcnow()

    def set(self, value: datetime) -> None:
        self._now = value

    def advance(self, **delta: float) -> None:
        self._now = self() + timedelta(**delta)

    def reset(self) -> None:
        self._now = None


@dataclass(frozen=True)
class Received:
    rcpt_tos: tuple[str, ...]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def kind(self) -> str:
        return str(self.message["X-EduDX-Kind"])

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])

    @property
    def to(self) -> list[str]:
        return [a.strip() for a in str(self.message["To"] or "").split(",") if a.strip()]

    @property
    def cc(self) -> list[str]:
        return [a.strip() for a in str(self.message["Cc"] or "").split(",") if a.strip()]

    @property
    def text(self) -> str:
        return str(self.message.get_body(preferencelist=("plain",)).get_content())  # type: ignore[union-attr]

    @property
    def html(self) -> str:
        return str(self.message.get_body(preferencelist=("html",)).get_content())  # type: ignore[union-attr]

    @property
    def html_text(self) -> str:
        """What a reader sees of the HTML part: tags dropped, entities decoded."""
        return html.unescape(re.sub(r"<[^>]+>", "", self.html))


@dataclass
class Recorder:
    """An aiosmtpd handler: keeps every accepted message; refuses listed recipients with 550; can hold the n-th
    transaction at RCPT until released (to kill a sender in the middle of a batch)."""

    received: list[Received] = field(default_factory=list)
    refused: set[str] = field(default_factory=set)
    hold_at: int | None = None  # the n-th RCPT command (1-based) waits for `release`
    release: threading.Event = field(default_factory=threading.Event)
    holding: threading.Event = field(default_factory=threading.Event)
    _rcpts: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self) -> None:
        self.received.clear()
        self.refused.clear()
        self.hold_at, self._rcpts = None, 0
        self.release.clear()
        self.holding.clear()

    async def handle_RCPT(self, _server: Any, _session: Any, envelope: Any, address: str,
                          _options: list[str]) -> str:
        with self._lock:
            self._rcpts += 1
            hold = self._rcpts == self.hold_at
        if hold:
            self.holding.set()
            await asyncio.to_thread(self.release.wait, 60)
            return "451 4.3.0 Try again later"
        if address in self.refused:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.received.append(Received(tuple(envelope.rcpt_tos), message))  # type: ignore[arg-type]
        return "250 OK"

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.rcpt_tos]

    def take(self) -> list[Received]:
        """What arrived since the last take."""
        taken = list(self.received)
        del self.received[: len(taken)]
        return taken

    def of_kind(self, kind: str) -> list[Received]:
        return [r for r in self.received if r.kind == kind]

    def message_id_counts(self) -> Counter[str]:
        return Counter(r.message_id for r in self.received)
