from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from edudx_common.auth import OptionalPrincipal
from gateway.config import Settings
from gateway.errors import UnknownService
from gateway.ratelimit import RateLimits
from gateway.upstreams import Upstream


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_upstream(service: str, request: Request) -> Upstream:
    upstreams: dict[str, Upstream] = request.app.state.upstreams
    upstream = upstreams.get(service)
    if upstream is None:
        raise UnknownService(f"Không có dịch vụ '{service}' sau cổng API.", extra={"service": service})
    return upstream


async def enforce_rate_limits(request: Request) -> None:
    rate_limits: RateLimits = request.app.state.rate_limits
    rate_limits.check(request)


async def enforce_user_rate_limit(request: Request, principal: OptionalPrincipal) -> None:
    rate_limits: RateLimits = request.app.state.rate_limits
    rate_limits.check_user(principal)


SettingsDep = Annotated[Settings, Depends(get_settings)]
UpstreamDep = Annotated[Upstream, Depends(get_upstream)]
RateLimited = Annotated[None, Depends(enforce_rate_limits)]
UserRateLimited = Annotated[None, Depends(enforce_user_rate_limit)]
