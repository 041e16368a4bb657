"""The background work: planning, expanding, sending, reconciling. Safe to run in every replica at once.

The same `Worker` runs inside the app's lifespan (NOTIFICATIONS_RUN_WORKERS, default on) and alone as
`python -m notifications.cli worker`. Each step also runs on demand (`run_once`), which tests use with a clock
they move instead of waiting.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from edudx_common.background import in_background
from edudx_common.db import create_engine, session_factory
from edudx_common.http import ServiceClient, downstream_clients
from notifications.campaigns import repository as campaigns_repository
from notifications.campaigns.sync import SyncReport, reconcile
from notifications.clients.identity import IdentityClient
from notifications.clients.submissions import SubmissionsClient
from notifications.config import Settings
from notifications.delivery.compose import Links
from notifications.delivery.expander import Expander
from notifications.delivery.sender import Sender, SendReport, transport_factory
from notifications.directory.service import Directory
from notifications.reminders.planner import Planner, PlanReport
from notifications.timing import Clock, QuietHours
from notifications.webhooks import repository as webhooks_repository
from notifications.webhooks.sender import webhook_dispatcher

log = structlog.get_logger("notifications.worker")

STEPS = ("plan", "expand", "send", "reconcile", "webhooks", "retention")


def worker_name() -> str:
    """Who holds a claim: host, process and a random part (a restarted process is somebody else)."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{secrets.token_hex(3)}"


@dataclass
class RunReport:
    plan: PlanReport | None = None
    expanded: int = 0
    send: SendReport | None = None
    synced: list[SyncReport] | None = None
    webhooks_delivered: int = 0
    webhook_deliveries_purged: int = 0


