from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from edudx_common.auth import Role
from identity.units.models import UnitType
from tests.identity.builders import login, make_province, make_unit, make_user


async def test_admin_lists_only_own_subtree(client: httpx.AsyncClient, session: AsyncSession) -> None:
    units = await make_province(session)
    other = await make_unit(session, type=UnitType.DEPARTMENT, name="Sở GDĐT Cao Bằng", code="SO-CB")
    await make_unit(session, parent=other, name="Trường THCS Hòa Bình", code="CB-HB")
    admin = await make_user(session, units["p1"], Role.AUTHORITY_ADMIN)

    response = await client.get("/api/identity/units", headers=await login(client, admin))

    assert response.status_code == 200
    codes = {u["code"] for u in response.json()["items"]}
    assert codes == {"P-LH", "T-HB", "T-LP"}
    assert response.json()["total"] == 3


async def test_search_ignores_diacritics_and_case(client: httpx.AsyncClient, session: AsyncSession) -> None:
    units = await make_province(session)
    admin = await make_user(session, units["so"], Role.AUTHORITY_ADMIN)
    headers = await login(client, admin)

    found = await client.get("/api/identity/units", params={"q": "truong HOA binh"}, headers=headers)
    by_level = await client.get("/api/identity/units", params={"education_level": "thcs"}, headers=headers)
    dd = await client.get("/api/identity/units", params={"q": "duc thanh"}, headers=headers)

    assert [u["code"] for u in found.json()["items"]] == ["T-HB"]
    assert {u["code"] for u in by_level.json()["items"]} == {"T-HB", "T-DT"}
    assert [u["code"] for u in dd.json()["items"]] == ["T-DT"]


async def test_school_user_cannot_see_another_school(client: httpx.AsyncClient, session: AsyncSession) -> None:
    units = await make_province(session)
    principal = await make_user(session, units["s11"], Role.PRINCIPAL)
    colleague = await make_user(session, units["s12"], Role.SCHOOL_IT_OFFICER)
    headers = await login(client, principal)

    own = await client.get(f"/api/identity/units/{units['s11'].id}", headers=headers)
    other = await client.get(f"/api/identity/units/{units['s12'].id}", headers=headers)
    other_users = await client.get("/api/identity/users", params={"unit_id": str(units["s12"].id)}, headers=headers)
    other_user = await client.get(f"/api/identity/users/{colleague.id}", headers=headers)
    listing = await client.get("/api/identity/units", headers=headers)

    assert own.status_code == 200
    assert other.status_code == 404
    assert other.headers["content-type"] == "application/problem+json"
    assert other.json()["code"] == "unit_not_found"
    assert other_users.status_code in (403, 404)
    assert other_user.status_code == 404
    assert [u["code"] for u in listing.json()["items"]] == ["T-HB"]


async def test_ancestors_children_subtree(client: httpx.AsyncClient, session: AsyncSession) -> None:
    units = await make_province(session)
    admin = await make_user(session, units["so"], Role.AUTHORITY_ADMIN)
    headers = await login(client, admin)

    ancestors = await client.get(f"/api/identity/units/{units['s21'].id}/ancestors", headers=headers)
    children = await client.get(f"/api/identity/units/{units['so'].id}/children", headers=headers)
    subtree = await client.get(f"/api/identity/units/{units['p2'].id}/subtree", headers=headers)

    assert [u["code"] for u in ancestors.json()["items"]] == ["SO-VL", "P-MT"]
    assert {u["code"] for u in children.json()["items"]} == {"P-LH", "P-MT", "T-LVL"}
    assert subtree.json()["items"][0]["code"] == "P-MT"  # the root of the subtree comes first
    assert {u["code"] for u in subtree.json()["items"]} == {"P-MT", "T-DT", "T-HS"}


