"""Evidence service: `uvicorn --factory evidence.main:create_app`."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from fastapi import FastAPI

from edudx_common.app import create_service_app, database_and_tokens
from edudx_common.http import downstream_clients
from edudx_common.scope import RemoteUnitTree
from edudx_common.tables.audit import audit_router
from evidence.catalogue.router import router as catalogue_router
from evidence.clients.submissions import SubmissionsClient
from evidence.config import Settings
from evidence.files.router import router as files_router
from evidence.files.sweeper import run_sweeper
from evidence.links.router import router as links_router
from evidence.reviews.router import router as reviews_router
from evidence.storage.base import ObjectStorage
from evidence.storage.s3 import S3Storage

VERSION = "0.1.0"


def make_storage(settings: Settings) -> ObjectStorage:
    return S3Storage(endpoint=settings.s3_endpoint, access_key=settings.s3_access_key,
                     secret_key=settings.s3_secret_key, bucket=settings.s3_bucket, secure=settings.s3_secure,
                     region=settings.s3_region, timeout=settings.s3_timeout_seconds,
                     public_endpoint=settings.s3_public_endpoint)


def create_app(settings: Settings | None = None, *, storage: ObjectStorage | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        clients, _ = downstream_clients(settings, submissions=settings.submissions_url)
        identity, submissions = clients["identity"], clients["submissions"]
        objects = storage or make_storage(settings)
        app.state.storage = objects
        app.state.submissions = SubmissionsClient(submissions)
        app.state.unit_tree = RemoteUnitTree(identity)
        try:
            async with database_and_tokens(app, settings, service="evidence"):
                await objects.ensure_bucket()
                app.state.readiness_checks["storage"] = objects.ping
                sweeper = None
                if settings.sweep_after_minutes > 0:
                    sweeper = asyncio.create_task(run_sweeper(
                        app.state.session_factory, objects, older_than=timedelta(minutes=settings.sweep_after_minutes),
                        interval_seconds=settings.sweep_interval_seconds))
                try:
                    yield
                finally:
                    if sweeper is not None:
                        sweeper.cancel()
                        with contextlib.suppress(asyncio.CancelledError):
                            await sweeper
        finally:
            for client in (identity, submissions):
                await client.aclose()

    return create_service_app(
        name="evidence",
        title="EduDX Evidence",
        description="Minh chứng của báo cáo: tệp (PDF, ảnh, tài liệu Office, video) và đường liên kết.",
        version=VERSION,
        routers=[audit_router("evidence"), files_router, links_router, catalogue_router, reviews_router],
        lifespan=lifespan,
    )
