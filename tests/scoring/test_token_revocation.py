"""F13: an access token stops working at every service within seconds when its session ends early —
deactivation, reuse of a refresh token, logout — across real services over HTTP (identity, submissions,
evidence, scoring; notifications in tests/notifications/test_events.py)."""

from __future__ import annotations

import asyncio
import time
import uuid

import httpx

from edudx_common.auth import Role
from tests.identity.builders import PASSWORD, make_user
from tests.scoring.conftest import Stack, World

LOGIN = "/api/identity/auth/login"


def _probes(stack: Stack) -> dict[str, str]:
    """One user-facing read per service (a missing submission's files: 404 while the token is good)."""
    return {
        "identity": f"{stack.url('identity')}/api/identity/me",
        "submissions": f"{stack.url('submissions')}/api/submissions/campaigns",
        "evidence": f"{stack.url('evidence')}/api/evidence/submissions/{uuid.uuid4()}/files",
        "scoring": f"{stack.url('scoring')}/api/scoring/rubrics",
    }


async def _statuses(stack: Stack, token: str) -> dict[str, int]:
    async with httpx.AsyncClient(timeout=10) as http:
        return {name: (await http.get(url, headers={"Authorization": f"Bearer {token}"})).status_code
                for name, url in _probes(stack).items()}


async def _until_refused_everywhere(stack: Stack, token: str, *, within: float = 15) -> tuple[dict[str, int], float]:
    started = time.monotonic()
    while True:
        statuses = await _statuses(stack, token)
        if set(statuses.values()) == {401} or time.monotonic() - started > within:
            return statuses, time.monotonic() - started
        await asyncio.sleep(0.25)


async def _sign_in(stack: Stack, email: str) -> dict[str, str]:
    async with httpx.AsyncClient(base_url=stack.url("identity")) as http:
        response = await http.post(LOGIN, json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_tokens_of_a_deactivated_account_stop_working_at_every_service(stack: Stack, world: World) -> None:
    async with stack.services["identity"].sessions() as session:
        user = await make_user(session, world.units["s11"], Role.PRINCIPAL, name="Hiệu trưởng bị khoá")
    token = (await _sign_in(stack, user.email))["access_token"]
    before = await _statuses(stack, token)

    async with httpx.AsyncClient(base_url=stack.url("identity")) as http:
        deactivated = await http.patch(f"/api/identity/users/{user.id}", json={"active": False},
                                       headers=world.users["so_admin"])
    after, seconds = await _until_refused_everywhere(stack, token)

    assert 401 not in before.values(), before
    assert deactivated.status_code == 200, deactivated.text
    assert after == dict.fromkeys(after, 401), after
    assert seconds < 12  # the services poll every 5 s


async def test_refresh_token_reuse_and_logout_end_the_access_token_too(stack: Stack, world: World) -> None:
    async with stack.services["identity"].sessions() as session:
        stolen = await make_user(session, world.units["s11"], Role.SCHOOL_IT_OFFICER, name="Bị lộ mã")
        leaving = await make_user(session, world.units["s12"], Role.PRINCIPAL, name="Đăng xuất")
        staying = await make_user(session, world.units["s12"], Role.SCHOOL_IT_OFFICER, name="Vẫn làm việc")
    first = await _sign_in(stack, stolen.email)
    other = await _sign_in(stack, leaving.email)
    unaffected = await _sign_in(stack, staying.email)
    async with httpx.AsyncClient(base_url=stack.url("identity")) as http:
        rotated = await http.post("/api/identity/auth/refresh", json={"refresh_token": first["refresh_token"]})
        reused = await http.post("/api/identity/auth/refresh", json={"refresh_token": first["refresh_token"]})
        logged_out = await http.post("/api/identity/auth/logout", json={"refresh_token": other["refresh_token"]})

    after_reuse, _ = await _until_refused_everywhere(stack, rotated.json()["access_token"])
    after_logout, _ = await _until_refused_everywhere(stack, other["access_token"])
    still = await _statuses(stack, unaffected["access_token"])

    assert rotated.status_code == 200 and reused.status_code == 401 and logged_out.status_code == 204
    assert after_reuse == dict.fromkeys(after_reuse, 401), after_reuse  # the thief's fresh token is dead too
    assert after_logout == dict.fromkeys(after_logout, 401), after_logout
    assert 401 not in still.values(), still
