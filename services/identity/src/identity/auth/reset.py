"""Password-reset requests, handled beside the request instead of inside it.

The endpoint only puts the address in this queue and answers 202: whether an account exists, is active, is in
its cooldown or gets a mail, the answer and its timing are the same. One worker per process takes the addresses
in turn; the per-account cooldown itself is a compare-and-set in the database, so several replicas still send at
most one mail per account per `IDENTITY_PASSWORD_RESET_COOLDOWN_MINUTES`.
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from identity.auth import service
from identity.auth.service import AuthKit
from identity.mail import MailOutbox, queue

log = logging.getLogger("identity.reset")


class PasswordResetQueue:
    def __init__(self, session_factory: async_sessionmaker[AsyncSession], kit: AuthKit, outbox: MailOutbox, *,
                 max_pending: int = 1000) -> None:
        self._sessions = session_factory
        self._kit = kit
        self._outbox = outbox
        self._pending: asyncio.Queue[str] = asyncio.Queue(maxsize=max_pending)

    def submit(self, email: str) -> None:
        """Queue one request; when the queue is full (a flood) the request is dropped, answered alike."""
        try:
            self._pending.put_nowait(email)
        except asyncio.QueueFull:
            log.warning("password-reset queue full; request dropped")

    async def drained(self) -> None:
        """Wait until every queued request has been handled."""
        await self._pending.join()

    async def run(self) -> None:
        while True:
            email = await self._pending.get()
            try:
                await self._handle(email)
            except Exception:  # one failed request must not stop the others
                log.exception("password-reset request failed")
            finally:
                self._pending.task_done()

    async def _handle(self, email: str) -> None:
        async with self._sessions() as session:
            mail = await service.request_password_reset(session, self._kit, email=email)
            if mail is None:
                await session.rollback()
                return
            queue(session, mail)
            await session.commit()
        await self._outbox.deliver_now()