class Worker:
    def __init__(self, settings: Settings, sessions: async_sessionmaker[AsyncSession], *, clock: Clock,
                 identity: ServiceClient, submissions: ServiceClient, name: str | None = None) -> None:
        self.settings = settings
        self.name = name or worker_name()
        self.clock = clock
        self.sessions = sessions
        self.submissions = SubmissionsClient(submissions)
        self.directory = Directory(sessions, IdentityClient(identity), ttl_seconds=settings.directory_ttl_seconds)
        quiet = QuietHours(settings.quiet_hours_start, settings.quiet_hours_end)
        self.planner = Planner(sessions, catch_up_hours=settings.catch_up_hours, digest_time=settings.digest_time)
        self.expander = Expander(sessions, self.directory, self.submissions, links=Links(settings.app_base_url),
                                 quiet_hours=quiet,
                                 mail_domain=settings.mail_domain, owner=self.name,
                                 batch_size=settings.expand_batch_size, lease_seconds=settings.expand_lease_seconds,
                                 give_up_after_hours=settings.give_up_after_hours)
        self.sender = Sender(
            sessions, transport_factory(settings.smtp() if settings.smtp_host else None,
                                        show_body=settings.environment == "development"),
            owner=self.name, mail_from=settings.mail_from, clock=clock, quiet_hours=quiet,
            batch_size=settings.send_batch_size, connections=settings.smtp_connections,
            lease_seconds=settings.send_lease_seconds, smtp_timeout_seconds=settings.smtp_timeout_seconds,
            retry_base_seconds=settings.retry_base_seconds, retry_max_seconds=settings.retry_max_seconds)
        self.webhooks = webhook_dispatcher(settings, sessions, clock=clock)

    async def run_once(self, now: datetime | None = None, *, steps: tuple[str, ...] = STEPS) -> RunReport:
        """Every step once, until nothing is left to expand or send that is due at `now` (default: the clock)."""
        now = now or self.clock()
        report = RunReport()
        if "reconcile" in steps:
            report.synced = await self.reconcile_due(now)
        if "plan" in steps:
            report.plan = await self.planner.plan(now)
        if "expand" in steps:
            while (count := await self.expander.expand_due(now)) > 0:
                report.expanded += count
        if "send" in steps:
            total = SendReport()
            while (batch := await self.sender.send_due(now)).claimed > 0:
                for name in ("claimed", "sent", "retried", "failed", "cancelled", "released"):
                    setattr(total, name, getattr(total, name) + getattr(batch, name))
                total.lost_leases += batch.lost_leases
                if batch.sent + batch.cancelled + batch.failed == 0:
                    break  # everything claimed is waiting for a retry: do not spin
            report.send = total
        if "webhooks" in steps:
            while (delivered := await self.webhooks.deliver_due()) > 0:
                report.webhooks_delivered += delivered
        if "retention" in steps:
            report.webhook_deliveries_purged = await self.purge_webhook_deliveries(now)
        return report

    async def purge_webhook_deliveries(self, now: datetime, *, keep: timedelta | None = None) -> int:
        """The webhook delivery log's retention: delivered or given-up deliveries older than the kept time."""
        keep = keep if keep is not None else timedelta(days=self.settings.webhooks_keep_deliveries_days)
        async with self.sessions() as session, session.begin():
            purged = await webhooks_repository.purge_deliveries(session, older_than=now - keep)
        if purged:
            log.info("webhook_deliveries_purged", count=purged)
        return purged

    async def reconcile_due(self, now: datetime, *, limit: int = 20) -> list[SyncReport]:
        synced_before = now - timedelta(seconds=self.settings.reconcile_interval_seconds)
        async with self.sessions() as session:
            ids = await campaigns_repository.campaigns_to_sync(session, synced_before=synced_before, limit=limit)
        return [await reconcile(self.sessions, self.submissions, campaign_id, now=now) for campaign_id in ids]

    async def run_forever(self, *, steps: tuple[str, ...] = STEPS) -> None:
        """Each step in its own loop, so a slow SMTP server never holds up planning. Errors are logged; the loop
        goes on (the database or identity may come back)."""
        loops: dict[str, tuple[Callable[[], Awaitable[int]], float]] = {
            "plan": (self._plan_pass, self.settings.planner_interval_seconds),
            "expand": (lambda: self.expander.expand_due(self.clock()), self.settings.idle_seconds),
            "send": (self._send_pass, self.settings.idle_seconds),
            "reconcile": (self._reconcile_pass, max(self.settings.planner_interval_seconds, 30.0)),
            "webhooks": (self.webhooks.deliver_due, self.settings.idle_seconds),
            "retention": (self._retention_pass, self.settings.event_retention_interval_seconds),
        }
        async with asyncio.TaskGroup() as group:
            for step in steps:
                work, idle = loops[step]
                group.create_task(self._loop(step, work, idle), name=f"notifications-{step}")

    async def _plan_pass(self) -> int:
        await self.planner.plan(self.clock())
        return 0

    async def _send_pass(self) -> int:
        report = await self.sender.send_due(self.clock())
        return report.sent + report.cancelled + report.failed

    async def _retention_pass(self) -> int:
        await self.purge_webhook_deliveries(self.clock())
        return 0  # then wait the interval

    async def _reconcile_pass(self) -> int:
        await self.reconcile_due(self.clock())
        return 0

    async def _loop(self, step: str, work: Callable[[], Awaitable[int]], idle: float) -> None:
        while True:
            try:
                busy = await work()
            except Exception:
                log.exception("worker_step_failed", step=step, worker=self.name)
                busy = 0
            if not busy:
                await asyncio.sleep(idle)

    def running(self, *, steps: tuple[str, ...] = STEPS) -> AbstractAsyncContextManager[asyncio.Task[None]]:
        return in_background(self.run_forever(steps=steps), name="notifications-worker")


@dataclass
class Runtime:
    """A worker with everything it needs, for the CLI and tests: close it with `aclose()`."""

    worker: Worker
    engine: AsyncEngine
    clients: tuple[ServiceClient, ...]

    async def aclose(self) -> None:
        for client in self.clients:
            await client.aclose()
        await self.engine.dispose()


def service_clients(settings: Settings) -> tuple[ServiceClient, ServiceClient]:
    """identity and submissions, with this service's own token."""
    clients, _ = downstream_clients(settings, submissions=settings.submissions_url)
    return clients["identity"], clients["submissions"]


def build_runtime(settings: Settings, *, clock: Clock) -> Runtime:
    engine = create_engine(settings.database_url, schema=settings.database_schema,
                           pool_size=settings.database_pool_size, max_overflow=settings.database_max_overflow)
    identity, submissions = service_clients(settings)
    worker = Worker(settings, session_factory(engine), clock=clock, identity=identity, submissions=submissions)
    return Runtime(worker, engine, (identity, submissions))
