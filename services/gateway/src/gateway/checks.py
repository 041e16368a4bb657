"""What the proxy checks before forwarding: which service, and the rate limits (per address, per user)."""

from __future__ import annotations

from fastapi import Request

from edudx_common.auth import Principal
from gateway.errors import UnknownService
from gateway.ratelimit import RateLimits
from gateway.upstreams import Upstream


def get_upstream(service: str, request: Request) -> Upstream:
    upstreams: dict[str, Upstream] = request.app.state.upstreams
    upstream = upstreams.get(service)
    if upstream is None:
        raise UnknownService(f"Không có dịch vụ '{service}' sau cổng API.", extra={"service": service})
    return upstream


async def enforce_rate_limits(request: Request) -> None:
    rate_limits: RateLimits = request.app.state.rate_limits
    await rate_limits.check(request)


async def enforce_user_rate_limit(request: Request, principal: Principal | None) -> None:
    rate_limits: RateLimits = request.app.state.rate_limits
    await rate_limits.check_user(principal)
