from __future__ import annotations

import httpx

from edudx_common.ratelimit import MemoryRateLimitStore
from tests.gateway.conftest import StartGateway, UpstreamApp, assert_problem
from tests.rate_limits import assert_rate_limit_headers

LOGIN = "/api/identity/auth/login"


async def test_login_attempts_beyond_the_limit_are_429(start_gateway: StartGateway, upstream: UpstreamApp) -> None:
    client = await start_gateway({"identity": upstream.url}, login_rate_per_minute=3)
    credentials = {"email": "cntt@thcs-hoabinh.edu.vn", "password": "sai-mat-khau"}

    allowed = [await client.post(LOGIN, json=credentials) for _ in range(3)]
    refused = await client.post(LOGIN, json=credentials)

    assert [r.status_code for r in allowed] == [200, 200, 200]
    body = assert_problem(refused, 429, "too_many_requests")
    waited = assert_rate_limit_headers(refused, limit=3, max_wait=60)
    assert body["extra"]["retry_after_seconds"] == waited

    # Other paths and methods are not limited, not even the neighbours of login.
    for method, path in [("POST", "/api/identity/auth/refresh"), ("GET", LOGIN), ("POST", "/api/identity/units")]:
        assert (await client.request(method, path, json={})).status_code == 200


async def test_a_browser_on_another_origin_may_read_the_limit_headers(start_gateway: StartGateway,
                                                                      upstream: UpstreamApp) -> None:
    client = await start_gateway({"identity": upstream.url}, login_rate_per_minute=1, cors_origins=["https://sgd.vn"])
    await client.post(LOGIN, json={})

    refused = await client.post(LOGIN, json={}, headers={"Origin": "https://sgd.vn"})

    assert_rate_limit_headers(refused, limit=1, max_wait=60)
    exposed = {h.strip().lower() for h in refused.headers["access-control-expose-headers"].split(",")}
    assert {"retry-after", "ratelimit-limit", "ratelimit-remaining", "ratelimit-reset"} <= exposed


async def test_password_reset_has_its_own_limit(start_gateway: StartGateway, upstream: UpstreamApp) -> None:
    client = await start_gateway({"identity": upstream.url}, login_rate_per_minute=1, password_reset_rate_per_minute=2)
    reset = "/api/identity/auth/password-reset"

    statuses = [(await client.post(reset, json={"email": "a@b.vn"})).status_code for _ in range(3)]

    assert statuses == [200, 200, 429]
    assert_rate_limit_headers(await client.post(reset, json={"email": "a@b.vn"}), limit=2, max_wait=60)
    assert (await client.post(LOGIN, json={})).status_code == 200


async def test_forwarded_for_decides_the_client_only_when_trusted(
    start_gateway: StartGateway, upstream: UpstreamApp
) -> None:
    trusting = await start_gateway({"identity": upstream.url}, login_rate_per_minute=1, trust_forwarded_for=True)
    distrusting = await start_gateway({"identity": upstream.url}, login_rate_per_minute=1)

    async def login(client: httpx.AsyncClient, forwarded_for: str) -> int:
        return (await client.post(LOGIN, json={}, headers={"x-forwarded-for": forwarded_for})).status_code

    # Behind a trusted proxy the last address is the one the proxy saw; earlier ones are the client's claims.
    assert await login(trusting, "203.0.113.1") == 200
    assert await login(trusting, "203.0.113.2") == 200
    assert await login(trusting, "203.0.113.9, 203.0.113.1") == 429
    # Otherwise a client cannot escape its limit by inventing addresses.
    assert await login(distrusting, "203.0.113.1") == 200
    assert await login(distrusting, "203.0.113.2") == 429


async def test_window_slides() -> None:
    now = [1000.0]
    store = MemoryRateLimitStore(clock=lambda: now[0])

    async def hit(key: str) -> float | None:
        return await store.hit(key, limit=2, window=60)

    assert await hit("ip") is None
    now[0] += 30
    assert await hit("ip") is None
    assert await hit("ip") == 30.0  # the first hit leaves the window in 30 s
    now[0] += 30.5
    assert await hit("ip") is None
    assert await hit("other-ip") is None


async def test_memory_stays_bounded() -> None:
    now = [0.0]
    store = MemoryRateLimitStore(max_keys=100, clock=lambda: now[0])

    for i in range(1000):
        await store.hit(f"10.0.{i // 256}.{i % 256}", limit=1, window=60)
        now[0] += 0.01

    assert len(store) <= 100
