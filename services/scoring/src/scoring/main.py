"""Scoring service: `uvicorn --factory scoring.main:create_app`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from edudx_common.app import create_service_app, database_and_tokens
from edudx_common.db import utcnow
from edudx_common.http import ServiceClient, ServiceTokenProvider
from edudx_common.outbox import OutboxDispatcher
from edudx_common.scope import RemoteUnitTree
from scoring.clients.evidence import EvidenceClient
from scoring.clients.identity import IdentityClient
from scoring.clients.submissions import SubmissionsClient
from scoring.config import Settings
from scoring.events import EventSink
from scoring.events_router import router as events_router
from scoring.public.router import router as public_router
from scoring.results.router import router as results_router
from scoring.rubrics.router import router as rubrics_router
from scoring.sheets.router import router as sheets_router

VERSION = "0.1.0"


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        tokens = ServiceTokenProvider(identity_url=settings.identity_url, client_id=settings.service_client_id,
                                      client_secret=settings.service_client_secret)

        def client(url: str, name: str, retries: int = 2) -> ServiceClient:
            return ServiceClient(url, name=name, token_provider=tokens, timeout=settings.http_timeout_seconds,
                                 retries=retries)

        identity = client(settings.identity_url, "identity")
        submissions = client(settings.submissions_url, "submissions")
        evidence = client(settings.evidence_url, "evidence")
        receivers = {name: client(url, name, retries=0) for name, url in settings.event_receivers.items()}
        app.state.identity = IdentityClient(identity)
        app.state.submissions = SubmissionsClient(submissions)
        app.state.evidence = EvidenceClient(evidence)
        app.state.unit_tree = RemoteUnitTree(identity)
        app.state.events = EventSink(tuple(receivers))
        app.state.clock = utcnow
        try:
            async with database_and_tokens(app, settings, service="scoring"):
                dispatcher = OutboxDispatcher(app.state.session_factory, receivers)
                async with dispatcher.running(idle_seconds=1.0):
                    yield
        finally:
            for each in (identity, submissions, evidence, *receivers.values()):
                await each.aclose()

    return create_service_app(
        name="scoring",
        title="EduDX Scoring",
        description="Bộ tiêu chí, tự chấm và chấm thẩm định, xếp loại, xếp hạng, công bố kết quả và mức độ "
                    "chuyển đổi số công khai.",
        version=VERSION,
        routers=[rubrics_router, sheets_router, results_router, public_router, events_router],
        lifespan=lifespan,
    )
