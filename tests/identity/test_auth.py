from __future__ import annotations

import asyncio
import time

import httpx
import jwt
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from edudx_common.auth import Role
from identity.auth.models import RefreshToken
from tests.identity.builders import PASSWORD, login, make_province, make_user
from tests.tokens import BAD_TOKEN_KINDS, forge

LOGIN = "/api/identity/auth/login"


async def test_login_returns_rs256_token_with_unit_and_roles(client: httpx.AsyncClient, session: AsyncSession) -> None:
    units = await make_province(session)
    user = await make_user(session, units["s11"], Role.PRINCIPAL, email="HieuTruong@vinhlong.edu.vn")

    response = await client.post(LOGIN, json={"email": "hieutruong@VINHLONG.edu.vn", "password": PASSWORD})

    assert response.status_code == 200
    body = response.json()
    header = jwt.get_unverified_header(body["access_token"])
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert header["alg"] == "RS256" and header["kid"]
    assert claims["sub"] == str(user.id)
    assert claims["unit_id"] == str(units["s11"].id)
    assert claims["roles"] == ["principal"]
    assert claims["kind"] == "user"
    assert 0 < claims["exp"] - time.time() <= 15 * 60 + 5
    jwks = (await client.get("/api/identity/.well-known/jwks.json")).json()
    assert header["kid"] in {k["kid"] for k in jwks["keys"]}
    assert all("d" not in k for k in jwks["keys"])  # never a private part


async def test_wrong_password_and_unknown_email_look_the_same(client: httpx.AsyncClient, session: AsyncSession) -> None:
    units = await make_province(session)
    user = await make_user(session, units["s11"], Role.PRINCIPAL)

    wrong = await client.post(LOGIN, json={"email": user.email, "password": "sai-mat-khau-1"})
    unknown = await client.post(LOGIN, json={"email": "khong-co@vinhlong.edu.vn", "password": "sai-mat-khau-1"})

    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["code"] == unknown.json()["code"] == "invalid_credentials"
    assert wrong.json()["title"] == unknown.json()["title"]


async def test_refresh_rotates_and_reuse_revokes_the_family(client: httpx.AsyncClient, session: AsyncSession) -> None:
    units = await make_province(session)
    user = await make_user(session, units["s11"], Role.PRINCIPAL)
    first = (await client.post(LOGIN, json={"email": user.email, "password": PASSWORD})).json()

    rotated = await client.post("/api/identity/auth/refresh", json={"refresh_token": first["refresh_token"]})
    replayed = await client.post("/api/identity/auth/refresh", json={"refresh_token": first["refresh_token"]})
    after_theft = await client.post("/api/identity/auth/refresh",
                                    json={"refresh_token": rotated.json()["refresh_token"]})

    assert rotated.status_code == 200
    assert rotated.json()["refresh_token"] != first["refresh_token"]
    assert replayed.status_code == 401 and replayed.json()["code"] == "invalid_refresh_token"
    assert after_theft.status_code == 401  # the legitimate holder must sign in again too


async def test_concurrent_refresh_with_one_token_wins_once(client: httpx.AsyncClient, session: AsyncSession) -> None:
    units = await make_province(session)
    user = await make_user(session, units["s11"], Role.PRINCIPAL)
    pair = (await client.post(LOGIN, json={"email": user.email, "password": PASSWORD})).json()

    results = await asyncio.gather(*[
        client.post("/api/identity/auth/refresh", json={"refresh_token": pair["refresh_token"]}) for _ in range(4)
    ])

    assert sorted(r.status_code for r in results) == [200, 401, 401, 401]


async def test_logout_revokes_refresh_token(client: httpx.AsyncClient, session: AsyncSession) -> None:
    units = await make_province(session)
    user = await make_user(session, units["s11"], Role.PRINCIPAL)
    pair = (await client.post(LOGIN, json={"email": user.email, "password": PASSWORD})).json()

    logout = await client.post("/api/identity/auth/logout", json={"refresh_token": pair["refresh_token"]})
    refresh = await client.post("/api/identity/auth/refresh", json={"refresh_token": pair["refresh_token"]})

    assert logout.status_code == 204
    assert refresh.status_code == 401
    revoked = await session.execute(select(func.count()).select_from(RefreshToken)
                                    .where(RefreshToken.revoked_at.is_not(None)))  # type: ignore[union-attr]
    assert revoked.scalar_one() == 1


