"""Operator paths for the outbox and the inbox: their retention, run beside a service, and the commands an
operator runs (`python -m <service>.cli outbox status|requeue|purge`, `… inbox status|purge`).

Without retention both tables only grow: a delivered outbox message is history, an accepted inbox id is needed
only while its producer may send the event again (a lease after a crash: a minute, not days). `EventRetention`
deletes both after the kept time in every replica (a DELETE by age is harmless when two run it at once).
A message a receiver rejected for good (`failed`) is never purged: it waits for an operator (docs/operations.md).
"""

from __future__ import annotations

import argparse
import asyncio
import re
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

import structlog
from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from edudx_common.background import in_background
from edudx_common.db import create_engine, session_factory, utcnow
from edudx_common.metrics import EVENTS_PURGED
from edudx_common.settings import BaseServiceSettings

log = structlog.get_logger("edudx.event_retention")

AGE = re.compile(r"^(\d+)([dhm])$")  # 30d, 12h, 90m
AGE_UNITS = {"d": "days", "h": "hours", "m": "minutes"}
EVENT_COMMANDS = ("outbox", "inbox")


class EventRetentionSettings(BaseServiceSettings):
    """How often the retention runs (`<SVC>_EVENT_RETENTION_INTERVAL_SECONDS`); a service's settings take the
    kept times of the tables it has from `OutboxRetentionSettings` and/or `InboxRetentionSettings`."""

    event_retention_interval_seconds: float = Field(default=3600.0, gt=0)


class OutboxRetentionSettings(EventRetentionSettings):
    outbox_keep_delivered_days: float = Field(default=30.0, gt=0)


class InboxRetentionSettings(EventRetentionSettings):
    # At least a day: an event is sent again at most a lease (a minute) after it was accepted.
    inbox_keep_days: float = Field(default=30.0, ge=1)


@dataclass(frozen=True)
class RetentionReport:
    outbox_purged: int = 0
    inbox_purged: int = 0


class EventRetention:
    """Deletes delivered outbox messages and accepted inbox ids older than their kept time, every `interval`."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], *, outbox_keep: timedelta | None,
                 inbox_keep: timedelta | None, interval_seconds: float,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self._sessions = sessions
        self.outbox_keep = outbox_keep
        self.inbox_keep = inbox_keep
        self._interval = interval_seconds
        self._clock = clock

    @classmethod
    def from_settings(cls, sessions: async_sessionmaker[AsyncSession], settings: EventRetentionSettings
                      ) -> EventRetention:
        """The retention of the tables the service's settings name a kept time for."""
        outbox_keep = inbox_keep = None
        if isinstance(settings, OutboxRetentionSettings):
            outbox_keep = timedelta(days=settings.outbox_keep_delivered_days)
        if isinstance(settings, InboxRetentionSettings):
            inbox_keep = timedelta(days=settings.inbox_keep_days)
        return cls(sessions, outbox_keep=outbox_keep, inbox_keep=inbox_keep,
                   interval_seconds=settings.event_retention_interval_seconds)

    async def purge_once(self) -> RetentionReport:
        # The tables' modules are imported here: each adds its table to the metadata of the services importing it.
        from edudx_common.tables.inbox import purge_accepted
        from edudx_common.tables.outbox import purge_delivered

        now = self._clock()
        outbox_purged = inbox_purged = 0
        async with self._sessions() as session, session.begin():
            if self.outbox_keep is not None:
                outbox_purged = await purge_delivered(session, older_than=now - self.outbox_keep)
            if self.inbox_keep is not None:
                inbox_purged = await purge_accepted(session, older_than=now - self.inbox_keep)
        if self.outbox_keep is not None:
            EVENTS_PURGED.labels("outbox_messages").inc(outbox_purged)
        if self.inbox_keep is not None:
            EVENTS_PURGED.labels("inbox_events").inc(inbox_purged)
        if outbox_purged or inbox_purged:
            log.info("event_records_purged", outbox=outbox_purged, inbox=inbox_purged)
        return RetentionReport(outbox_purged, inbox_purged)

    async def run_forever(self) -> None:
        """Purge now and then every interval until cancelled; an error (a database outage) is logged and the
        next round tries again."""
        while True:
            try:
                await self.purge_once()
            except Exception:
                log.exception("event_retention_failed")
            await asyncio.sleep(self._interval)

    def running(self) -> AbstractAsyncContextManager[asyncio.Task[None]]:
        return in_background(self.run_forever(), name="event-retention")


