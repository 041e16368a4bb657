"""The services behind the gateway: one pooled HTTP client session each, created in the lifespan.

aiohttp, not httpx, carries the proxied traffic: in the deadline-day benchmark httpx spent about 1 ms of CPU on
each request it forwarded, aiohttp about 0.15 ms (measured side by side against the same service), and the
gateway's own CPU per request decides its throughput on a small machine.
"""

from __future__ import annotations

import asyncio
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import aiohttp
from yarl import URL

from edudx_common.errors import ProblemError
from edudx_common.http import bad_answer_problem, too_slow_problem, unreachable_problem
from gateway.config import Settings

# aiohttp adds these unless told not to. A proxy sends what the client sent: an Accept-Encoding the client never
# offered would make a service compress a body that is then relayed to the client undecoded, and a body without a
# Content-Type must reach the service without one.
_NOT_ADDED = ("Accept", "Accept-Encoding", "User-Agent", "Content-Type")


class UpstreamNotReady(Exception):
    pass


# Set by `_PoolConnector` in the task sending a request (the connector's coroutines are awaited in that task, so in
# its context), read by `ConnectionUse` in the same task.
_took_pooled: ContextVar[bool] = ContextVar("gateway_took_pooled_connection", default=False)


class ConnectionUse:
    """Whether aiohttp took a kept-alive connection from its pool for the request sent in this task since this was
    created: create one before each attempt."""

    def __init__(self) -> None:
        _took_pooled.set(False)

    @property
    def reused(self) -> bool:
        return _took_pooled.get()


class _PoolConnector(aiohttp.TCPConnector):
    """Notes when a connection comes from the pool. aiohttp's tracing says so too, but a trace config makes every
    request send all its signals: ~15 µs of CPU per proxied request (12 % of the client's), for the one we read.
    `_get` is the pool's lookup (aiohttp 3.x); test_stale_connections fails if it stops being called."""

    async def _get(self, key: Any, traces: list[Any]) -> Any:
        connection = await super()._get(key, traces)
        if connection is not None:
            _took_pooled.set(True)
        return connection


@dataclass(frozen=True)
class Upstream:
    name: str
    base_url: str  # scheme://host[:port], no trailing slash
    session: aiohttp.ClientSession

    @property
    def prefix(self) -> str:
        return f"/api/{self.name}"

    def url(self, encoded_target: str) -> URL:
        """`encoded_target` is a path (and query) already percent-encoded: sent byte for byte."""
        return URL(self.base_url + encoded_target, encoded=True)

    async def check_health(self, seconds: float) -> None:
        async with self.session.get(self.url("/healthz"), timeout=aiohttp.ClientTimeout(total=seconds)) as response:
            if response.status != 200:
                raise UpstreamNotReady(f"{self.name} /healthz answered HTTP {response.status}")


def create_upstreams(settings: Settings) -> dict[str, Upstream]:
    # `connect` bounds the wait for a free pooled connection plus the connecting; `sock_read` applies per read,
    # from the end of the request body on: a long download that keeps flowing never times out, a service that
    # goes silent for this long does. The write side is timed by the proxy (aiohttp has no write timeout).
    timeout = aiohttp.ClientTimeout(
        total=None,
        connect=settings.upstream_connect_timeout_seconds,
        sock_connect=settings.upstream_connect_timeout_seconds,
        sock_read=settings.upstream_read_timeout_seconds,
    )
    upstreams: dict[str, Upstream] = {}
    for name, base_url in settings.services.items():
        session = aiohttp.ClientSession(
            connector=_PoolConnector(limit=settings.upstream_max_connections,
                                     keepalive_timeout=settings.upstream_keepalive_seconds),
            timeout=timeout,
            auto_decompress=False,  # bodies are relayed as the service sent them (gzip stays gzip)
            skip_auto_headers=_NOT_ADDED,
            cookie_jar=aiohttp.DummyCookieJar(),  # cookies belong to the browser, not to the gateway
            trust_env=False,  # an HTTP(S)_PROXY meant for the host's outbound traffic must not capture internal calls
        )
        upstreams[name] = Upstream(name=name, base_url=base_url.rstrip("/"), session=session)
    return upstreams


async def close_upstreams(upstreams: dict[str, Upstream]) -> None:
    await asyncio.gather(*(u.session.close() for u in upstreams.values()), return_exceptions=True)


def upstream_problem(exc: BaseException, service: str) -> ProblemError:
    """What a failed call to `service` means for the client: the same outcomes as edudx_common.http's."""
    # Nothing reached the service (refused, or no connection within the connect timeout): safe to retry later.
    if isinstance(exc, aiohttp.ClientConnectorError | aiohttp.ConnectionTimeoutError):
        return unreachable_problem(service)
    if isinstance(exc, TimeoutError):  # aiohttp's read timeouts are TimeoutErrors too
        return too_slow_problem(service)
    return bad_answer_problem(service)
