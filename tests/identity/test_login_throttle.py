"""Sign-in refusals tell nothing (F5, F8) and cannot be turned against the account's owner; identity limits each
client address on its own (F10), tested directly at identity, without a gateway in front."""

from __future__ import annotations

import statistics
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from edudx_common.auth import Role
from identity.config import Settings
from identity.main import create_app
from tests.identity.builders import PASSWORD, make_province, make_user
from tests.rate_limits import assert_rate_limit_headers

LOGIN = "/api/identity/auth/login"
UNKNOWN = "khong-ai-ca@vinhlong.edu.vn"


def _from(address: str) -> dict[str, str]:
    """The client address as the gateway (a trusted peer: ASGITransport's 127.0.0.1) reports it."""
    return {"X-Forwarded-For": address}


def _same_answer(a: httpx.Response, b: httpx.Response) -> None:
    assert a.status_code == b.status_code
    body_a, body_b = a.json(), b.json()
    for key in ("code", "title", "detail", "type"):
        assert body_a.get(key) == body_b.get(key), key


async def test_repeated_failures_look_the_same_for_unknown_and_existing_addresses(
        client: httpx.AsyncClient, session: AsyncSession) -> None:
    units = await make_province(session)
    user = await make_user(session, units["s11"], Role.PRINCIPAL)

    known = [await client.post(LOGIN, json={"email": user.email, "password": f"sai-{i}-mat-khau"},
                               headers=_from("203.0.113.7")) for i in range(7)]
    unknown = [await client.post(LOGIN, json={"email": UNKNOWN, "password": f"sai-{i}-mat-khau"},
                                 headers=_from("203.0.113.7")) for i in range(7)]

    assert [r.status_code for r in known] == [r.status_code for r in unknown] == [401] * 5 + [429] * 2
    for a, b in zip(known, unknown, strict=True):
        assert a.json()["code"] == b.json()["code"]
        assert a.json()["title"] == b.json()["title"]
    assert known[-1].json()["code"] == "too_many_attempts"
    assert known[-1].headers["retry-after"] == unknown[-1].headers["retry-after"]
    # RateLimit-Limit: the failures free before the pair waits (IDENTITY_LOCKOUT_THRESHOLD).
    assert_rate_limit_headers(known[-1], limit=5, max_wait=3600)


async def test_owner_signs_in_from_another_address_while_the_attacker_waits(
        client: httpx.AsyncClient, session: AsyncSession) -> None:
    units = await make_province(session)
    user = await make_user(session, units["s11"], Role.PRINCIPAL)
    for i in range(6):
        await client.post(LOGIN, json={"email": user.email, "password": f"doan-{i}-mo"}, headers=_from("198.51.100.9"))

    attacker_right_password = await client.post(LOGIN, json={"email": user.email, "password": PASSWORD},
                                                headers=_from("198.51.100.9"))
    owner = await client.post(LOGIN, json={"email": user.email, "password": PASSWORD}, headers=_from("192.0.2.44"))

    assert attacker_right_password.status_code == 429
    assert owner.status_code == 200


async def test_the_delay_grows_with_each_further_failure(client: httpx.AsyncClient, identity_app: Any) -> None:
    throttle = identity_app.state.auth_kit.throttle
    for _ in range(5):
        await throttle.failed("a@b.vn", "192.0.2.1")
    first = await throttle.retry_after("a@b.vn", "192.0.2.1")
    await throttle.failed("a@b.vn", "192.0.2.1")
    second = await throttle.retry_after("a@b.vn", "192.0.2.1")

    assert first is not None and second is not None
    assert second > first * 1.5
    assert await throttle.retry_after("a@b.vn", "192.0.2.2") is None


