"""JSON logs that carry the request id, and the ASGI middleware that sets it.

The middleware is plain ASGI (not BaseHTTPMiddleware) so streamed bodies pass through untouched.
"""

from __future__ import annotations

import logging
import re
import sys
import time
import uuid
from collections.abc import Iterator, MutableMapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

if TYPE_CHECKING:
    from edudx_common.metrics import RequestMetrics

REQUEST_ID_HEADER = "X-Request-ID"
_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
_service: str | None = None  # set by configure_logging
# Requests not worth a log line each: probes, scrapes and every service's poll of revoked sessions, every few
# seconds (a refused poll still logs as an error of its caller).
_QUIET_PATHS = frozenset({"/healthz", "/readyz", "/metrics", "/api/identity/auth/revoked-sessions"})
# A client-supplied id is kept only when it looks like an id, so logs cannot be forged through it.
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
# Paths whose last segment is a credential (calendar feeds fetched without a login): never written to logs.
_SECRET_IN_PATH = re.compile(r"^(?P<keep>/api/[a-z-]+/calendar/)[^/]+(?P<suffix>\.ics)$")


def loggable_path(path: str) -> str:
    """The path as it may appear in a log: a secret token in it is replaced by `***`."""
    return _SECRET_IN_PATH.sub(r"\g<keep>***\g<suffix>", path)


def mask_email(address: str | None) -> str | None:
    """An address as logs may hold it outside development: the domain (useful to operators), not the person
    ('nguyen.van.a@vinhlong.edu.vn' → 'n***@vinhlong.edu.vn'). Nghị định 13/2023: logs keep no more than needed."""
    if not address:
        return address
    local, at, domain = address.rpartition("@")
    return f"{local[:1]}***@{domain}" if at else "***"


def get_request_id() -> str | None:
    return _request_id.get()


@contextmanager
def request_id_set(request_id: str) -> Iterator[None]:
    """Work outside an HTTP request (a command, a test) done under `request_id`: logged with it, passed on."""
    token = _request_id.set(request_id)
    try:
        yield
    finally:
        _request_id.reset(token)


def configure_logging(service: str, level: str = "INFO", json_output: bool = True) -> None:
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer(ensure_ascii=False) if json_output else structlog.dev.ConsoleRenderer()
    )
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        _add_service,
        _add_request_id,
        structlog.processors.add_log_level,
        structlog.stdlib.ExtraAdder(),
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            renderer,
        ],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level.upper())
    # No line of ours shows the caller's file and line, the thread or the process, so the stdlib need not look
    # them up for every record (a walk of the stack and three lookups: a fifth of the request line's cost). The
    # switches of the logging HOWTO's "Optimization" section.
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    # Request handlers do not run in the context that called us (uvicorn's lifespan task): the name is added to
    # every line by a processor rather than bound to this context only.
    global _service
    _service = service
    # uvicorn's access log repeats what RequestContextMiddleware logs, without the request id.
    logging.getLogger("uvicorn.access").disabled = True
    # uvicorn's own lines (shutdown, errors) in the same format as ours, from here on.
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers = []
        logging.getLogger(name).propagate = True
    # One line per outgoing call at INFO would drown the request log; failures are logged by the callers.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # Database drivers log statements with their bound values (e-mails, names) at DEBUG: never into our logs,
    # whatever level the service runs at.
    for driver in ("aiosqlite", "asyncpg", "sqlalchemy.engine"):
        logging.getLogger(driver).setLevel(logging.WARNING)


def _add_service(_logger: object, _name: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    if _service is not None:
        event.setdefault("service", _service)
    return event


def _add_request_id(_logger: object, _name: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    request_id = _request_id.get()
    if request_id and "request_id" not in event:
        event["request_id"] = request_id
    return event


class RequestContextMiddleware:
    """Reuses or creates `X-Request-ID`, echoes it on the response and logs one line per request.

    The per-response work of the other outer layers is done here too, in the same wrapper of `send` — every
    layer that wraps it costs each request a closure and an await per message: with `metrics`, the request is
    counted and timed by route template (`edudx_common.metrics`; `/metrics` itself is not); `default_headers` are
    added to every response that does not set them itself (the services' `Cache-Control: no-store`)."""

    def __init__(self, app: ASGIApp, *, log_requests: bool = True, metrics: RequestMetrics | None = None,
                 default_headers: Sequence[tuple[bytes, bytes]] = ()) -> None:
        self.app = app
        self.log_requests = log_requests
        self.log = structlog.get_logger("edudx.request")
        self.metrics = metrics
        self.default_headers = tuple((name.lower(), value) for name, value in default_headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = _header(scope, b"x-request-id")
        request_id = incoming if incoming and _VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        echoed = (b"x-request-id", request_id.encode())
        defaults = self.default_headers
        token = _request_id.set(request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"x-request-id"]
                headers.append(echoed)
                if defaults:
                    present = {k.lower() for k, _ in headers}
                    headers += [(k, v) for k, v in defaults if k not in present]
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            path = scope.get("path")
            if self.metrics is not None and path != "/metrics":
                self.metrics.note(scope, status, time.perf_counter() - started)
            if self.log_requests and path not in _QUIET_PATHS:
                self.log.info(
                    "request",
                    method=scope.get("method"),
                    path=loggable_path(str(path or "")),
                    status=status,
                    duration_ms=round((time.perf_counter() - started) * 1000, 2),
                )
            _request_id.reset(token)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return None
