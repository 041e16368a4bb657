"""Password hashes run in worker threads, a bounded number at once, so a queue of sign-ins never holds up identity's
other requests (token refresh, the JWKS and the unit tree other services read)."""

from __future__ import annotations

import asyncio
import os
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from edudx_common.auth import Role
from identity.auth import service as auth_service
from identity.config import Settings
from identity.main import create_app
from tests.identity.builders import PASSWORD, login, make_province, make_user

LOGIN = "/api/identity/auth/login"
JWKS = "/api/identity/.well-known/jwks.json"
UNKNOWN = "chua-co-tai-khoan@vinhlong.edu.vn"
# Only a guard against a test hanging for ever when hashing is broken; nothing is measured against it.
STUCK_SECONDS = 30


class Recorder:
    """Wraps an app's Argon2 hasher: which thread each hash ran on, and how many ran at once."""

    def __init__(self) -> None:
        self.threads: list[tuple[str, int]] = []
        self.running = 0
        self.most_running = 0
        self._lock = threading.Lock()
        # Called inside the worker thread, while the hash "runs": a test makes the hash wait here.
        self.during: Callable[[], None] = lambda: None

    def wrap(self, name: str, original: Callable[..., Any]) -> Callable[..., Any]:
        def recorded(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                self.threads.append((name, threading.get_ident()))
                self.running += 1
                self.most_running = max(self.most_running, self.running)
            try:
                self.during()
                return original(*args, **kwargs)
            finally:
                with self._lock:
                    self.running -= 1

        return recorded


@contextmanager
def recorded_hashes(app: Any) -> Iterator[Recorder]:
    recorder = Recorder()
    hasher = app.state.auth_kit.passwords._hash
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(hasher, "hash", recorder.wrap("hash", hasher.hash))
        patch.setattr(hasher, "verify", recorder.wrap("verify", hasher.verify))
        yield recorder


class HeldUntilAnswered:
    """A hash (`during`, in its thread) that holds on until another request has been answered: `hashing` is set once
    it runs, the other request sets `answered`. On the event loop it would wait in vain, and say so (False)."""

    def __init__(self) -> None:
        self.hashing = asyncio.Event()
        self.answered = threading.Event()
        self.held_until_answered: list[bool] = []
        self._loop = asyncio.get_running_loop()

    def during(self) -> None:
        self._loop.call_soon_threadsafe(self.hashing.set)
        self.held_until_answered.append(self.answered.wait(timeout=STUCK_SECONDS))


def _off_the_loop(recorder: Recorder) -> None:
    loop_thread = threading.get_ident()  # the test runs on the loop that serves the app (ASGITransport)
    assert recorder.threads
    assert all(thread != loop_thread for _, thread in recorder.threads), recorder.threads


async def test_sign_in_change_and_reset_hash_off_the_event_loop(client: httpx.AsyncClient, session: AsyncSession,
                                                                identity_app: Any) -> None:
    units = await make_province(session)
    user = await make_user(session, units["s11"], Role.PRINCIPAL)
    kit = identity_app.state.auth_kit

    with recorded_hashes(identity_app) as signing_in:
        signed_in = await client.post(LOGIN, json={"email": user.email, "password": PASSWORD})
        # The first unknown address makes the dummy hash, the next verifies against it: both off the loop.
        unknown = [await client.post(LOGIN, json={"email": UNKNOWN, "password": "khong-dung-dau-9"})
                   for _ in range(2)]
    headers = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
    with recorded_hashes(identity_app) as changing:
        changed = await client.post("/api/identity/me/password", headers=headers,
                                    json={"current_password": PASSWORD, "new_password": "Song-Co-Chien-41"})
    mail = await auth_service.issue_password_token(session, kit, user, purpose="reset")
    await session.commit()
    token = re.search(r"token=([A-Za-z0-9_\-]+)", mail.text).group(1)  # type: ignore[union-attr]
    with recorded_hashes(identity_app) as resetting:
        reset = await client.post("/api/identity/auth/password-reset/confirm",
                                  json={"token": token, "new_password": "Cau-Ham-Luong-73"})

    assert signed_in.status_code == 200
    assert [r.status_code for r in unknown] == [401, 401]
    assert changed.status_code == 204 and reset.status_code == 204
    assert len(signing_in.threads) == 3  # one Argon2 computation per sign-in, the unknown address's too
    # The current password, then the new one against the current and recent ones, then the new hash.
    assert [name for name, _ in changing.threads] == ["verify", "verify", "hash"]
    assert [name for name, _ in resetting.threads][-1] == "hash"
    for recorder in (signing_in, changing, resetting):
        _off_the_loop(recorder)
    assert (await client.post(LOGIN, json={"email": user.email, "password": "Cau-Ham-Luong-73"})).status_code == 200


async def test_at_most_the_configured_number_of_hashes_run_at_once(identity_settings: Settings,
                                                                   session: AsyncSession) -> None:
    units = await make_province(session)
    users = [await make_user(session, units["s11"], Role.PRINCIPAL) for _ in range(6)]
    app = create_app(identity_settings.model_copy(update={"password_hash_concurrency": 2}))
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://identity") as client:  # type: ignore[arg-type]
        with recorded_hashes(app) as recorder:
            # Each hash waits for a second one to be running beside it, then lingers so a third could join it if
            # the limit let one in: with a limit of 2 the six pair up and none ever meets a third.
            pairs = threading.Barrier(2)
            lingering = threading.Event()

            def in_pairs() -> None:
                pairs.wait(timeout=STUCK_SECONDS)
                lingering.wait(timeout=0.05)

            recorder.during = in_pairs
            answers = await asyncio.gather(*(client.post(LOGIN, json={"email": u.email, "password": PASSWORD})
                                             for u in users))

    assert [a.status_code for a in answers] == [200] * 6
    assert len(recorder.threads) == 6
    assert recorder.most_running == 2
    _off_the_loop(recorder)


async def test_other_requests_are_answered_while_a_sign_in_is_hashing(client: httpx.AsyncClient,
                                                                      session: AsyncSession,
                                                                      identity_app: Any) -> None:
    units = await make_province(session)
    user = await make_user(session, units["s11"], Role.PRINCIPAL)
    finished: list[str] = []
    held = HeldUntilAnswered()

    async def sign_in() -> httpx.Response:
        response = await client.post(LOGIN, json={"email": user.email, "password": PASSWORD})
        finished.append("login")
        return response

    async def fetch_keys() -> httpx.Response:
        await held.hashing.wait()
        response = await client.get(JWKS)
        finished.append("jwks")
        held.answered.set()
        return response

    with recorded_hashes(identity_app) as recorder:
        recorder.during = held.during
        signed_in, keys = await asyncio.gather(sign_in(), fetch_keys())

    assert signed_in.status_code == 200 and keys.status_code == 200
    assert held.held_until_answered == [True]
    assert finished == ["jwks", "login"]
    headers = await login(client, user)
    assert (await client.get("/api/identity/me", headers=headers)).status_code == 200


async def test_a_sign_in_waiting_on_its_hash_holds_no_database_connection(identity_settings: Settings,
                                                                            session: AsyncSession) -> None:
    """With one pooled connection (PostgreSQL; SQLite keeps its own pool), /me is answered while a sign-in hashes:
    a queue of sign-ins waiting for hashing slots must not take the connections every other request needs."""
    units = await make_province(session)
    user = await make_user(session, units["s11"], Role.PRINCIPAL)
    app = create_app(identity_settings.model_copy(update={"database_pool_size": 1, "database_max_overflow": 0,
                                                          "password_hash_concurrency": 1}))
    held = HeldUntilAnswered()

    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://identity") as client:  # type: ignore[arg-type]
        headers = await login(client, user)

        async def read_me() -> httpx.Response:
            await held.hashing.wait()
            response = await client.get("/api/identity/me", headers=headers)
            held.answered.set()
            return response

        with recorded_hashes(app) as recorder:
            recorder.during = held.during
            signed_in, me = await asyncio.gather(
                client.post(LOGIN, json={"email": user.email, "password": PASSWORD}), read_me())

    assert signed_in.status_code == 200 and me.status_code == 200
    assert held.held_until_answered == [True]


def test_the_default_limit_is_the_cpus_the_process_may_use(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("IDENTITY_PASSWORD_HASH_CONCURRENCY", raising=False)
    assert Settings(environment="test").password_hash_concurrency == len(os.sched_getaffinity(0))
    with pytest.raises(ValueError):
        Settings(environment="test", password_hash_concurrency=0)