async def test_unknown_address_runs_the_password_hash(client: httpx.AsyncClient, session: AsyncSession,
                                                     identity_app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    units = await make_province(session)
    user = await make_user(session, units["s11"], Role.PRINCIPAL)
    invited = await make_user(session, units["s11"], Role.PRINCIPAL, password=None)
    hasher = identity_app.state.auth_kit.passwords._hash
    calls: list[str] = []

    def counting(name: str, original: Any) -> Any:
        def counted(*args: object, **kwargs: object) -> Any:
            calls.append(name)
            return original(*args, **kwargs)
        return counted

    # The dummy hash is made by the first check that needs it, which then hashes instead of verifying: the same cost.
    monkeypatch.setattr(hasher, "verify", counting("verify", hasher.verify))
    monkeypatch.setattr(hasher, "hash", counting("hash", hasher.hash))
    for email in (user.email, UNKNOWN, invited.email, UNKNOWN):
        calls.clear()
        response = await client.post(LOGIN, json={"email": email, "password": "khong-dung-dau"})
        assert response.status_code == 401
        assert len(calls) == 1, email  # one Argon2 computation, against a dummy hash when there is none
    assert calls == ["verify"]  # by now the dummy exists


async def test_existing_and_unknown_addresses_take_comparable_time(client: httpx.AsyncClient,
                                                                   session: AsyncSession) -> None:
    units = await make_province(session)
    user = await make_user(session, units["s11"], Role.PRINCIPAL)

    async def timed(email: str, address: str) -> float:
        started = time.perf_counter()
        response = await client.post(LOGIN, json={"email": email, "password": "khong-dung-dau"},
                                     headers=_from(address))
        assert response.status_code == 401
        return time.perf_counter() - started

    known, unknown = [], []
    for i in range(30):  # interleaved, each from its own address so the throttle never steps in
        known.append(await timed(user.email, f"10.1.{i}.1"))
        unknown.append(await timed(UNKNOWN, f"10.2.{i}.1"))

    ratio = statistics.median(known) / statistics.median(unknown)
    assert 1 / 3 < ratio < 3, (statistics.median(known), statistics.median(unknown))


async def test_deactivated_account_with_the_right_password_answers_like_a_wrong_password(
        client: httpx.AsyncClient, session: AsyncSession) -> None:
    units = await make_province(session)
    user = await make_user(session, units["s11"], Role.PRINCIPAL)
    other = await make_user(session, units["s11"], Role.PRINCIPAL)
    user.active = False
    session.add(user)
    await session.commit()

    deactivated = await client.post(LOGIN, json={"email": user.email, "password": PASSWORD})
    wrong = await client.post(LOGIN, json={"email": other.email, "password": "khong-dung-dau"})

    assert deactivated.status_code == 401
    _same_answer(deactivated, wrong)


@pytest.fixture
async def limited_client(identity_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(identity_settings.model_copy(update={"auth_requests_per_minute_per_address": 5}))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://identity") as http:
            yield http


async def test_identity_limits_each_client_address_itself(limited_client: httpx.AsyncClient) -> None:
    answers = [await limited_client.post(LOGIN, json={"email": f"u{i}@vinhlong.edu.vn", "password": "x" * 10},
                                         headers=_from("203.0.113.50")) for i in range(6)]
    reset = await limited_client.post("/api/identity/auth/password-reset", json={"email": UNKNOWN},
                                      headers=_from("203.0.113.50"))
    another_address = await limited_client.post(LOGIN, json={"email": UNKNOWN, "password": "x" * 10},
                                                headers=_from("203.0.113.51"))

    assert [a.status_code for a in answers] == [401] * 5 + [429]
    assert answers[-1].json()["code"] == "rate_limited"
    assert_rate_limit_headers(answers[-1], limit=5, max_wait=60)
    assert reset.status_code == 429
    assert_rate_limit_headers(reset, limit=5, max_wait=60)
    assert another_address.status_code == 401


async def test_forwarded_for_from_an_untrusted_peer_is_ignored(identity_settings: Settings) -> None:
    app = create_app(identity_settings.model_copy(update={"auth_requests_per_minute_per_address": 3,
                                                          "trusted_proxies": []}))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://identity") as http:
            answers = [await http.post(LOGIN, json={"email": UNKNOWN, "password": "x" * 10},
                                       headers=_from(f"203.0.113.{i}")) for i in range(4)]

    assert [a.status_code for a in answers] == [401] * 3 + [429]
