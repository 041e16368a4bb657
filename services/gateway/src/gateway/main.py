"""The gateway app: `uvicorn --factory gateway.main:create_app`, or the `edudx-gateway` command.

No database: the lifespan holds one HTTP client per service, the token verifier, the rate-limit counters
and the merged OpenAPI cache.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from typing import Any

import uvicorn
from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from edudx_common import health
from edudx_common.background import in_background
from edudx_common.errors import install_problem_handlers
from edudx_common.jwt import KeySource, RemoteJWKS, TokenVerifier
from edudx_common.logging import REQUEST_ID_HEADER, RequestContextMiddleware, configure_logging
from edudx_common.metrics import RequestMetrics, install_metrics
from edudx_common.ratelimit import RATE_LIMIT_HEADERS, create_rate_limit_store
from edudx_common.revocation import RevocationChannel
from edudx_common.server import BufferedHttpTools
from gateway import __version__, openapi, proxy, spa
from gateway.compression import JSONCompressionMiddleware
from gateway.config import Settings
from gateway.edge import ProxyEdge
from gateway.hardening import SecurityMiddleware
from gateway.ratelimit import RateLimits
from gateway.upstreams import close_upstreams, create_upstreams


class GatewayApp(FastAPI):
    """The FastAPI app with `ProxyEdge` in front of its middleware stack, inside the request id (see gateway.edge)."""

    def __init__(self, *, settings: Settings, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.state.settings = settings
        self.request_metrics = RequestMetrics("gateway")

    def build_middleware_stack(self) -> ASGIApp:
        settings: Settings = self.state.settings
        compression = (JSONCompressionMiddleware(_no_app, min_bytes=settings.compress_json_min_bytes)
                       if settings.compress_json_min_bytes > 0 else None)
        edge = ProxyEdge(super().build_middleware_stack(), security=SecurityMiddleware(_no_app, settings=settings),
                         cors=CORSMiddleware(_no_app, **cors_options(settings)), compression=compression,
                         exception_handlers=self.exception_handlers)
        # Outermost: every answer carries a request id, a 500 and a CORS refusal too. It counts the requests too
        # (metrics), in its one wrapper of `send`.
        return RequestContextMiddleware(edge, metrics=self.request_metrics)


async def _no_app(scope: Scope, receive: Receive, send: Send) -> None:
    raise RuntimeError("the edge's copies of the middlewares only lend their methods")


def cors_options(settings: Settings) -> dict[str, Any]:
    return {
        "allow_origins": settings.cors_origins,
        "allow_credentials": True,
        "allow_methods": ["*"],
        "allow_headers": ["*"],
        "expose_headers": [REQUEST_ID_HEADER, "Content-Disposition", "Retry-After", "ETag", "Location",
                           *RATE_LIMIT_HEADERS],
        "max_age": 600,
    }


def create_app(settings: Settings | None = None, *, key_source: KeySource | None = None) -> FastAPI:
    settings = settings or Settings()
    app = GatewayApp(
        settings=settings,
        title="EduDX gateway",
        version=__version__,
        lifespan=partial(_lifespan, settings=settings, key_source=key_source),
        # The document served at /api/openapi.json is the merged one, not this app's own.
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        # FastAPI's OpenTelemetry hooks: EduDX installs no OpenTelemetry provider (its metrics are Prometheus'), yet
        # with them on FastAPI asks the three global providers on every request whether one was installed (~8 µs).
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    install_problem_handlers(app)
    # Routes are tried in order and nearly every request is proxied: the proxy comes first, as the plain Starlette
    # route it is. The two exact /api/… paths of the merged document (which its pattern cannot match: one segment
    # after /api/) come next, then /healthz, /metrics and the SPA. FastAPI matches an included router's routes
    # through its own layer: ~1.5 times a plain route's cost for the proxy, and the document's router missing
    # first cost more than the proxy's match. (Proxied requests skip the router and these middlewares:
    # gateway.edge; the stack below serves them only for a CORS preflight.)
    app.router.routes.append(proxy.PROXY_ROUTE)
    app.include_router(openapi.router)
    app.add_middleware(CORSMiddleware, **cors_options(settings))
    # gzip for whole JSON answers (the API and the merged OpenAPI document), see gateway.compression.
    if settings.compress_json_min_bytes > 0:
        app.add_middleware(JSONCompressionMiddleware, min_bytes=settings.compress_json_min_bytes)
    # Inside the request id (its 413 carries one), outside CORS (a CORS refusal has the headers too).
    app.add_middleware(SecurityMiddleware, settings=settings)
    # Public-facing, unlike the services: /metrics only with GATEWAY_METRICS_TOKEN (see edudx_common.metrics).
    # The request id, log line and request metrics: `GatewayApp.build_middleware_stack`.
    install_metrics(app, service="gateway", token_required=True, middleware=False)
    app.include_router(health.router)
    app.include_router(spa.create_router(settings.spa_dir))
    return app


@asynccontextmanager
async def _lifespan(app: FastAPI, *, settings: Settings, key_source: KeySource | None) -> AsyncIterator[None]:
    configure_logging("gateway", settings.log_level, settings.log_json)
    upstreams = create_upstreams(settings)
    app.state.upstreams = upstreams
    keys = key_source or RemoteJWKS(settings.jwks_url)
    app.state.token_verifier = TokenVerifier(keys, issuer=settings.jwt_issuer, audience=settings.jwt_audience)
    rate_limit_store = create_rate_limit_store(settings.redis_url, prefix=settings.redis_key_prefix + "gateway:rl:")
    app.state.rate_limits = RateLimits(settings, rate_limit_store)
    app.state.openapi = openapi.OpenAPICatalogue(
        upstreams, ttl=settings.openapi_cache_seconds, timeout=settings.openapi_fetch_timeout_seconds
    )
    app.state.readiness_checks = {
        name: partial(upstream.check_health, settings.readiness_timeout_seconds)
        for name, upstream in upstreams.items()
    }
    try:
        if settings.redis_url:
            # Identity's key rotations, announced on Redis, reach every gateway replica at once (the services
            # follow revoked sessions there too; the gateway leaves those to them).
            async with in_background(_follow_key_changes(settings, keys, app.state.token_verifier),
                                     name="gateway-key-changes"):
                yield
        else:
            yield
    finally:
        await close_upstreams(upstreams)
        await rate_limit_store.close()


async def _follow_key_changes(settings: Settings, keys: KeySource, verifier: TokenVerifier) -> None:
    channel = RevocationChannel(settings.redis_url, prefix=settings.redis_key_prefix)

    def keys_changed() -> None:
        if isinstance(keys, RemoteJWKS):
            keys.invalidate()
        verifier.forget()

    async def nothing() -> None:
        return None

    try:
        await channel.listen(on_sessions=lambda _sessions: None, on_keys_changed=keys_changed, on_connected=nothing)
    finally:
        await channel.close()


def main() -> None:
    settings = Settings()
    # proxy_headers=False: whether X-Forwarded-For is believed is `GATEWAY_TRUST_FORWARDED_FOR`'s call alone
    # (uvicorn would otherwise already believe it from 127.0.0.1).
    uvicorn.run(
        "gateway.main:create_app", factory=True, host=settings.host, port=settings.port,
        proxy_headers=False, log_config=None,
        http=BufferedHttpTools,  # type: ignore[arg-type]  # uvicorn types its protocols as asyncio.Protocol
    )


if __name__ == "__main__":
    main()
