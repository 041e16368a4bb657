"""The gateway's own errors in both languages: an unknown service, and a rate limit."""

from __future__ import annotations

from tests.gateway.conftest import StartGateway, UpstreamApp
from tests.languages import ENGLISH, assert_in_both_languages


async def test_an_unknown_service_in_both_languages(start_gateway: StartGateway, upstream: UpstreamApp) -> None:
    client = await start_gateway({"identity": upstream.url})

    assert_in_both_languages(await client.get("/api/khong-co/x"), await client.get("/api/khong-co/x", headers=ENGLISH),
                             404, "unknown_service")


async def test_a_rate_limit_in_both_languages(start_gateway: StartGateway, upstream: UpstreamApp) -> None:
    client = await start_gateway({"identity": upstream.url}, login_rate_per_minute=1)
    await client.post("/api/identity/auth/login", json={})

    vietnamese = await client.post("/api/identity/auth/login", json={})
    english = await client.post("/api/identity/auth/login", json={}, headers=ENGLISH)

    body = assert_in_both_languages(vietnamese, english, 429, "too_many_requests")
    assert body["detail"] == f"Try again in {english.headers['retry-after']} seconds."
