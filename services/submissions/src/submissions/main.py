"""Submissions service: `uvicorn --factory submissions.main:create_app`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from fastapi import FastAPI

from edudx_common.app import create_service_app, database_and_tokens
from edudx_common.db import utcnow
from edudx_common.event_retention import EventRetention
from edudx_common.http import downstream_clients
from edudx_common.metrics import outbox_depth_source
from edudx_common.tables.audit import audit_router
from edudx_common.tables.outbox_dispatcher import OutboxDispatcher
from submissions.campaigns.router import router as campaigns_router
from submissions.clients.evidence import EvidenceClient
from submissions.clients.identity import IdentityClient
from submissions.clients.scoring import ScoringClient
from submissions.config import Settings
from submissions.events import EventSink
from submissions.events_router import router as events_router
from submissions.exports.router import router as exports_router
from submissions.mirror.router import router as mirror_router
from submissions.outlines.router import router as outlines_router
from submissions.review.bulk import BulkRunner
from submissions.review.router import router as review_router
from submissions.school_years.router import router as school_years_router
from submissions.signatures.pki import load_trust_list
from submissions.signatures.router import router as signatures_router
from submissions.signatures.service import SignaturePolicy
from submissions.status.router import router as status_router
from submissions.workflow.router import router as workflow_router

VERSION = "0.1.0"


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        urls = {"scoring": settings.scoring_url}
        if settings.evidence_url:
            urls["evidence"] = settings.evidence_url
        clients, receivers = downstream_clients(settings, receivers=settings.event_receivers, **urls)
        identity = clients["identity"]
        app.state.identity = IdentityClient(identity)
        app.state.scoring = ScoringClient(clients["scoring"])
        app.state.evidence = EvidenceClient(clients.get("evidence"))
        app.state.events = EventSink(tuple(receivers))
        app.state.clock = utcnow
        app.state.pdf_limiter = anyio.CapacityLimiter(1)
        app.state.signature_policy = SignaturePolicy(load_trust_list(settings.signature_trust_files),
                                                     settings.signature_revocation_fetching)
        try:
            async with database_and_tokens(app, settings, service="submissions"):
                dispatcher = OutboxDispatcher(app.state.session_factory, receivers)
                retention = EventRetention.from_settings(app.state.session_factory, settings)
                runner = BulkRunner(app)
                async with (dispatcher.running(idle_seconds=1.0), retention.running(),
                            runner.running(idle_seconds=1.0)):
                    yield
        finally:
            for client in (*clients.values(), *receivers.values()):
                await client.aclose()

    return create_service_app(
        name="submissions",
        title="EduDX Submissions",
        description="Năm học, đợt báo cáo, đề cương, báo cáo của đơn vị và quy trình thẩm định.",
        version=VERSION,
        # Routes are tried in order: the deadline-day ones (autosave, dashboard, submit, status) first. No path of
        # one router is matched by another's, so the order changes nothing else.
        routers=[workflow_router, status_router, review_router, audit_router("submissions"),
                 school_years_router, outlines_router, campaigns_router, mirror_router, exports_router,
                 signatures_router, events_router],
        lifespan=lifespan,
        metrics_sources=[outbox_depth_source("submissions")],
    )