def parse_age(value: str) -> timedelta:
    """`30d`, `12h` or `90m` as a timedelta (the `--older-than` of the commands)."""
    match = AGE.match(value.strip())
    if match is None:
        raise argparse.ArgumentTypeError("expected an age like 30d, 12h or 90m")
    return timedelta(**{AGE_UNITS[match.group(2)]: int(match.group(1))})


def add_event_commands(commands: Any, *, outbox: bool, inbox: bool) -> None:
    """Add `outbox …` and/or `inbox …` to a service's command parser (`commands` from `add_subparsers`)."""
    if outbox:
        parser = commands.add_parser("outbox", help="events this service sends: backlog, requeue, purge")
        actions = parser.add_subparsers(dest="action", required=True)
        status = actions.add_parser("status", help="per receiver: pending, failed, oldest pending; the failed ones")
        status.add_argument("--receiver", help="list only this receiver's failed messages")
        requeue = actions.add_parser("requeue", help="send a receiver's failed messages again (after a fix)")
        requeue.add_argument("--receiver", required=True)
        requeue.add_argument("--event-type", help="only messages of this type, e.g. submission.submitted")
        purge = actions.add_parser("purge", help="delete messages delivered before the given age")
        purge.add_argument("--older-than", required=True, type=parse_age, help="e.g. 30d")
    if inbox:
        parser = commands.add_parser("inbox", help="ids of events this service accepted: count, purge")
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser("status", help="how many ids are kept and the age of the oldest")
        purge = actions.add_parser("purge", help="delete ids accepted before the given age (at least 1d)")
        purge.add_argument("--older-than", required=True, type=parse_age, help="e.g. 30d")


async def run_event_command(settings: BaseServiceSettings, args: argparse.Namespace) -> dict[str, Any]:
    """Run an `outbox …` or `inbox …` command against the service's database; its result as JSON-ready data."""
    engine = create_engine(settings.database_url, schema=settings.database_schema)
    try:
        async with session_factory(engine)() as session, session.begin():
            if args.command == "outbox":
                return await _outbox_command(session, args)
            return await _inbox_command(session, args)
    finally:
        await engine.dispose()


async def _outbox_command(session: AsyncSession, args: argparse.Namespace) -> dict[str, Any]:
    from edudx_common.tables.outbox import failed_messages, pending_counts, purge_delivered, requeue_failed

    if args.action == "requeue":
        return {"requeued": await requeue_failed(session, receiver=args.receiver, event_type=args.event_type)}
    if args.action == "purge":
        return {"purged": await purge_delivered(session, older_than=utcnow() - args.older_than)}
    failed = await failed_messages(session, receiver=args.receiver)
    return {"receivers": await pending_counts(session),
            "failed": [{**asdict(message), "event_id": str(message.event_id),
                        "created_at": message.created_at.isoformat()} for message in failed]}


async def _inbox_command(session: AsyncSession, args: argparse.Namespace) -> dict[str, Any]:
    from edudx_common.tables.inbox import accepted_counts, purge_accepted

    if args.action == "purge":
        if args.older_than < timedelta(days=1):
            raise SystemExit("inbox purge: --older-than must be at least 1d (a redelivered event must be recognised)")
        return {"purged": await purge_accepted(session, older_than=utcnow() - args.older_than)}
    return await accepted_counts(session)
