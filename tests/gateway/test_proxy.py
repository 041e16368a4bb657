from __future__ import annotations

import re

import httpx
import pytest

from tests.gateway.conftest import StartGateway, UpstreamApp, assert_problem, closed_port_url, raw_upstream


async def test_request_and_response_round_trip(start_gateway: StartGateway, upstream: UpstreamApp) -> None:
    client = await start_gateway({"files": upstream.url})

    response = await client.put(
        "/api/files/folders/a%20b/%C4%91.pdf?x=1&q=tr%C6%B0%E1%BB%9Dng&x=2&status=201",
        content=b'{"name": "minh chung"}',
        headers={"content-type": "application/json", "x-custom": "kept"},
    )

    assert response.status_code == 201
    seen = response.json()
    assert seen["method"] == "PUT"
    assert seen["raw_path"] == "/api/files/folders/a%20b/%C4%91.pdf"
    assert seen["query"] == "x=1&q=tr%C6%B0%E1%BB%9Dng&x=2&status=201"
    assert seen["body"] == '{"name": "minh chung"}'
    sent = dict(seen["headers"])
    assert sent["x-custom"] == "kept"
    assert sent["content-type"] == "application/json"
    assert sent["content-length"] == "22"
    assert sent["host"] == upstream.url.removeprefix("http://")
    assert sent["x-forwarded-for"] == "127.0.0.1"
    assert sent["x-forwarded-proto"] == "http"
    assert sent["x-forwarded-host"] == client.base_url.netloc.decode()
    assert response.headers.get_list("set-cookie") == ["a=1; Path=/", "b=2; Path=/"]
    assert response.headers["x-upstream"] == "echo"
    assert response.headers["content-type"] == "application/json"
    assert int(response.headers["content-length"]) == len(response.content)
    for hop_by_hop in ("keep-alive", "proxy-authenticate", "x-hop"):
        assert hop_by_hop not in response.headers


@pytest.mark.parametrize("method", ["GET", "HEAD", "POST", "PATCH", "DELETE", "OPTIONS"])
async def test_every_method_is_forwarded(
    start_gateway: StartGateway, upstream: UpstreamApp, method: str
) -> None:
    client = await start_gateway({"files": upstream.url})

    response = await client.request(method, "/api/files/items/1")

    assert response.status_code == 200
    if method == "HEAD":
        assert response.content == b""
        assert int(response.headers["content-length"]) > 0
    else:
        assert response.json()["method"] == method
        sent = dict(response.json()["headers"])
        # A request without a body must not gain one on the way.
        assert "transfer-encoding" not in sent


async def test_hop_by_hop_and_spoofable_headers_are_not_forwarded(
    start_gateway: StartGateway, upstream: UpstreamApp
) -> None:
    client = await start_gateway({"files": upstream.url})

    response = await client.get("/api/files/items", headers={
        "connection": "keep-alive, x-private-hop",
        "x-private-hop": "secret",
        "keep-alive": "timeout=5",
        "te": "trailers",
        "proxy-authorization": "Basic c2VjcmV0",
        "x-forwarded-for": "6.6.6.6",
        "x-forwarded-host": "evil.example",
    })

    sent = dict(response.json()["headers"])
    for name in ("x-private-hop", "keep-alive", "te", "proxy-authorization"):
        assert name not in sent
    assert sent.get("connection", "keep-alive") == "keep-alive"  # only ever about the gateway's own connection
    assert sent["x-forwarded-for"] == "127.0.0.1"
    assert sent["x-forwarded-host"] == client.base_url.netloc.decode()


async def test_trusted_forwarded_for_is_extended(start_gateway: StartGateway, upstream: UpstreamApp) -> None:
    client = await start_gateway({"files": upstream.url}, trust_forwarded_for=True)

    response = await client.get("/api/files/items", headers={
        "x-forwarded-for": "203.0.113.7", "x-forwarded-proto": "https", "x-forwarded-host": "edudx.example.vn",
    })

    sent = dict(response.json()["headers"])
    assert sent["x-forwarded-for"] == "203.0.113.7, 127.0.0.1"
    assert sent["x-forwarded-proto"] == "https"
    assert sent["x-forwarded-host"] == "edudx.example.vn"


async def test_request_id_goes_upstream_and_comes_back(start_gateway: StartGateway, upstream: UpstreamApp) -> None:
    client = await start_gateway({"files": upstream.url})

    given = await client.get("/api/files/items", headers={"x-request-id": "req-test-0001"})
    generated = await client.get("/api/files/items")

    assert dict(given.json()["headers"])["x-request-id"] == "req-test-0001"
    assert given.headers.get_list("x-request-id") == ["req-test-0001"]
    request_id = generated.headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    assert dict(generated.json()["headers"])["x-request-id"] == request_id


async def test_compressed_body_is_relayed_byte_for_byte(start_gateway: StartGateway, upstream: UpstreamApp) -> None:
    client = await start_gateway({"files": upstream.url})

    async with client.stream("GET", "/api/files/gzip", headers={"accept-encoding": "gzip"}) as response:
        raw = b"".join([chunk async for chunk in response.aiter_raw()])

    assert response.headers["content-encoding"] == "gzip"
    assert raw == upstream.gzip_body
    assert int(response.headers["content-length"]) == len(upstream.gzip_body)


