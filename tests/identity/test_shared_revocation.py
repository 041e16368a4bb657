"""Replicas that agree at once: with IDENTITY_REDIS_URL set, a session revoked on one identity process is refused by
another straight away — both poll the revoked list only once an hour here, so only the announcement on Redis
can tell the second one. Real Redis (EDUDX_TEST_REDIS_URL, default the local one), a key prefix of the test's own,
two real uvicorn processes on one database."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from edudx_common.revocation import RevocationChannel, RevokedSessions
from tests.common.event_support import eventually
from tests.gateway.test_shared_ratelimit import REDIS_URL, redis_prefix  # noqa: F401 - the fixture
from tests.identity.test_shared_throttle import _wait_up, replica_env
from tests.servers import uvicorn_processes

ADMIN = {"email": "quantri@sogd-thu.edu.vn", "password": "Mat-khau-dai-2026!"}


@pytest.fixture
def identity_processes(tmp_path: Path, redis_prefix: str) -> Iterator[list[str]]:  # noqa: F811
    # Polling alone would take an hour: what the second process learns in time, it learns from Redis.
    env = replica_env(tmp_path, redis_prefix, "shared_revocation_identity", revocation_poll_seconds="3600")
    subprocess.run([sys.executable, "-m", "identity.cli", "bootstrap-admin", "--unit-code", "SGD-THU",
                    "--unit-name", "Sở Giáo dục và Đào tạo thử", "--email", ADMIN["email"],
                    "--password", ADMIN["password"]], env=env, check=True, capture_output=True)
    with uvicorn_processes("identity.main:create_app", env) as urls:
        yield urls


async def _refused(client: httpx.AsyncClient, url: str, headers: dict[str, str]) -> bool:
    return (await client.get(url + "/api/identity/me", headers=headers)).status_code == 401


async def test_a_session_ended_on_one_replica_is_refused_by_the_other(identity_processes: list[str]) -> None:
    first, second = identity_processes
    async with httpx.AsyncClient(timeout=30) as client:
        await asyncio.gather(_wait_up(client, first), _wait_up(client, second))
        login = await client.post(first + "/api/identity/auth/login", json=ADMIN)
        assert login.status_code == 200, login.text
        tokens = login.json()
        bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
        before = (await client.get(second + "/api/identity/me", headers=bearer)).status_code

        logout = await client.post(first + "/api/identity/auth/logout",
                                   json={"refresh_token": tokens["refresh_token"]})
        after_here = (await client.get(first + "/api/identity/me", headers=bearer)).status_code
        # The announcement travels on its own connection: asked again for a short while (an hour's poll is the
        # only other way the answer could change).
        await eventually(lambda: _refused(client, second, bearer))

        # Another session of the same account, untouched, still works on both.
        other = (await client.post(second + "/api/identity/auth/login", json=ADMIN)).json()
        other_bearer = {"Authorization": f"Bearer {other['access_token']}"}
        other_status = [(await client.get(url + "/api/identity/me", headers=other_bearer)).status_code
                        for url in (first, second)]

    assert before == 200
    assert logout.status_code == 204
    assert after_here == 401
    assert other_status == [200, 200]


async def test_announcements_reach_a_listener_and_a_poll_takes_over(redis_prefix: str) -> None:  # noqa: F811
    listed: list[str] = []

    async def identity_list() -> list[str]:
        return list(listed)

    publisher = RevocationChannel(REDIS_URL, prefix=redis_prefix)
    listener = RevocationChannel(REDIS_URL, prefix=redis_prefix)
    keys_changed: list[bool] = []
    revoked = RevokedSessions(identity_list, poll_seconds=3600, channel=listener,
                              on_keys_changed=lambda: keys_changed.append(True))
    claims = {"kind": "user", "sid": "2f0c6f52-3d4b-4c8e-9a43-6f1f4d3c2b10"}
    task = asyncio.create_task(revoked.run())
    try:
        # Subscribed: the first refresh runs once the subscription stands.
        await eventually(lambda: revoked.refreshed_at is not None)
        assert not revoked.is_revoked(claims)
        await publisher.publish_sessions([claims["sid"]])
        await eventually(lambda: revoked.is_revoked(claims))
        await publisher.publish_keys_changed()
        await eventually(lambda: keys_changed)

        # A poll that started after the announcement replaces it: identity's list is the truth again.
        listed.append(claims["sid"])
        await revoked.refresh()
        still_listed = revoked.is_revoked(claims)
        listed.clear()
        await revoked.refresh()
        after_expiry = revoked.is_revoked(claims)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await publisher.close()
        await listener.close()

    assert keys_changed == [True]
    assert still_listed and not after_expiry
    assert not revoked.is_revoked({**claims, "kind": "service"})
