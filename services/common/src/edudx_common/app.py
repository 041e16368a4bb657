"""The one way a service app is assembled: prefix, docs, errors, request ids, health, token checks."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI

from edudx_common import health
from edudx_common.db import create_engine, ping, session_factory
from edudx_common.errors import install_problem_handlers
from edudx_common.jwt import KeySource, RemoteJWKS, TokenVerifier
from edudx_common.logging import RequestContextMiddleware, configure_logging
from edudx_common.settings import BaseServiceSettings

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


def create_service_app(
    *,
    name: str,
    title: str,
    description: str,
    version: str,
    routers: Sequence[APIRouter],
    lifespan: Lifespan,
    tags: list[dict[str, Any]] | None = None,
) -> FastAPI:
    prefix = f"/api/{name}"
    app = FastAPI(
        title=title,
        description=description,
        version=version,
        lifespan=lifespan,
        openapi_url=f"{prefix}/openapi.json",
        docs_url=f"{prefix}/docs",
        redoc_url=None,
        openapi_tags=tags,
    )
    install_problem_handlers(app)
    app.add_middleware(RequestContextMiddleware)
    app.include_router(health.router)
    for router in routers:
        app.include_router(router, prefix=prefix)
    return app


@asynccontextmanager
async def database_and_tokens(
    app: FastAPI, settings: BaseServiceSettings, *, service: str, keys: KeySource | None = None
) -> AsyncIterator[None]:
    """What every service's lifespan starts: logging, the engine, the session factory, the token verifier."""
    configure_logging(service, settings.log_level, settings.log_json)
    engine = create_engine(settings.database_url, schema=settings.database_schema)
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = session_factory(engine)
    app.state.token_verifier = TokenVerifier(
        keys or RemoteJWKS(settings.jwks_url), issuer=settings.jwt_issuer, audience=settings.jwt_audience
    )
    app.state.readiness_checks = {"database": lambda: ping(engine)}
    try:
        yield
    finally:
        await engine.dispose()
