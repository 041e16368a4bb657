"""PATCH bodies: a field left out is unchanged, null clears only what may be empty, anything else is 422."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from edudx_common.auth import Role
from identity.units.models import Unit
from tests.identity.builders import login, make_province, make_user


async def test_null_for_a_field_that_cannot_be_empty_is_422_and_nothing_changes(
        client: httpx.AsyncClient, session: AsyncSession) -> None:
    units = await make_province(session)
    admin = await make_user(session, units["so"], Role.AUTHORITY_ADMIN)
    headers = await login(client, admin)
    school = units["s11"]
    url = f"/api/identity/units/{school.id}"

    answers = {field: await client.patch(url, headers=headers, json={field: None})
               for field in ("education_levels", "name", "type")}
    cleared = await client.patch(url, headers=headers, json={"phone": None, "address": None})
    await session.refresh(school)

    for field, answer in answers.items():
        assert answer.status_code == 422, (field, answer.text)
        assert answer.json()["errors"][0]["field"] == field
        assert "null" in answer.json()["errors"][0]["message"]
    assert cleared.status_code == 200 and cleared.json()["phone"] is None
    stored = await session.get(Unit, school.id)
    assert stored is not None and stored.education_levels == ["thcs"] and stored.name == "Trường THCS Hòa Bình"


async def test_null_roles_or_name_of_a_user_is_422(client: httpx.AsyncClient, session: AsyncSession) -> None:
    units = await make_province(session)
    admin = await make_user(session, units["so"], Role.AUTHORITY_ADMIN)
    user = await make_user(session, units["s11"], Role.PRINCIPAL, email="ht@hoabinh.edu.vn")
    headers = await login(client, admin)

    for field in ("roles", "full_name", "active", "unit_id"):
        answer = await client.patch(f"/api/identity/users/{user.id}", headers=headers, json={field: None})
        assert answer.status_code == 422, (field, answer.text)
    me = await client.patch("/api/identity/me", headers=headers, json={"full_name": None})
    assert me.status_code == 422
