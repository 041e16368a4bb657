"""The services behind the gateway: for each, the pool the proxy sends requests through (gateway.upstream_client)
and an aiohttp session for the gateway's own few calls (health checks, OpenAPI documents), created in the lifespan.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import aiohttp
from yarl import URL

from edudx_common.errors import ProblemError
from edudx_common.http import bad_answer_problem, too_slow_problem, unreachable_problem
from gateway.config import Settings
from gateway.upstream_client import ConnectFailed, UpstreamPool

# aiohttp adds these unless told not to. A proxy sends what the client sent: an Accept-Encoding the client never
# offered would make a service compress a body that is then relayed to the client undecoded, and a body without a
# Content-Type must reach the service without one.
_NOT_ADDED = ("Accept", "Accept-Encoding", "User-Agent", "Content-Type")


class UpstreamNotReady(Exception):
    pass


@dataclass(frozen=True)
class Upstream:
    name: str
    base_url: str  # scheme://host[:port], no trailing slash
    session: aiohttp.ClientSession  # health checks and OpenAPI documents
    pool: UpstreamPool  # the proxied requests

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
    # The same timeouts for both: `connect` bounds the wait for a free pooled connection plus the connecting; the
    # read timeout applies per read, from the end of the request body on: a long download that keeps flowing never
    # times out, a service that goes silent for this long does. The pool also times each write of a request body.
    timeout = aiohttp.ClientTimeout(
        total=None,
        connect=settings.upstream_connect_timeout_seconds,
        sock_connect=settings.upstream_connect_timeout_seconds,
        sock_read=settings.upstream_read_timeout_seconds,
    )
    upstreams: dict[str, Upstream] = {}
    for name, base_url in settings.services.items():
        session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=4, keepalive_timeout=settings.upstream_keepalive_seconds),
            timeout=timeout,
            auto_decompress=False,  # bodies are relayed as the service sent them (gzip stays gzip)
            skip_auto_headers=_NOT_ADDED,
            cookie_jar=aiohttp.DummyCookieJar(),  # cookies belong to the browser, not to the gateway
            trust_env=False,  # an HTTP(S)_PROXY meant for the host's outbound traffic must not capture internal calls
        )
        pool = UpstreamPool(base_url, limit=settings.upstream_max_connections,
                            keepalive_seconds=settings.upstream_keepalive_seconds,
                            connect_timeout=settings.upstream_connect_timeout_seconds,
                            read_timeout=settings.upstream_read_timeout_seconds,
                            write_timeout=settings.upstream_write_timeout_seconds)
        upstreams[name] = Upstream(name=name, base_url=base_url.rstrip("/"), session=session, pool=pool)
    return upstreams


async def close_upstreams(upstreams: dict[str, Upstream]) -> None:
    closing = [u.session.close() for u in upstreams.values()] + [u.pool.close() for u in upstreams.values()]
    await asyncio.gather(*closing, return_exceptions=True)


def upstream_problem(exc: BaseException, service: str) -> ProblemError:
    """What a failed call to `service` means for the client: the same outcomes as edudx_common.http's."""
    # Nothing reached the service (refused, or no connection within the connect timeout): safe to retry later.
    if isinstance(exc, ConnectFailed):
        return unreachable_problem(service)
    if isinstance(exc, TimeoutError):
        return too_slow_problem(service)
    return bad_answer_problem(service)
