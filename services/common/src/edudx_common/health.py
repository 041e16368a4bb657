"""Liveness (`/healthz`: the process answers) and readiness (`/readyz`: its dependencies answer)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

ReadinessCheck = Callable[[], Awaitable[None]]

router = APIRouter(tags=["health"])


@router.get("/healthz", include_in_schema=False)
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", include_in_schema=False)
async def readyz(request: Request) -> JSONResponse:
    checks: dict[str, ReadinessCheck] = getattr(request.app.state, "readiness_checks", {})
    # Concurrently: with several dependencies down, their timeouts must not add up.
    outcomes = await asyncio.gather(*(check() for check in checks.values()), return_exceptions=True)
    results = {
        name: "ok" if not isinstance(outcome, BaseException) else f"error: {type(outcome).__name__}"
        for name, outcome in zip(checks, outcomes, strict=True)
    }
    ready = all(result == "ok" for result in results.values())
    return JSONResponse({"status": "ok" if ready else "unavailable", "checks": results},
                        status_code=200 if ready else 503)
