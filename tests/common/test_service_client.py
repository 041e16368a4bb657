"""The service-to-service client against a real HTTP server: retries where safe, problems where not."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from fastapi import FastAPI, Request, Response

from edudx_common.errors import BadGateway, GatewayTimeout, ServiceUnavailable
from edudx_common.http import ServiceClient
from tests.servers import serve
from tests.support import free_port


def flaky_app() -> tuple[FastAPI, dict[str, int]]:
    calls: dict[str, int] = {}
    app = FastAPI()

    @app.api_route("/flaky/{name}", methods=["GET", "POST"])
    async def flaky(name: str, request: Request) -> Response:
        calls[name] = calls.get(name, 0) + 1
        if calls[name] < 3:
            return Response(status_code=503)
        return Response(content=request.headers.get("x-request-id", "none"), status_code=200)

    @app.get("/slow")
    async def slow() -> Response:
        await asyncio.sleep(1)
        return Response("late")

    @app.get("/broken")
    async def broken() -> Response:
        return Response(status_code=500)

    @app.get("/healthz")
    async def healthz() -> Response:
        return Response("ok")

    return app, calls


@pytest.fixture(scope="module")
def upstream() -> Iterator[tuple[str, dict[str, int]]]:
    app, calls = flaky_app()
    with serve(app) as url:
        yield url, calls


async def test_get_is_retried_until_it_succeeds(upstream: tuple[str, dict[str, int]]) -> None:
    url, calls = upstream
    client = ServiceClient(url, name="thử", retries=2, backoff_seconds=0.01)

    response = await client.get("/flaky/get")
    await client.aclose()

    assert response.status_code == 200
    assert calls["get"] == 3


async def test_post_without_idempotency_key_is_not_retried(upstream: tuple[str, dict[str, int]]) -> None:
    url, calls = upstream
    client = ServiceClient(url, name="thử", retries=2, backoff_seconds=0.01)

    with pytest.raises(BadGateway):
        await client.post("/flaky/post")
    await client.aclose()

    assert calls["post"] == 1


async def test_post_with_idempotency_key_is_retried(upstream: tuple[str, dict[str, int]]) -> None:
    url, calls = upstream
    client = ServiceClient(url, name="thử", retries=2, backoff_seconds=0.01)

    response = await client.post("/flaky/keyed", idempotency_key="submit-123")
    await client.aclose()

    assert response.status_code == 200
    assert calls["keyed"] == 3


async def test_failures_become_problems(upstream: tuple[str, dict[str, int]]) -> None:
    url, _ = upstream
    slow = ServiceClient(url, name="thử", timeout=0.3, retries=0)
    down = ServiceClient(f"http://127.0.0.1:{free_port()}", name="thử", retries=1, backoff_seconds=0.01)
    broken = ServiceClient(url, name="thử", retries=0)

    with pytest.raises(GatewayTimeout):
        await slow.get("/slow")
    with pytest.raises(ServiceUnavailable) as unavailable:
        await down.get("/anything")
    with pytest.raises(BadGateway):
        await broken.get("/broken")
    for client in (slow, down, broken):
        await client.aclose()

    assert unavailable.value.status == 503
    assert "thử" in (unavailable.value.detail or "")
