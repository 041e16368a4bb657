"""The one way a service app is assembled: prefix, docs, errors, request ids, health, token checks."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI

from edudx_common import health
from edudx_common.background import in_background
from edudx_common.db import (
    autocommit_session_factory,
    create_engine,
    ping,
    read_session_factory,
    session_factory,
)
from edudx_common.errors import install_problem_handlers
from edudx_common.hardening import NO_STORE, ServiceLayers
from edudx_common.http import ServiceClient, ServiceTokenProvider
from edudx_common.jwt import KeySource, RemoteJWKS, TokenVerifier, service_audience
from edudx_common.logging import RequestContextMiddleware, configure_logging
from edudx_common.metrics import RequestMetrics, ScrapeSource, install_metrics
from edudx_common.openapi import RouteIds, finish_spec
from edudx_common.revocation import CHANNEL_INFO, RevocationChannel, RevokedSessions, SessionSource, from_identity
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
    metrics_sources: Sequence[ScrapeSource] = (),
) -> FastAPI:
    prefix = f"/api/{name}"
    route_ids = RouteIds(name)
    app = FastAPI(
        title=title,
        description=description,
        version=version,
        lifespan=lifespan,
        openapi_url=f"{prefix}/openapi.json",
        docs_url=f"{prefix}/docs",
        redoc_url=None,
        openapi_tags=tags,
        # No 307 to "/path" for "/path/": its Location would carry the service's internal address.
        redirect_slashes=False,
        # Operation ids from the feature and the function (`campaigns_list`), not the path; one schema per model
        # (no `-Input`/`-Output` pairs, which generated clients could not type).
        generate_unique_id_function=route_ids,
        separate_input_output_schemas=False,
        # FastAPI's OpenTelemetry hooks: EduDX installs no OpenTelemetry provider (its metrics are Prometheus'), yet
        # with them on FastAPI asks the three global providers on every request whether one was installed.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    install_problem_handlers(app)
    _document_contract(app, route_ids)
    install_metrics(app, service=name, sources=metrics_sources, middleware=False)
    # Body limits, the last-resort 500, the request a page answers and the Location of a 201, in one layer.
    app.add_middleware(ServiceLayers, routes_of=app)
    # Added last, so outermost: the request id is set before anything else runs. It also counts the request
    # (metrics) and adds `Cache-Control: no-store`, in its one wrapper of `send` (each layer's costs every request).
    app.add_middleware(RequestContextMiddleware, metrics=RequestMetrics(name), default_headers=NO_STORE)
    app.include_router(health.router)
    for router in routers:
        app.include_router(router, prefix=prefix)
    return app


def _document_contract(app: FastAPI, route_ids: RouteIds) -> None:
    """What the document says beyond FastAPI's derivation: security, standard answers, problem codes, tags
    (`edudx_common.openapi`)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        app.openapi_schema = finish_spec(build(), route_ids=route_ids)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


@asynccontextmanager
async def database_and_tokens(
    app: FastAPI, settings: BaseServiceSettings, *, service: str, keys: KeySource | None = None,
    revoked_sessions: SessionSource | None = None,
) -> AsyncIterator[None]:
    """What every service's lifespan starts: logging, the engine, the session factory, the token verifier, and
    the list of revoked sessions (from `revoked_sessions`, or else asked of identity with this service's
    credentials; a service without credentials, run alone, checks none)."""
    configure_logging(service, settings.log_level, settings.log_json)
    engine = create_engine(settings.database_url, schema=settings.database_schema,
                           pool_size=settings.database_pool_size, max_overflow=settings.database_max_overflow)
    channel = (RevocationChannel(settings.redis_url, prefix=settings.redis_key_prefix)
               if settings.redis_url else None)
    app.state.settings = settings
    app.state.engine = engine
    app.state.revocation_channel = channel
    # Identity's sessions carry the channel: what they revoke is announced once committed (note_revoked).
    app.state.session_factory = session_factory(engine, info={CHANNEL_INFO: channel} if channel else None)
    app.state.read_session_factory = read_session_factory(engine)
    app.state.autocommit_session_factory = autocommit_session_factory(engine)
    key_source = keys or RemoteJWKS(settings.jwks_url)
    app.state.token_verifier = TokenVerifier(
        key_source, issuer=settings.jwt_issuer, audience=settings.jwt_audience,
        service_audience=service_audience(settings.jwt_audience, service),
    )
    app.state.readiness_checks = {"database": lambda: ping(engine)}
    identity: ServiceClient | None = None
    if revoked_sessions is None and settings.service_client_id:
        tokens = ServiceTokenProvider(identity_url=settings.identity_url, client_id=settings.service_client_id,
                                      client_secret=settings.service_client_secret)
        identity = ServiceClient(settings.identity_url, name="identity", token_provider=tokens, retries=0,
                                 timeout=min(settings.http_timeout_seconds, 5.0))
        revoked_sessions = from_identity(identity)

    def keys_changed() -> None:
        # Identity's keys were rotated: forget the cached JWKS (and the tokens verified with it).
        if isinstance(key_source, RemoteJWKS):
            key_source.invalidate()
        app.state.token_verifier.forget()

    try:
        if revoked_sessions is None:
            yield
        else:
            app.state.revocations = RevokedSessions(revoked_sessions, poll_seconds=settings.revocation_poll_seconds,
                                                    channel=channel, on_keys_changed=keys_changed)
            async with in_background(app.state.revocations.run(), name=f"{service}-revoked-sessions"):
                yield
    finally:
        if identity is not None:
            await identity.aclose()
        if channel is not None:
            await channel.close()
        await engine.dispose()
