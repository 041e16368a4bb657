"""Integration clients: created by an authority admin for its subtree, exchanged for scoped, revocable tokens."""

from __future__ import annotations

import httpx
import jwt
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from edudx_common.auth import Role
from identity.integrations.models import IntegrationClient
from tests.identity.builders import login, make_province, make_user

CLIENTS = "/api/identity/integration-clients"
TOKEN = "/api/identity/oauth/token"


async def _token(client: httpx.AsyncClient, created: dict[str, str], **extra: str) -> httpx.Response:
    return await client.post(TOKEN, data={"grant_type": "client_credentials", "client_id": created["client_id"],
                                          "client_secret": created["client_secret"], **extra})


async def test_admin_creates_a_client_whose_secret_is_shown_once_and_stored_hashed(
        client: httpx.AsyncClient, session: AsyncSession) -> None:
    units = await make_province(session)
    admin = await login(client, await make_user(session, units["p1"], Role.AUTHORITY_ADMIN))

    created = await client.post(CLIENTS, json={"name": "Bảng điều khiển Phòng"}, headers=admin)
    listed = await client.get(CLIENTS, headers=admin)
    one = await client.get(created.headers["location"], headers=admin)

    assert created.status_code == 201, created.text
    body = created.json()
    assert body["scope"] == "read" and body["unit_id"] == str(units["p1"].id) and body["active"] is True
    assert body["client_id"].startswith("edx_") and len(body["client_secret"]) >= 40
    assert listed.json()["total"] == 1 and "client_secret" not in listed.json()["items"][0]
    assert one.status_code == 200 and "client_secret" not in one.json()
    row = (await session.execute(select(IntegrationClient))).scalar_one()
    assert body["client_secret"] not in row.secret_hash and len(row.secret_hash) == 64


async def test_token_is_a_client_principal_of_the_subtree_with_its_scope(
        client: httpx.AsyncClient, session: AsyncSession) -> None:
    units = await make_province(session)
    admin = await login(client, await make_user(session, units["p1"], Role.AUTHORITY_ADMIN))
    created = (await client.post(CLIENTS, json={"name": "CSDL ngành"}, headers=admin)).json()

    token = await _token(client, created)
    claims = jwt.decode(token.json()["access_token"], options={"verify_signature": False})
    bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}
    inside = await client.get(f"/api/identity/units/{units['s11'].id}", headers=bearer)
    outside = await client.get(f"/api/identity/units/{units['s21'].id}", headers=bearer)
    write = await client.post(CLIENTS, json={"name": "x"}, headers=bearer)
    me = await client.get("/api/identity/me", headers=bearer)
    shown = (await client.get(CLIENTS, headers=admin)).json()["items"][0]

    assert token.status_code == 200, token.text
    assert token.json()["token_type"] == "Bearer" and token.json()["scope"] == "read"
    assert token.headers["cache-control"] == "no-store"
    assert claims["kind"] == "client" and claims["unit_id"] == str(units["p1"].id) and claims["roles"] == ["viewer"]
    assert claims["sid"] == created["id"]
    assert inside.status_code == 200
    assert outside.status_code == 404
    assert write.status_code == 403 and me.status_code == 403
    assert shown["last_used_at"] is not None


async def test_oauth_errors_follow_rfc_6749(client: httpx.AsyncClient, session: AsyncSession) -> None:
    units = await make_province(session)
    admin = await login(client, await make_user(session, units["so"], Role.AUTHORITY_ADMIN))
    created = (await client.post(CLIENTS, json={"name": "Đọc"}, headers=admin)).json()

    missing = await client.post(TOKEN, data={"grant_type": "client_credentials"})
    grant = await client.post(TOKEN, data={"grant_type": "password", "client_id": created["client_id"],
                                           "client_secret": created["client_secret"]})
    wrong = await client.post(TOKEN, data={"grant_type": "client_credentials", "client_id": created["client_id"],
                                           "client_secret": "sai"})
    scope = await _token(client, created, scope="read write")

    assert missing.status_code == 400 and missing.json()["error"] == "invalid_request"
    assert grant.status_code == 400 and grant.json()["error"] == "unsupported_grant_type"
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
    assert "www-authenticate" in wrong.headers
    assert scope.status_code == 400 and scope.json()["error"] == "invalid_scope"


async def test_revocation_stops_new_tokens_and_lists_the_client_as_revoked(
        client: httpx.AsyncClient, session: AsyncSession, identity_app: object) -> None:
    units = await make_province(session)
    admin = await login(client, await make_user(session, units["so"], Role.AUTHORITY_ADMIN))
    created = (await client.post(CLIENTS, json={"name": "Thu hồi", "scope": "read write"}, headers=admin)).json()
    before = await _token(client, created)

    revoked = await client.post(f"{CLIENTS}/{created['id']}/revoke", headers=admin)
    again = await client.post(f"{CLIENTS}/{created['id']}/revoke", headers=admin)
    after = await _token(client, created)
    listed = await identity_app.state.revoked_session_ids()  # type: ignore[attr-defined]
    await identity_app.state.revocations.refresh()  # type: ignore[attr-defined]
    old_token = await client.get(f"/api/identity/units/{units['s11'].id}",
                                 headers={"Authorization": f"Bearer {before.json()['access_token']}"})

    assert before.status_code == 200 and before.json()["scope"] == "read write"
    assert revoked.status_code == 200 and revoked.json()["active"] is False
    assert again.json()["revoked_at"] == revoked.json()["revoked_at"]
    assert after.status_code == 401 and after.json()["error"] == "invalid_client"
    assert created["id"] in {str(s) for s in listed}
    assert old_token.status_code == 401


async def test_clients_are_managed_only_by_admins_of_their_subtree(
        client: httpx.AsyncClient, session: AsyncSession) -> None:
    units = await make_province(session)
    p1_admin = await login(client, await make_user(session, units["p1"], Role.AUTHORITY_ADMIN))
    p2_admin = await login(client, await make_user(session, units["p2"], Role.AUTHORITY_ADMIN))
    reviewer = await login(client, await make_user(session, units["p1"], Role.REVIEWER))
    created = (await client.post(CLIENTS, json={"name": "Phòng 1"}, headers=p1_admin)).json()

    other_unit = await client.post(CLIENTS, json={"name": "x", "unit_id": str(units["s21"].id)}, headers=p1_admin)
    seen_by_other = await client.get(f"{CLIENTS}/{created['id']}", headers=p2_admin)
    revoked_by_other = await client.post(f"{CLIENTS}/{created['id']}/revoke", headers=p2_admin)
    by_reviewer = await client.post(CLIENTS, json={"name": "x"}, headers=reviewer)
    unknown_field = await client.post(CLIENTS, json={"name": "x", "scopes": "read"}, headers=p1_admin)

    assert other_unit.status_code == 404
    assert seen_by_other.status_code == 404 and revoked_by_other.status_code == 404
    assert (await client.get(CLIENTS, headers=p2_admin)).json()["total"] == 0
    assert by_reviewer.status_code == 403
    assert unknown_field.status_code == 422
    assert (await session.execute(select(IntegrationClient))).scalars().all().__len__() == 1
