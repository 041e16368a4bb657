"""Prometheus metrics: what every service exposes at `/metrics`, and the counters of the shared outbox and inbox.

Requests are counted and timed by route template (`/api/submissions/submissions/{submission_id}`), never by
raw path, so no id ends up in a label. Services with an outbox also report its depth, read from the database
at scrape time (`outbox_depth_source`).

Several processes of one service (uvicorn `--workers N`, notifications' worker processes) share their counts
through prometheus-client's multiprocess mode: set `PROMETHEUS_MULTIPROC_DIR` to a folder of the service's
own, emptied before the processes start; `/metrics` of any of them then reports the sum of all.

`/metrics` is not under `/api/<service>/`, so the gateway never forwards it: services are scraped on the
internal network. The gateway's own `/metrics` is public-facing and answers only with `Authorization: Bearer
<GATEWAY_METRICS_TOKEN>` (404 while no token is configured); any service accepts the same `<SVC>_METRICS_TOKEN`.
"""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from edudx_common.errors import NotFound

# `*_created` timestamps double the series for nothing Prometheus needs.
disable_created_metrics()

HTTP_REQUESTS = Counter(
    "edudx_http_requests_total", "HTTP requests answered, by route template and status code.",
    ["service", "method", "route", "status"],
)
HTTP_DURATION = Histogram(
    "edudx_http_request_duration_seconds", "Time from request to the end of the response, by route template.",
    ["service", "method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
# Counters of the shared outbox and inbox. A counter only one service moves lives in that service
# (`identity.metrics`, `evidence.metrics`, `notifications.metrics`); /metrics reports them all the same.
OUTBOX_REJECTED = Counter(
    "edudx_outbox_rejected_total", "Outbox messages a receiver rejected for good (marked failed until an operator"
    " requeues them), by receiver and event type.", ["receiver", "event_type"],
)
EVENTS_PURGED = Counter(
    "edudx_event_records_purged_total", "Delivered outbox messages and accepted inbox ids deleted by retention, by"
    " table.", ["table"],
)
# Gauges read at scrape time (same value from every process: they come from the database).
OUTBOX_PENDING = "edudx_outbox_pending_messages"
OUTBOX_FAILED = "edudx_outbox_failed_messages"
OUTBOX_OLDEST_PENDING = "edudx_outbox_oldest_pending_seconds"

UNMATCHED_ROUTE = "unmatched"
ScrapeSource = Callable[[FastAPI], Awaitable[Iterable[Metric]]]


class RequestMetrics:
    """Counts and times requests by route template. The labelled children are looked up once per (method, route,
    status) and kept: `labels()` takes a lock and builds its key on every call, twice per request."""

    def __init__(self, service: str) -> None:
        self.service = service
        self._counters: dict[tuple[str, str, int], Any] = {}
        self._timers: dict[tuple[str, str], Any] = {}

    def note(self, scope: Scope, status: int, seconds: float) -> None:
        route = route_template(scope)
        method = str(scope.get("method", ""))
        counter = self._counters.get((method, route, status))
        if counter is None:
            counter = self._counters[(method, route, status)] = HTTP_REQUESTS.labels(self.service, method, route,
                                                                                    str(status))
        timer = self._timers.get((method, route))
        if timer is None:
            timer = self._timers[(method, route)] = HTTP_DURATION.labels(self.service, method, route)
        counter.inc()
        timer.observe(seconds)


class MetricsMiddleware:
    """Counts and times every HTTP request by the template of the route that answered it. The services and the
    gateway count in `RequestContextMiddleware` instead (one wrapper of `send` per request, not two)."""

    def __init__(self, app: ASGIApp, *, service: str) -> None:
        self.app = app
        self.metrics = RequestMetrics(service)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") == "/metrics":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = {"code": 500}

        async def send_and_note_status(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note_status)
        finally:
            self.metrics.note(scope, status["code"], time.perf_counter() - started)


def route_template(scope: Scope) -> str:
    """The path template of the route that answered (`/api/scoring/submissions/{submission_id}/scores`), else
    `unmatched`. FastAPI puts the route in the scope with its own path only, without the prefixes of the
    routers it was included in: those are the request path's leading segments (our prefixes hold no
    parameters)."""
    route = scope.get("route")
    template = getattr(route, "path_format", None)
    if not template:
        return UNMATCHED_ROUTE
    if ":path}" in str(getattr(route, "path", "")):  # a catch-all spans any number of segments: no prefix to add
        return str(template)
    segments = str(scope.get("path", "")).rstrip("/").split("/")
    own = str(template).strip("/").split("/")
    prefix = "/".join(segments[: max(len(segments) - len(own), 0)])
    return prefix + str(template)


def install_metrics(app: FastAPI, *, service: str, sources: Iterable[ScrapeSource] = (),
                    token_required: bool = False, middleware: bool = True) -> None:
    """Add the request metrics middleware and `GET /metrics`, which needs the bearer token in the app's
    `settings.metrics_token` when one is set (and, with `token_required`, answers 404 while none is);
    `sources` add metrics read at scrape time. `middleware=False`: the app counts its requests otherwise
    (`RequestContextMiddleware(metrics=RequestMetrics(service))`)."""
    if middleware:
        app.add_middleware(MetricsMiddleware, service=service)
    app.state.metrics_sources = list(sources)
    router = APIRouter(include_in_schema=False)

    @router.get("/metrics")
    async def get_metrics(request: Request) -> Response:
        expected = getattr(request.app.state.settings, "metrics_token", None)
        if (token_required and not expected) or (expected and not _bearer_matches(request, expected)):
            raise NotFound("Không tìm thấy.")
        families: list[Metric] = []
        for source in request.app.state.metrics_sources:
            families.extend(await source(request.app))
        return Response(render(families), media_type=CONTENT_TYPE_LATEST)

    app.include_router(router)


def render(extra: list[Metric]) -> bytes:
    """This process's metrics (all processes' in multiprocess mode) and `extra`, in the text format."""
    registry: CollectorRegistry
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    text = generate_latest(registry)
    if extra:
        scraped = CollectorRegistry()
        scraped.register(_Fixed(extra))
        text += generate_latest(scraped)
    return text


class _Fixed(Collector):
    def __init__(self, families: list[Metric]) -> None:
        self._families = families

    def collect(self) -> Iterable[Metric]:
        return self._families


def _bearer_matches(request: Request, expected: str) -> bool:
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(credentials.encode(), expected.encode())


def outbox_depth_source(service: str) -> ScrapeSource:
    """Per receiver: messages waiting, rejected for good, and the age of the oldest waiting one."""
    from edudx_common.tables.outbox import (
        pending_counts,  # the outbox imports SQLModel tables; only its producers need it
    )

    async def collect(app: FastAPI) -> Iterable[Metric]:
        async with app.state.session_factory() as session:
            counts = await pending_counts(session)
        families: dict[str, Any] = {
            OUTBOX_PENDING: GaugeMetricFamily(OUTBOX_PENDING, "Outbox messages not yet delivered, by receiver.",
                                              labels=["service", "receiver"]),
            OUTBOX_FAILED: GaugeMetricFamily(OUTBOX_FAILED, "Outbox messages the receiver rejected for good.",
                                             labels=["service", "receiver"]),
            OUTBOX_OLDEST_PENDING: GaugeMetricFamily(OUTBOX_OLDEST_PENDING,
                                                     "Age of the oldest undelivered outbox message.",
                                                     labels=["service", "receiver"]),
        }
        receivers = set(app.state.settings.event_receivers) | set(counts)
        for receiver in sorted(receivers):
            entry = counts.get(receiver, {})
            families[OUTBOX_PENDING].add_metric([service, receiver], entry.get("pending", 0))
            families[OUTBOX_FAILED].add_metric([service, receiver], entry.get("failed", 0))
            families[OUTBOX_OLDEST_PENDING].add_metric([service, receiver], entry.get("oldest_pending_seconds", 0))
        return list(families.values())

    return collect