async def test_create_unit_inside_scope_only(client: httpx.AsyncClient, session: AsyncSession) -> None:
    units = await make_province(session)
    admin = await make_user(session, units["p1"], Role.AUTHORITY_ADMIN)
    headers = await login(client, admin)
    body = {"code": "T-NEW", "name": "Trường Tiểu học  Mới", "type": "school", "education_levels": ["tieu_hoc"]}

    inside = await client.post("/api/identity/units", json={**body, "parent_id": str(units["p1"].id)}, headers=headers)
    outside = await client.post("/api/identity/units", headers=headers,
                                json={**body, "code": "T-NEW2", "parent_id": str(units["p2"].id)})
    duplicate = await client.post("/api/identity/units", json={**body, "parent_id": str(units["p1"].id)},
                                  headers=headers)
    under_school = await client.post("/api/identity/units", json={**body, "code": "T-NEW3",
                                                                  "parent_id": str(units["s11"].id)}, headers=headers)

    assert inside.status_code == 201
    assert inside.json()["name"] == "Trường Tiểu học Mới"
    assert inside.json()["depth"] == 2
    assert outside.status_code == 404
    assert duplicate.status_code == 409 and duplicate.json()["code"] == "unit_code_taken"
    assert under_school.status_code == 409 and under_school.json()["code"] == "invalid_tree_change"


async def test_non_admin_cannot_change_units(client: httpx.AsyncClient, session: AsyncSession) -> None:
    units = await make_province(session)
    reviewer = await make_user(session, units["so"], Role.REVIEWER)

    response = await client.patch(f"/api/identity/units/{units['s11'].id}", json={"name": "Tên khác"},
                                  headers=await login(client, reviewer))

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


async def test_move_carries_subtree_and_history(client: httpx.AsyncClient, session: AsyncSession) -> None:
    units = await make_province(session)
    admin = await make_user(session, units["so"], Role.AUTHORITY_ADMIN)
    headers = await login(client, admin)
    p1_admin = await make_user(session, units["p1"], Role.AUTHORITY_ADMIN)

    renamed = await client.patch(f"/api/identity/units/{units['s21'].id}", json={"name": "Trường TH&THCS Đức Thành A"},
                                 headers=headers)
    moved = await client.post(f"/api/identity/units/{units['s21'].id}/move",
                              json={"new_parent_id": str(units["p1"].id)}, headers=headers)
    into_own_child = await client.post(f"/api/identity/units/{units['p1'].id}/move",
                                       json={"new_parent_id": str(units["s11"].id)}, headers=headers)
    seen_by_p1 = await client.get(f"/api/identity/units/{units['s21'].id}", headers=await login(client, p1_admin))
    history = await client.get(f"/api/identity/units/{units['s21'].id}/history", headers=headers)

    assert renamed.status_code == 200
    assert moved.status_code == 200 and moved.json()["parent_id"] == str(units["p1"].id)
    assert into_own_child.status_code == 409
    assert seen_by_p1.status_code == 200
    assert [c["kind"] for c in history.json()["items"]] == ["moved", "updated"]
    assert history.json()["items"][1]["before"]["name"] == "Trường TH&THCS Đức Thành"


async def test_moving_a_district_moves_its_schools(client: httpx.AsyncClient, session: AsyncSession) -> None:
    root = await make_unit(session, type=UnitType.MINISTRY, name="Bộ GDĐT", code="BO")
    units = await make_province(session, parent=root)
    new_so = await make_unit(session, parent=root, type=UnitType.DEPARTMENT, name="Sở GDĐT mới", code="SO-NEW")
    sysadmin = await make_user(session, root, Role.SYSTEM_ADMIN)
    headers = await login(client, sysadmin)

    moved = await client.post(f"/api/identity/units/{units['p1'].id}/move",
                              json={"new_parent_id": str(new_so.id)}, headers=headers)

    ancestors = await client.get(f"/api/identity/units/{units['s11'].id}/ancestors", headers=headers)

    assert moved.status_code == 200
    assert [u["code"] for u in ancestors.json()["items"]] == ["BO", "SO-NEW", "P-LH"]
    assert [u["depth"] for u in ancestors.json()["items"]] == [0, 1, 2]


