"""Proxied requests take the gateway's one-layer path (gateway.edge); everything else the full middleware stack.
The two must answer alike: the same requests through a gateway and through one whose edge is switched off give the
same status, headers and body."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from edudx_common.jwt import StaticKeys
from edudx_common.logging import RequestContextMiddleware
from gateway.main import create_app
from tests.gateway.conftest import SigningKey, UpstreamApp, make_settings, make_token, serve

# Set per connection or per request, so never alike between two answers (the echoed request's id and host
# change a gzipped answer's length).
_VARYING = {"date", "server", "x-request-id"}
PADDING = "x" * 1500  # makes the echoed answer big enough to be gzipped


def _without_edge(app: FastAPI) -> FastAPI:
    """The gateway as it was composed before the edge: the request id around the full stack."""
    app.build_middleware_stack = lambda: RequestContextMiddleware(FastAPI.build_middleware_stack(app))  # type: ignore[method-assign]
    return app


Clients = Callable[..., Awaitable[tuple[httpx.AsyncClient, httpx.AsyncClient]]]


@pytest.fixture
async def both_ways(signing_key: SigningKey) -> AsyncIterator[Clients]:
    async with AsyncExitStack() as stack:

        async def start(services: dict[str, str], **overrides: Any) -> tuple[httpx.AsyncClient, httpx.AsyncClient]:
            clients = []
            for app in (create_app(make_settings(services, **overrides), key_source=StaticKeys(signing_key.jwks)),
                        _without_edge(create_app(make_settings(services, **overrides),
                                                 key_source=StaticKeys(signing_key.jwks)))):
                url = await stack.enter_async_context(serve(app, proxy_headers=False))
                clients.append(await stack.enter_async_context(httpx.AsyncClient(base_url=url, timeout=30)))
            return clients[0], clients[1]

        yield start


def _comparable(response: httpx.Response) -> tuple[int, list[tuple[str, str]], Any]:
    varying = _VARYING | ({"content-length"} if response.headers.get("content-encoding") == "gzip" else set())
    headers = sorted((k.lower(), v) for k, v in response.headers.multi_items() if k.lower() not in varying)
    raw = response.content  # decoded by httpx: the headers say how it came
    body: Any = raw
    if response.headers.get("content-type", "").endswith("json") and raw:
        body = response.json()
        if isinstance(body, dict):
            body.pop("request_id", None)
            if isinstance(body.get("headers"), list):  # the echo: the request's own id and port differ
                body["headers"] = [h for h in body["headers"] if h[0] not in ("x-request-id", "host",
                                                                              "x-forwarded-host")]
    return response.status_code, headers, body


@pytest.mark.parametrize("method, path, headers, content", [
    ("GET", f"/api/identity/echo?pad={PADDING}", {"accept-encoding": "gzip"}, None),
    ("GET", f"/api/identity/echo?pad={PADDING}", {"accept-encoding": "identity"}, None),
    ("GET", "/api/identity/echo", {"origin": "https://sgd.vn"}, None),
    ("GET", f"/api/identity/echo?pad={PADDING}", {"origin": "https://evil.example", "accept-encoding": "gzip"},
     None),
    ("HEAD", "/api/identity/echo", {"origin": "https://sgd.vn"}, None),
    ("POST", "/api/identity/echo", {"content-type": "application/json", "origin": "https://sgd.vn"}, b'{"a": 1}'),
    ("GET", "/api/identity/gzip", {"accept-encoding": "gzip"}, None),
    ("GET", "/api/nowhere/echo", {"origin": "https://sgd.vn"}, None),
    ("GET", "/api/identity/echo", {"authorization": "Bearer not-a-token"}, None),
    ("GET", "/api/identity/echo", {"authorization": "token"}, None),
    ("GET", "/api/identity/../secrets", {}, None),
    ("PUT", "/api/identity/echo", {"content-type": "application/json"}, b"[" + b"1," * 1_000_000 + b"1]"),
    ("OPTIONS", "/api/identity/echo", {"origin": "https://sgd.vn", "access-control-request-method": "PUT"}, None),
    ("GET", "/api/identity/download-missing?status=404", {}, None),
    ("GET", "/api/identity/echo?status=503", {"origin": "https://sgd.vn"}, None),
    ("GET", "/api/openapi.json", {}, None),
])
async def test_proxied_answers_are_those_of_the_full_stack(both_ways: Clients, upstream: UpstreamApp,
                                                           signing_key: SigningKey, method: str, path: str,
                                                           headers: dict[str, str], content: bytes | None) -> None:
    edge, full = await both_ways({"identity": upstream.url}, cors_origins=["https://sgd.vn"])
    if headers.get("authorization") == "token":
        headers = {**headers, "authorization": f"Bearer {make_token(signing_key)}"}
    answers = []
    for client in (edge, full):
        answers.append(await client.request(method, path, headers=headers, content=content))
    (status, headers_edge, body), (full_status, headers_full, full_body) = map(_comparable, answers)
    assert status == full_status
    assert dict(headers_edge) == dict(headers_full)
    assert headers_edge == headers_full
    assert body == full_body
