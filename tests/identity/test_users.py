from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from edudx_common.auth import Role
from tests.identity.builders import login, make_province, make_user


async def test_authority_admin_sees_users_of_its_subtree_only(client: httpx.AsyncClient, session: AsyncSession) -> None:
    units = await make_province(session)
    admin = await make_user(session, units["p1"], Role.AUTHORITY_ADMIN, name="Phạm Văn Hùng")
    in_scope = await make_user(session, units["s11"], Role.PRINCIPAL, name="Nguyễn Văn An")
    out_of_scope = await make_user(session, units["s21"], Role.PRINCIPAL, name="Huỳnh Văn Bình")
    headers = await login(client, admin)

    listing = await client.get("/api/identity/users", headers=headers)
    search = await client.get("/api/identity/users", params={"q": "nguyen van an"}, headers=headers)
    hidden = await client.get(f"/api/identity/users/{out_of_scope.id}", headers=headers)

    assert {u["email"] for u in listing.json()["items"]} == {admin.email, in_scope.email}
    assert [u["email"] for u in search.json()["items"]] == [in_scope.email]
    assert hidden.status_code == 404 and hidden.json()["code"] == "user_not_found"


async def test_school_user_sees_only_colleagues(client: httpx.AsyncClient, session: AsyncSession) -> None:
    units = await make_province(session)
    principal = await make_user(session, units["s11"], Role.PRINCIPAL)
    colleague = await make_user(session, units["s11"], Role.SCHOOL_IT_OFFICER)
    await make_user(session, units["s12"], Role.PRINCIPAL)

    listing = await client.get("/api/identity/users", headers=await login(client, principal))

    assert {u["email"] for u in listing.json()["items"]} == {principal.email, colleague.email}


async def test_admin_cannot_create_users_outside_scope_or_escalate(client: httpx.AsyncClient,
                                                                  session: AsyncSession) -> None:
    units = await make_province(session)
    admin = await make_user(session, units["p1"], Role.AUTHORITY_ADMIN)
    headers = await login(client, admin)

    def body(unit: str, *roles: str, email: str = "moi@vinhlong.edu.vn") -> dict[str, object]:
        return {"email": email, "full_name": "Người Mới", "unit_id": str(units[unit].id), "roles": list(roles),
                "send_invite": False}

    outside = await client.post("/api/identity/users", json=body("s21", "principal"), headers=headers)
    escalate = await client.post("/api/identity/users", json=body("s11", "system_admin"), headers=headers)
    wrong_fit = await client.post("/api/identity/users", json=body("s11", "reviewer"), headers=headers)
    ok = await client.post("/api/identity/users", json=body("s11", "principal"), headers=headers)

    assert outside.status_code == 404
    assert escalate.status_code == 403
    assert wrong_fit.status_code == 422 and wrong_fit.json()["code"] == "invalid_roles"
    assert ok.status_code == 201 and ok.json()["roles"] == ["principal"]


async def test_school_users_cannot_manage_accounts(client: httpx.AsyncClient, session: AsyncSession) -> None:
    units = await make_province(session)
    principal = await make_user(session, units["s11"], Role.PRINCIPAL)
    colleague = await make_user(session, units["s11"], Role.SCHOOL_IT_OFFICER)
    headers = await login(client, principal)

    create = await client.post("/api/identity/users", headers=headers, json={
        "email": "x@vinhlong.edu.vn", "full_name": "Người Mới", "unit_id": str(units["s11"].id),
        "roles": ["viewer"], "send_invite": False})
    update = await client.patch(f"/api/identity/users/{colleague.id}", json={"roles": ["principal"]}, headers=headers)

    assert create.status_code == 403
    assert update.status_code == 403


async def test_update_user_roles_and_deactivate(client: httpx.AsyncClient, session: AsyncSession) -> None:
    units = await make_province(session)
    admin = await make_user(session, units["so"], Role.AUTHORITY_ADMIN)
    user = await make_user(session, units["s11"], Role.SCHOOL_IT_OFFICER)
    headers = await login(client, admin)

    promoted = await client.patch(f"/api/identity/users/{user.id}",
                                  json={"roles": ["principal", "school_it_officer"]}, headers=headers)
    moved = await client.patch(f"/api/identity/users/{user.id}", json={"unit_id": str(units["s21"].id)},
                               headers=headers)
    self_demote = await client.patch(f"/api/identity/users/{admin.id}", json={"roles": ["viewer"]}, headers=headers)
    deactivated = await client.patch(f"/api/identity/users/{user.id}", json={"active": False}, headers=headers)
    login_after = await client.post("/api/identity/auth/login",
                                    json={"email": user.email, "password": "Mat-khau-2024"})

    assert promoted.json()["roles"] == ["principal", "school_it_officer"]
    assert moved.json()["unit_id"] == str(units["s21"].id)
    assert self_demote.status_code == 403
    assert deactivated.json()["active"] is False
    assert login_after.status_code == 401


async def test_deactivated_user_token_cannot_use_me(client: httpx.AsyncClient, session: AsyncSession) -> None:
    units = await make_province(session)
    admin = await make_user(session, units["so"], Role.AUTHORITY_ADMIN)
    user = await make_user(session, units["s11"], Role.PRINCIPAL)
    user_headers = await login(client, user)

    await client.patch(f"/api/identity/users/{user.id}", json={"active": False}, headers=await login(client, admin))
    me = await client.get("/api/identity/me", headers=user_headers)

    assert me.status_code == 401