async def test_service_credentials(client: httpx.AsyncClient, session: AsyncSession) -> None:
    units = await make_province(session)
    credentials = {"grant_type": "client_credentials", "client_id": "submissions",
                   "client_secret": "submissions-test-secret-0123"}
    good = await client.post("/api/identity/auth/token", data={**credentials, "audience": "identity"})
    for_scoring = await client.post("/api/identity/auth/token", data={**credentials, "audience": "scoring"})
    no_audience = await client.post("/api/identity/auth/token", data=credentials)
    unknown_audience = await client.post("/api/identity/auth/token", data={**credentials, "audience": "khong-co"})
    bad = await client.post("/api/identity/auth/token", data={
        "grant_type": "client_credentials", "client_id": "submissions", "client_secret": "wrong",
        "audience": "identity"})
    token = good.json()["access_token"]
    scoring_token = for_scoring.json()["access_token"]

    # A service may look up any unit's ancestors (other services check tree scope this way).
    ancestors = await client.get(f"/api/identity/units/{units['s11'].id}/ancestors",
                                 headers={"Authorization": f"Bearer {token}"})
    # …but it is not a user.
    me = await client.get("/api/identity/me", headers={"Authorization": f"Bearer {token}"})
    # A token obtained to call another service is refused here.
    elsewhere = await client.get(f"/api/identity/units/{units['s11'].id}/ancestors",
                                 headers={"Authorization": f"Bearer {scoring_token}"})

    assert good.status_code == 200
    assert jwt.decode(token, options={"verify_signature": False})["kind"] == "service"
    assert jwt.decode(token, options={"verify_signature": False})["aud"] == "edudx:identity"
    assert jwt.decode(scoring_token, options={"verify_signature": False})["aud"] == "edudx:scoring"
    assert elsewhere.status_code == 401
    assert no_audience.status_code == 422
    assert unknown_audience.status_code == 422 and unknown_audience.json()["code"] == "invalid_target"
    assert bad.status_code == 401 and bad.json()["code"] == "invalid_client"
    assert ancestors.status_code == 200, ancestors.text
    assert [u["code"] for u in ancestors.json()["items"]] == ["SO-VL", "P-LH"]
    assert me.status_code == 403


async def test_me_and_profile_update(client: httpx.AsyncClient, session: AsyncSession) -> None:
    units = await make_province(session)
    user = await make_user(session, units["s11"], Role.SCHOOL_IT_OFFICER)
    headers = await login(client, user)

    updated = await client.patch("/api/identity/me", json={"full_name": "Đặng  Thị Mai", "phone": "0912 345 678"},
                                 headers=headers)
    me = await client.get("/api/identity/me", headers=headers)

    assert updated.status_code == 200
    assert me.json()["full_name"] == "Đặng Thị Mai"
    assert me.json()["unit_code"] == "T-HB"
    assert me.json()["roles"] == ["school_it_officer"]


async def test_password_change_revokes_sessions(client: httpx.AsyncClient, session: AsyncSession) -> None:
    units = await make_province(session)
    user = await make_user(session, units["s11"], Role.PRINCIPAL)
    pair = (await client.post(LOGIN, json={"email": user.email, "password": PASSWORD})).json()
    headers = {"Authorization": f"Bearer {pair['access_token']}"}

    weak = await client.post("/api/identity/me/password", json={"current_password": PASSWORD, "new_password": "123"},
                             headers=headers)
    wrong_current = await client.post("/api/identity/me/password",
                                      json={"current_password": "nope-nope-1", "new_password": "Moi-mat-khau-9"},
                                      headers=headers)
    changed = await client.post("/api/identity/me/password",
                                json={"current_password": PASSWORD, "new_password": "Moi-mat-khau-9"}, headers=headers)
    old_refresh = await client.post("/api/identity/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    new_login = await client.post(LOGIN, json={"email": user.email, "password": "Moi-mat-khau-9"})

    assert weak.status_code == 422 and weak.json()["code"] == "weak_password"
    assert wrong_current.status_code == 401
    assert changed.status_code == 204
    assert old_refresh.status_code == 401
    assert new_login.status_code == 200


async def test_validation_errors_are_problems_with_fields(client: httpx.AsyncClient) -> None:
    response = await client.post(LOGIN, json={"password": "x"})

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "validation_error"
    assert [e["field"] for e in response.json()["errors"]] == ["email"]
    assert response.json()["request_id"] == response.headers["x-request-id"]


@pytest.mark.parametrize("kind", BAD_TOKEN_KINDS)
async def test_bad_tokens_are_rejected(client: httpx.AsyncClient, session: AsyncSession, identity_app: object,
                                       kind: str) -> None:
    units = await make_province(session)
    user = await make_user(session, units["so"], Role.AUTHORITY_ADMIN)
    good = (await login(client, user))["Authorization"].split(" ", 1)[1]
    private_pem = identity_app.state.auth_kit.issuer._key.private_pem  # type: ignore[attr-defined]

    token = forge(kind, good, private_pem)
    response = await client.get("/api/identity/units", headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"
    assert response.headers["www-authenticate"].startswith("Bearer")
