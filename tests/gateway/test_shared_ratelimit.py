"""Replicas that agree: with GATEWAY_REDIS_URL set, every gateway counts into one Redis, so a client gets one limit
however many replicas it is spread over. Real Redis (EDUDX_TEST_REDIS_URL, default the local one), a key prefix
of each test's own, and for the end-to-end check two real gateway processes.
"""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from redis.asyncio import Redis

from edudx_common.ratelimit import MemoryRateLimitStore, RedisRateLimitStore, create_rate_limit_store
from tests.gateway.conftest import UpstreamApp, assert_problem, closed_port_url
from tests.servers import uvicorn_processes

REDIS_URL = os.environ.get("EDUDX_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
LOGIN = "/api/identity/auth/login"


@pytest.fixture
async def redis_prefix() -> AsyncIterator[str]:
    """A key prefix of this test's own; its keys are deleted afterwards."""
    client = Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        await client.ping()
    except OSError as exc:  # redis' ConnectionError is an OSError
        await client.aclose()
        pytest.skip(f"no Redis at {REDIS_URL}: {exc}")
    prefix = f"edudx-test:{uuid.uuid4().hex}:"
    try:
        yield prefix
    finally:
        keys = [key async for key in client.scan_iter(match=prefix + "*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()


def _store(prefix: str) -> RedisRateLimitStore:
    store = create_rate_limit_store(REDIS_URL, prefix=prefix)
    assert isinstance(store, RedisRateLimitStore)
    return store


async def test_two_stores_on_one_redis_share_one_limit(redis_prefix: str) -> None:
    first, second = _store(redis_prefix), _store(redis_prefix)
    try:
        answers = [await store.hit("ip:203.0.113.7", limit=3, window=60) for store in (first, second, first)]
        refused_here = await second.hit("ip:203.0.113.7", limit=3, window=60)
        refused_there = await first.hit("ip:203.0.113.7", limit=3, window=60)
        other_key = await second.hit("ip:203.0.113.8", limit=3, window=60)
    finally:
        await first.close()
        await second.close()

    assert answers == [None, None, None]
    assert refused_here is not None and 59 < refused_here <= 60
    assert refused_there is not None and refused_there <= refused_here
    assert other_key is None


async def test_the_shared_window_slides(redis_prefix: str) -> None:
    store = _store(redis_prefix)
    try:
        assert await store.hit("user:u1", limit=2, window=0.4) is None
        assert await store.hit("user:u1", limit=2, window=0.4) is None
        waited = await store.hit("user:u1", limit=2, window=0.4)
        assert waited is not None and 0 < waited <= 0.4
        await asyncio.sleep(waited + 0.05)
        assert await store.hit("user:u1", limit=2, window=0.4) is None
    finally:
        await store.close()


async def test_refused_hits_are_not_counted(redis_prefix: str) -> None:
    store = _store(redis_prefix)
    try:
        for _ in range(2):
            await store.hit("login:198.51.100.1", limit=2, window=60)
        for _ in range(10):
            assert await store.hit("login:198.51.100.1", limit=2, window=60) is not None
        key = redis_prefix + "login:198.51.100.1"
        raw = Redis.from_url(REDIS_URL)
        assert await raw.zcard(key) == 2
        assert 0 < await raw.pttl(key) <= 60_000  # the log expires on its own
        await raw.aclose()
    finally:
        await store.close()


async def test_without_redis_each_process_counts_alone() -> None:
    assert isinstance(create_rate_limit_store("", prefix="x:"), MemoryRateLimitStore)
    # Redis configured but unreachable: the limit still holds, counted in this process, and Redis is tried
    # again only after a pause (a hung Redis must not add its timeout to every request).
    now = [100.0]
    client = Redis.from_url(closed_port_url().replace("http://", "redis://"), socket_connect_timeout=0.5)
    store = RedisRateLimitStore(client, prefix="x:", retry_after_failure=5, clock=lambda: now[0])
    attempts = 0
    script = store._script

    async def counted(*args: object, **kwargs: object) -> object:
        nonlocal attempts
        attempts += 1
        return await script(*args, **kwargs)  # type: ignore[arg-type]

    store._script = counted  # type: ignore[assignment]
    try:
        answers = [await store.hit("ip:a", limit=2, window=60) for _ in range(3)]
        assert attempts == 1
        now[0] += 6
        assert await store.hit("ip:b", limit=2, window=60) is None
        assert attempts == 2
    finally:
        await store.close()
    assert answers[:2] == [None, None]
    assert answers[2] is not None


@pytest.fixture
def gateway_processes(upstream: UpstreamApp, redis_prefix: str) -> Iterator[list[str]]:
    """Two gateway processes (real uvicorn, as deployed) in front of one upstream, sharing one Redis."""
    env = {
        **os.environ,
        "GATEWAY_SERVICES": json.dumps({"identity": upstream.url}),
        "GATEWAY_REDIS_URL": REDIS_URL,
        "GATEWAY_REDIS_KEY_PREFIX": redis_prefix,
        "GATEWAY_LOGIN_RATE_PER_MINUTE": "5",
        "GATEWAY_ENVIRONMENT": "test",
        "GATEWAY_LOG_LEVEL": "WARNING",
        "GATEWAY_SPA_DIR": "/nonexistent/edudx-spa",
    }
    with uvicorn_processes("gateway.main:create_app", env, extra_args=("--no-proxy-headers",)) as urls:
        yield urls


async def _wait_up(client: httpx.AsyncClient, url: str) -> None:
    for _ in range(300):
        try:
            if (await client.get(url + "/healthz")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.1)
    raise AssertionError(f"gateway at {url} did not start within 30 s")


async def test_two_gateway_processes_enforce_one_login_limit(gateway_processes: list[str]) -> None:
    first, second = gateway_processes
    async with httpx.AsyncClient(timeout=30) as client:
        await asyncio.gather(_wait_up(client, first), _wait_up(client, second))
        credentials = {"email": "cntt@thcs-hoabinh.edu.vn", "password": "sai-mat-khau"}

        # Five attempts spread over both replicas: each saw at most three, all pass.
        allowed = [await client.post(url + LOGIN, json=credentials) for url in (first, second, first, second, first)]
        # The sixth is refused by the replica that has seen only two of them.
        refused = await client.post(second + LOGIN, json=credentials)
        refused_too = await client.post(first + LOGIN, json=credentials)

    assert [r.status_code for r in allowed] == [200] * 5
    body = assert_problem(refused, 429, "too_many_requests")
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert body["extra"]["retry_after_seconds"] == int(refused.headers["retry-after"])
    assert_problem(refused_too, 429, "too_many_requests")