async def test_no_accept_encoding_is_added(start_gateway: StartGateway, upstream: UpstreamApp) -> None:
    client = await start_gateway({"files": upstream.url})
    request = client.build_request("GET", "/api/files/items")
    for name in ("accept-encoding", "accept", "user-agent"):
        del request.headers[name]

    response = await client.send(request)

    sent = dict(response.json()["headers"])
    assert not {"accept-encoding", "accept", "user-agent"} & set(sent)


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_unknown_service_is_404(start_gateway: StartGateway, upstream: UpstreamApp, method: str) -> None:
    client = await start_gateway({"files": upstream.url})

    # Checked before the token: a bad one does not turn this into a 401.
    response = await client.request(method, "/api/payroll/salaries", headers={"authorization": "Bearer x"})

    body = assert_problem(response, 404, "unknown_service")
    assert "payroll" in body["detail"]


async def test_dot_segments_are_refused(start_gateway: StartGateway, upstream: UpstreamApp) -> None:
    client = await start_gateway({"files": upstream.url})

    response = await client.get("/api/files/%2e%2e/%2e%2e/healthz")

    assert_problem(response, 404, "not_found")


async def test_service_down_is_503(start_gateway: StartGateway) -> None:
    client = await start_gateway({"files": closed_port_url()})

    response = await client.post("/api/files/items", json={"a": 1})

    body = assert_problem(response, 503, "service_unavailable")
    assert body["detail"] == "Dịch vụ files tạm thời không sẵn sàng. Vui lòng thử lại sau."
    assert body["request_id"] == response.headers["x-request-id"]


async def test_service_too_slow_is_504(start_gateway: StartGateway, upstream: UpstreamApp) -> None:
    client = await start_gateway({"files": upstream.url}, upstream_read_timeout_seconds=0.3)

    response = await client.get("/api/files/slow", params={"seconds": "2"})

    assert_problem(response, 504, "gateway_timeout")


@pytest.mark.parametrize("behaviour", ["garbage", "hangup"])
async def test_broken_http_from_service_is_502(start_gateway: StartGateway, behaviour: str) -> None:
    async with raw_upstream() as url:
        client = await start_gateway({"broken": url})

        response = await client.get(f"/api/broken/{behaviour}")

    assert_problem(response, 502, "bad_gateway")


async def test_service_breaking_mid_body_breaks_the_client_stream(start_gateway: StartGateway) -> None:
    # A large body is streamed: status and headers were relayed before the body broke, so no problem document
    # can follow. The gateway drops the connection: the client sees an incomplete body, never a complete-looking
    # short one.
    async with raw_upstream() as url:
        client = await start_gateway({"broken": url})

        async with client.stream("GET", "/api/broken/truncated-large") as response:
            assert response.status_code == 200
            with pytest.raises(httpx.RemoteProtocolError):
                await response.aread()


async def test_service_breaking_a_small_body_is_502(start_gateway: StartGateway) -> None:
    # A small body is read whole before anything is sent, so the client gets a clean problem instead.
    async with raw_upstream() as url:
        client = await start_gateway({"broken": url})

        response = await client.get("/api/broken/truncated")

    assert_problem(response, 502, "bad_gateway")


async def test_cors_allows_configured_origins_only(start_gateway: StartGateway, upstream: UpstreamApp) -> None:
    client = await start_gateway({"identity": upstream.url}, cors_origins=["http://localhost:5173"])
    preflight = {"access-control-request-method": "POST", "access-control-request-headers": "authorization"}

    allowed = await client.options(
        "/api/identity/auth/login", headers={"origin": "http://localhost:5173", **preflight}
    )
    refused = await client.get("/api/identity/me", headers={"origin": "http://evil.example"})

    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "http://localhost:5173"
    assert "access-control-allow-origin" not in refused.headers


async def test_health_and_readiness_per_service(start_gateway: StartGateway, upstream: UpstreamApp) -> None:
    up = await start_gateway({"files": upstream.url})
    partly = await start_gateway({"files": upstream.url, "scoring": closed_port_url()})

    assert (await partly.get("/healthz")).status_code == 200
    ready = await up.get("/readyz")
    not_ready = await partly.get("/readyz")

    assert ready.status_code == 200
    assert ready.json()["checks"] == {"files": "ok"}
    assert not_ready.status_code == 503
    assert not_ready.json()["checks"] == {"files": "ok", "scoring": "error: ClientConnectorError"}


async def test_proxied_requests_are_counted_by_route(start_gateway: StartGateway, upstream: UpstreamApp) -> None:
    client = await start_gateway({"files": upstream.url}, metrics_token="metrics-secret")

    await client.get("/api/files/items")
    metrics = await client.get("/metrics", headers={"authorization": "Bearer metrics-secret"})

    assert metrics.status_code == 200
    assert 'method="GET",route="/api/{service}/{path}",service="gateway",status="200"' in metrics.text
