"""Scoring service: `uvicorn --factory scoring.main:create_app`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from edudx_common.app import create_service_app, database_and_tokens
from edudx_common.db import utcnow
from edudx_common.event_retention import EventRetention
from edudx_common.http import downstream_clients
from edudx_common.metrics import outbox_depth_source
from edudx_common.scope import RemoteUnitTree
from edudx_common.tables.audit import audit_router
from edudx_common.tables.outbox_dispatcher import OutboxDispatcher
from scoring.authority_index.router import router as authority_index_router
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
        clients, receivers = downstream_clients(settings, receivers=settings.event_receivers,
                                                submissions=settings.submissions_url, evidence=settings.evidence_url)
        identity, submissions, evidence = clients["identity"], clients["submissions"], clients["evidence"]
        app.state.identity = IdentityClient(identity)
        app.state.submissions = SubmissionsClient(submissions)
        app.state.evidence = EvidenceClient(evidence)
        app.state.unit_tree = RemoteUnitTree(identity)
        app.state.events = EventSink(tuple(receivers))
        app.state.clock = utcnow
        app.state.results_signer = None
        if settings.results_signing_pkcs12_file:
            from edudx_common.pdfsign import load_pkcs12_signer  # pyHanko: only when signing is configured

            app.state.results_signer = load_pkcs12_signer(settings.results_signing_pkcs12_file,
                                                          settings.results_signing_pkcs12_password)
        try:
            async with database_and_tokens(app, settings, service="scoring"):
                dispatcher = OutboxDispatcher(app.state.session_factory, receivers)
                retention = EventRetention.from_settings(app.state.session_factory, settings)
                async with dispatcher.running(idle_seconds=1.0), retention.running():
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
        routers=[audit_router("scoring"), rubrics_router, sheets_router, authority_index_router, results_router,
                 public_router, events_router],
        lifespan=lifespan,
        metrics_sources=[outbox_depth_source("scoring")],
    )
