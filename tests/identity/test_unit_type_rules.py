"""A unit's type follows the tree's rules on update too (F15): it must fit under its parent and above its
children, and only the admins above a unit may change its type."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from edudx_common.auth import Role
from identity.units.models import Unit
from tests.identity.builders import login, make_province, make_user


async def _type_of(session: AsyncSession, unit: Unit) -> str:
    await session.refresh(unit)
    return unit.type


async def test_phong_admin_cannot_change_its_own_units_type(client: httpx.AsyncClient, session: AsyncSession) -> None:
    units = await make_province(session)
    headers = await login(client, await make_user(session, units["p1"], Role.AUTHORITY_ADMIN))

    ministry = await client.patch(f"/api/identity/units/{units['p1'].id}", json={"type": "ministry"}, headers=headers)
    department = await client.patch(f"/api/identity/units/{units['p1'].id}", json={"type": "department"},
                                    headers=headers)
    renamed = await client.patch(f"/api/identity/units/{units['p1'].id}", json={"name": "Phòng GDĐT Long Hồ mới"},
                                 headers=headers)

    assert ministry.status_code == 403 and ministry.json()["code"] == "out_of_scope"
    assert department.status_code == 403
    assert renamed.status_code == 200  # its own unit's other fields stay editable
    assert await _type_of(session, units["p1"]) == "district_office"


async def test_a_new_type_must_fit_under_the_parent_and_above_the_children(
        client: httpx.AsyncClient, session: AsyncSession) -> None:
    units = await make_province(session)
    headers = await login(client, await make_user(session, units["so"], Role.AUTHORITY_ADMIN))

    to_ministry = await client.patch(f"/api/identity/units/{units['p1'].id}", json={"type": "ministry"},
                                     headers=headers)
    to_department = await client.patch(f"/api/identity/units/{units['p1'].id}", json={"type": "department"},
                                       headers=headers)
    school_to_phong = await client.patch(f"/api/identity/units/{units['s0'].id}",
                                         json={"type": "district_office", "education_levels": []}, headers=headers)
    phong_under_phong = await client.patch(f"/api/identity/units/{units['s11'].id}",
                                           json={"type": "district_office", "education_levels": []}, headers=headers)

    assert to_ministry.status_code == 409 and to_ministry.json()["code"] == "invalid_tree_change"
    assert to_department.status_code == 409 and to_department.json()["code"] == "invalid_tree_change"
    assert school_to_phong.status_code == 200, school_to_phong.text  # fits under the Sở; a school has no children
    assert phong_under_phong.status_code == 409
    assert await _type_of(session, units["p1"]) == "district_office"