async def test_merge_keeps_history_in_scope(client: httpx.AsyncClient, session: AsyncSession) -> None:
    units = await make_province(session)
    admin = await make_user(session, units["so"], Role.AUTHORITY_ADMIN)
    teacher = await make_user(session, units["s12"], Role.SCHOOL_IT_OFFICER)
    headers = await login(client, admin)

    merged = await client.post(f"/api/identity/units/{units['p1'].id}/merge",
                               json={"into_unit_id": str(units["p2"].id)}, headers=headers)
    schools_merged = await client.post(f"/api/identity/units/{units['s12'].id}/merge",
                                       json={"into_unit_id": str(units["s11"].id)}, headers=headers)
    p1 = await client.get(f"/api/identity/units/{units['p1'].id}", headers=headers)
    p2_children = await client.get(f"/api/identity/units/{units['p2'].id}/children", headers=headers)
    teacher_now = await client.get(f"/api/identity/users/{teacher.id}", headers=headers)
    s11_history = await client.get(f"/api/identity/units/{units['s11'].id}/history", headers=headers)
    ancestors_of_merged = await client.get(f"/api/identity/units/{units['s12'].id}/ancestors", headers=headers)

    assert merged.status_code == 200 and merged.json()["code"] == "P-MT"
    assert schools_merged.status_code == 200
    assert p1.json()["active"] is False and p1.json()["merged_into_id"] == str(units["p2"].id)
    assert {u["code"] for u in p2_children.json()["items"]} == {"T-DT", "T-HS", "T-HB"}
    assert teacher_now.json()["unit_id"] == str(units["s11"].id)
    kinds = {c["kind"] for c in s11_history.json()["items"]}
    assert {"absorbed", "merged", "moved"} <= kinds  # s12's own history is shown with s11's
    assert [u["code"] for u in ancestors_of_merged.json()["items"]] == ["SO-VL", "P-MT", "T-HB"]


async def test_deactivate_refuses_unit_with_active_children(client: httpx.AsyncClient, session: AsyncSession) -> None:
    units = await make_province(session)
    admin = await make_user(session, units["so"], Role.AUTHORITY_ADMIN)
    principal = await make_user(session, units["s22"], Role.PRINCIPAL)
    headers = await login(client, admin)

    refused = await client.post(f"/api/identity/units/{units['p2'].id}/deactivate", headers=headers)
    school = await client.post(f"/api/identity/units/{units['s22'].id}/deactivate", headers=headers)
    login_after = await client.post("/api/identity/auth/login",
                                    json={"email": principal.email, "password": "Mat-khau-2024"})
    listed = await client.get("/api/identity/units", params={"q": "hoa sen"}, headers=headers)
    listed_all = await client.get("/api/identity/units", params={"q": "hoa sen", "include_inactive": True},
                                  headers=headers)

    assert refused.status_code == 409
    assert school.status_code == 200 and school.json()["active"] is False
    assert login_after.status_code == 401
    assert listed.json()["total"] == 0
    assert listed_all.json()["total"] == 1


async def test_admin_cannot_touch_own_unit_position(client: httpx.AsyncClient, session: AsyncSession) -> None:
    units = await make_province(session)
    admin = await make_user(session, units["p1"], Role.AUTHORITY_ADMIN)

    response = await client.post(f"/api/identity/units/{units['p1'].id}/move",
                                 json={"new_parent_id": str(units["p2"].id)}, headers=await login(client, admin))

    assert response.status_code in (403, 404)


async def test_filter_by_several_types_and_levels_and_ancestor_ids(client: httpx.AsyncClient,
                                                                  session: AsyncSession) -> None:
    units = await make_province(session)
    await make_unit(session, parent=units["p1"], type=UnitType.CENTER, name="Trung tâm GDTX", code="TT-1",
                    levels=["gdtx"])
    admin = await make_user(session, units["so"], Role.AUTHORITY_ADMIN)

    primary_or_lower_secondary = await client.get(
        "/api/identity/units",
        params=[("type", "school"), ("type", "center"), ("education_level", "tieu_hoc"),
                ("education_level", "thcs")],
        headers=await login(client, admin))
    items = primary_or_lower_secondary.json()["items"]

    assert {u["code"] for u in items} == {"T-HB", "T-LP", "T-DT"}
    assert next(u for u in items if u["code"] == "T-DT")["ancestor_ids"] == [str(units["so"].id), str(units["p2"].id)]
