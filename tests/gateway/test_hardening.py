"""Security headers, body limits and general rate limits, on a real gateway in front of a real upstream."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

from tests.gateway.conftest import SigningKey, StartGateway, UpstreamApp, assert_problem, make_token
from tests.rate_limits import assert_rate_limit_headers

BADGE = f"/api/scoring/public/units/{uuid.uuid4()}/badge"


async def test_every_response_has_the_security_headers_but_the_badge_may_be_framed(
        start_gateway: StartGateway, upstream: UpstreamApp) -> None:
    client = await start_gateway({"identity": upstream.url, "scoring": upstream.url})

    api = await client.get("/api/identity/units")
    missing = await client.get("/api/nothing-here/x")
    spa = await client.get("/")
    badge = await client.get(BADGE)

    for response in (api, missing, spa):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"
        assert response.headers["x-frame-options"] == "DENY"
        csp = response.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "script-src 'self';" in csp and "unsafe-eval" not in csp
        assert "strict-transport-security" not in response.headers  # plain HTTP
    assert badge.status_code == 200 and badge.headers["x-content-type-options"] == "nosniff"
    assert "x-frame-options" not in badge.headers and "content-security-policy" not in badge.headers
    # Only the badge itself: its neighbours are framed by nobody.
    assert (await client.get(BADGE + "/x")).headers["x-frame-options"] == "DENY"


async def test_hsts_only_when_a_trusted_proxy_says_the_client_came_over_tls(
        start_gateway: StartGateway, upstream: UpstreamApp) -> None:
    trusting = await start_gateway({"identity": upstream.url}, trust_forwarded_for=True)
    distrusting = await start_gateway({"identity": upstream.url})
    tls = {"x-forwarded-proto": "https"}

    assert "max-age=31536000" in (await trusting.get("/api/identity/units", headers=tls)).headers[
        "strict-transport-security"]
    assert "strict-transport-security" not in (await trusting.get("/api/identity/units")).headers
    assert "strict-transport-security" not in (await distrusting.get("/api/identity/units", headers=tls)).headers


async def test_bodies_over_their_limit_are_413_and_never_reach_the_service(
        start_gateway: StartGateway, upstream: UpstreamApp) -> None:
    client = await start_gateway({"evidence": upstream.url}, max_json_body_bytes=1000, max_upload_body_bytes=5000)

    small_json = await client.post("/api/evidence/sink", content=b"{" + b" " * 900 + b"}",
                                   headers={"content-type": "application/json"})
    big_json = await client.post("/api/evidence/sink", content=b"x" * 1001,
                                 headers={"content-type": "application/json"})
    upload = await client.post("/api/evidence/sink", content=b"x" * 4000,
                               headers={"content-type": "multipart/form-data; boundary=abc"})
    big_upload = await client.post("/api/evidence/sink", content=b"x" * 5001,
                                   headers={"content-type": "application/octet-stream"})

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(10):
            yield b"y" * 1000

    chunked = await client.post("/api/evidence/sink", content=chunks(), headers={"content-type": "application/json"})

    assert small_json.status_code == 200 and small_json.json()["bytes"] == 902
    assert upload.status_code == 200 and upload.json()["bytes"] == 4000
    for refused, limit in ((big_json, 1000), (big_upload, 5000), (chunked, 1000)):
        body = assert_problem(refused, 413, "payload_too_large")
        assert body["extra"]["limit_bytes"] == limit and "vượt quá giới hạn" in body["detail"]
        assert body["request_id"] == refused.headers["x-request-id"]
        assert refused.headers["x-content-type-options"] == "nosniff"


async def test_requests_beyond_the_per_address_limit_are_429(start_gateway: StartGateway,
                                                             upstream: UpstreamApp) -> None:
    client = await start_gateway({"identity": upstream.url}, requests_per_minute_per_ip=3)

    statuses = [(await client.get("/api/identity/units")).status_code for _ in range(3)]
    refused = await client.get("/api/identity/users")

    assert statuses == [200, 200, 200]
    body = assert_problem(refused, 429, "too_many_requests")
    assert_rate_limit_headers(refused, limit=3, max_wait=60)
    assert "địa chỉ mạng" in body["detail"]
    assert (await client.get("/")).status_code == 200  # the SPA's files are not API requests


async def test_requests_beyond_the_per_user_limit_are_429_for_that_user_only(
        start_gateway: StartGateway, upstream: UpstreamApp, signing_key: SigningKey) -> None:
    client = await start_gateway({"identity": upstream.url}, requests_per_minute_per_user=2)
    busy = {"Authorization": f"Bearer {make_token(signing_key)}"}
    other = {"Authorization": f"Bearer {make_token(signing_key)}"}

    statuses = [(await client.get("/api/identity/units", headers=busy)).status_code for _ in range(3)]

    assert statuses == [200, 200, 429]
    refused = await client.get("/api/identity/units", headers=busy)
    assert_rate_limit_headers(refused, limit=2, max_wait=60)
    assert "Tài khoản" in refused.json()["detail"]
    assert (await client.get("/api/identity/units", headers=other)).status_code == 200
    assert (await client.get("/api/identity/units")).status_code == 200  # anonymous: the address limit only


async def test_the_object_store_is_allowed_for_uploads_and_previews_only(start_gateway: StartGateway,
                                                                       upstream: UpstreamApp) -> None:
    client = await start_gateway({"identity": upstream.url}, object_store_origins=["https://s3.edudx.vn"])

    policy = dict(part.strip().split(" ", 1) for part in
                  (await client.get("/")).headers["content-security-policy"].split(";"))

    for directive in ("connect-src", "img-src", "frame-src"):
        assert "https://s3.edudx.vn" in policy[directive]
    assert policy["script-src"] == "'self'" and policy["default-src"] == "'self'"
