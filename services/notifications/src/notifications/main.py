"""Notifications service: `uvicorn --factory notifications.main:create_app`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from fastapi import FastAPI

from edudx_common.app import create_service_app, database_and_tokens
from edudx_common.db import utcnow
from edudx_common.event_retention import EventRetention
from edudx_common.scope import RemoteUnitTree
from edudx_common.tables.audit import audit_router
from notifications.calendar_feeds.router import router as calendar_router
from notifications.campaigns.router import router as campaigns_router
from notifications.clients.identity import IdentityClient
from notifications.clients.submissions import SubmissionsClient
from notifications.config import Settings
from notifications.delivery.router import router as deliveries_router
from notifications.events.router import router as events_router
from notifications.feed.router import router as feed_router
from notifications.preferences.router import router as preferences_router
from notifications.timing import Clock
from notifications.webhooks.router import router as webhooks_router
from notifications.worker import Worker, service_clients

VERSION = "0.1.0"


def create_app(settings: Settings | None = None, *, clock: Clock = utcnow) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        identity, submissions = service_clients(settings)
        # Tests replace app.state.clock to move time; everything reads it through this indirection.
        app.state.clock = clock
        app.state.identity = IdentityClient(identity)
        app.state.submissions = SubmissionsClient(submissions)
        app.state.unit_tree = RemoteUnitTree(identity)
        try:
            async with database_and_tokens(app, settings, service="notifications"), AsyncExitStack() as stack:
                worker = Worker(settings, app.state.session_factory, clock=lambda: app.state.clock(),
                                identity=identity, submissions=submissions)
                app.state.worker = worker
                app.state.directory = worker.directory
                if settings.run_workers:
                    await stack.enter_async_context(worker.running())
                # The inbox is written by this API's events route, so its retention runs here, not in the workers.
                retention = EventRetention.from_settings(app.state.session_factory, settings)
                await stack.enter_async_context(retention.running())
                yield
        finally:
            for client in (identity, submissions):
                await client.aclose()

    return create_service_app(
        name="notifications",
        title="EduDX Notifications",
        description="Nhắc hạn nộp báo cáo, thư điện tử, bảng tin trong ứng dụng, tuỳ chọn nhận thư và lịch hạn nộp "
                    "(ICS).",
        version=VERSION,
        routers=[audit_router("notifications"),
                 feed_router, preferences_router, campaigns_router, calendar_router, deliveries_router,
                 webhooks_router, events_router],
        lifespan=lifespan,
    )
