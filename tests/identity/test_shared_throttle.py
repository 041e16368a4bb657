"""Identity replicas that agree: with IDENTITY_REDIS_URL set, two identity processes (real uvicorn, as deployed, on
one database) count failed sign-ins and refused attempts per address into one Redis, so spreading the guesses
over the replicas buys nothing. Real Redis (EDUDX_TEST_REDIS_URL, default the local one), a key prefix of the
test's own."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from edudx_common.ratelimit import create_rate_limit_store
from tests.gateway.test_shared_ratelimit import REDIS_URL, redis_prefix  # noqa: F401 - the fixture
from tests.servers import uvicorn_processes
from tests.support import migrated_database, write_key

LOGIN = "/api/identity/auth/login"


def replica_env(tmp_path: Path, redis_prefix: str, name: str, **settings: str) -> dict[str, str]:  # noqa: F811
    """The environment of identity replicas on one fresh database `name` and one Redis (`IDENTITY_` + settings)."""
    url, schema = migrated_database(tmp_path, "identity", name)
    env = {
        **os.environ,
        "IDENTITY_ENVIRONMENT": "test",
        "IDENTITY_DATABASE_URL": url,
        "IDENTITY_JWT_PRIVATE_KEY_FILE": str(write_key(tmp_path)),
        "IDENTITY_PASSWORD_HASH_FAST": "true",
        "IDENTITY_REDIS_URL": REDIS_URL,
        "IDENTITY_REDIS_KEY_PREFIX": redis_prefix,
        "IDENTITY_LOG_LEVEL": "WARNING",
        **{f"IDENTITY_{key.upper()}": value for key, value in settings.items()},
    }
    if schema:
        env["IDENTITY_DATABASE_SCHEMA"] = schema
    return env


@pytest.fixture
def identity_processes(tmp_path: Path, redis_prefix: str) -> Iterator[list[str]]:  # noqa: F811
    env = replica_env(tmp_path, redis_prefix, "shared_throttle_identity", lockout_threshold="3",
                      auth_requests_per_minute_per_address="8")
    with uvicorn_processes("identity.main:create_app", env) as urls:
        yield urls


async def _wait_up(client: httpx.AsyncClient, url: str) -> None:
    for _ in range(300):
        try:
            if (await client.get(url + "/healthz")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.1)
    raise AssertionError(f"identity at {url} did not start within 30 s")


def _from(address: str) -> dict[str, str]:
    """The client address as a trusted gateway (127.0.0.1) reports it."""
    return {"X-Forwarded-For": address}


async def test_two_identity_processes_keep_one_login_throttle_and_one_address_limit(
        identity_processes: list[str]) -> None:
    first, second = identity_processes
    async with httpx.AsyncClient(timeout=30) as client:
        await asyncio.gather(_wait_up(client, first), _wait_up(client, second))
        guess = {"email": "hieutruong@thcs-hoabinh.edu.vn", "password": "doan-mo-mat-khau"}

        # Three failures of one (e-mail, address) pair spread over both replicas: the third starts the delay,
        # so the fourth is refused by either replica, whichever saw fewer of them.
        failed = [await client.post(url + LOGIN, json=guess, headers=_from("203.0.113.7"))
                  for url in (first, second, first)]
        throttled_here = await client.post(second + LOGIN, json=guess, headers=_from("203.0.113.7"))
        throttled_there = await client.post(first + LOGIN, json=guess, headers=_from("203.0.113.7"))
        other_address = await client.post(second + LOGIN, json=guess, headers=_from("192.0.2.44"))

        # Refused attempts per address (8 a minute), each on another e-mail (no pair reaches its delay):
        # the replicas count them together.
        spread = [await client.post(url + LOGIN, json={**guess, "email": f"thu-{i}@vinhlong.edu.vn"},
                                    headers=_from("198.51.100.9"))
                  for i, url in enumerate([first, second] * 4)]
        limited = await client.post(first + LOGIN, json={**guess, "email": "thu-9@vinhlong.edu.vn"},
                                    headers=_from("198.51.100.9"))

    assert [r.status_code for r in failed] == [401, 401, 401]
    for refused in (throttled_here, throttled_there):
        assert refused.status_code == 429 and refused.json()["code"] == "too_many_attempts"
        assert 1 <= int(refused.headers["retry-after"]) <= 30
    assert other_address.status_code == 401
    assert [r.status_code for r in spread] == [401] * 8
    assert limited.status_code == 429 and limited.json()["code"] == "rate_limited"
    assert 1 <= int(limited.headers["retry-after"]) <= 60


@pytest.mark.parametrize("shared", [False, True], ids=["in process", "Redis"])
async def test_blocked_peeks_without_counting(redis_prefix: str, shared: bool) -> None:  # noqa: F811
    store = create_rate_limit_store(REDIS_URL if shared else "", prefix=redis_prefix)
    try:
        peeks_before = [await store.blocked("198.51.100.1", limit=2, window=60) for _ in range(5)]
        hits = [await store.hit("198.51.100.1", limit=2, window=60) for _ in range(2)]
        peek_after = await store.blocked("198.51.100.1", limit=2, window=60)
        refused = await store.hit("198.51.100.1", limit=2, window=60)
        other = await store.blocked("198.51.100.2", limit=2, window=60)
    finally:
        await store.close()

    assert peeks_before == [None] * 5 and hits == [None, None]
    assert peek_after is not None and 59 < peek_after <= 60
    assert refused is not None and refused <= peek_after
    assert other is None
