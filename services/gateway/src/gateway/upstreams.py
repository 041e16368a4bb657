"""The services behind the gateway: one pooled HTTP client each, created in the lifespan."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import httpx

from gateway.config import Settings


class UpstreamNotReady(Exception):
    pass


@dataclass(frozen=True)
class Upstream:
    name: str
    client: httpx.AsyncClient

    @property
    def prefix(self) -> str:
        return f"/api/{self.name}"

    async def check_health(self, seconds: float) -> None:
        response = await self.client.get("/healthz", timeout=seconds)
        if response.status_code != 200:
            raise UpstreamNotReady(f"{self.name} /healthz answered HTTP {response.status_code}")


def create_upstreams(settings: Settings) -> dict[str, Upstream]:
    timeout = httpx.Timeout(
        connect=settings.upstream_connect_timeout_seconds,
        read=settings.upstream_read_timeout_seconds,
        write=settings.upstream_write_timeout_seconds,
        pool=settings.upstream_connect_timeout_seconds,
    )
    limits = httpx.Limits(
        max_connections=settings.upstream_max_connections,
        max_keepalive_connections=settings.upstream_max_keepalive_connections,
    )
    upstreams: dict[str, Upstream] = {}
    for name, base_url in settings.services.items():
        # trust_env=False: an HTTP(S)_PROXY meant for the host's outbound traffic must not capture internal calls.
        client = httpx.AsyncClient(
            base_url=base_url, timeout=timeout, limits=limits, follow_redirects=False, trust_env=False
        )
        # httpx adds these to every request. A proxy sends what the client sent; an Accept-Encoding the client
        # never offered would make services compress a body that is then relayed to it undecoded.
        for header in ("accept", "accept-encoding", "user-agent"):
            del client.headers[header]
        upstreams[name] = Upstream(name=name, client=client)
    return upstreams


async def close_upstreams(upstreams: dict[str, Upstream]) -> None:
    await asyncio.gather(*(u.client.aclose() for u in upstreams.values()), return_exceptions=True)
