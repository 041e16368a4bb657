"""Reorganisations of the unit tree (post-2025 model): preview, confirm or cancel; dated relations; communes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from edudx_common.auth import Role
from identity.units.models import Unit, UnitType
from tests.identity.builders import login, make_province, make_unit, make_user

REORGS = "/api/identity/reorganisations"
UNITS = "/api/identity/units"
LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)


async def backdate(session: AsyncSession, *units: Unit) -> None:
    """Units made by the builders exist from today: the tree's past needs them older."""
    for unit in units:
        unit.created_at = LONG_AGO
    await session.commit()


async def propose(client: httpx.AsyncClient, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    response = await client.post(REORGS, json=body, headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def confirm(client: httpx.AsyncClient, headers: dict[str, str], reorganisation_id: str) -> dict[str, Any]:
    response = await client.post(f"{REORGS}/{reorganisation_id}/confirm", headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_archive_office_moves_its_schools_dated_and_keeps_the_office_in_history(
        client: httpx.AsyncClient, session: AsyncSession) -> None:
    units = await make_province(session)
    await backdate(session, *units.values())
    so_admin = await make_user(session, units["so"], Role.AUTHORITY_ADMIN)
    office_admin = await make_user(session, units["p1"], Role.AUTHORITY_ADMIN, email="cntt.phong@vinhlong.edu.vn")
    headers = await login(client, so_admin)

    pending = await propose(client, headers, kind="archive_office", unit_id=str(units["p1"].id),
                            effective_date="2025-07-01")

    assert pending["status"] == "pending"
    preview = pending["preview"]
    assert {m["unit"]["code"]: m["new_parent"]["code"] for m in preview["moves"]} == {"T-HB": "SO-VL",
                                                                                   "T-LP": "SO-VL"}
    assert [(a["email"], a["change"]) for a in preview["access_changes"]] == [(office_admin.email, "deactivated")]
    assert {u["code"] for u in preview["access_changes"][0]["units"]} == {"T-HB", "T-LP"}
    assert preview["deactivated_units"][0]["code"] == "P-LH"
    school = await client.get(f"{UNITS}/{units['s11'].id}", headers=headers)
    assert school.json()["parent_id"] == str(units["p1"].id)  # nothing changed before confirming

    done = await confirm(client, headers, pending["id"])

    assert done["status"] == "confirmed"
    school = (await client.get(f"{UNITS}/{units['s11'].id}", headers=headers)).json()
    assert school["parent_id"] == str(units["so"].id)
    assert school["ancestor_ids"] == [str(units["so"].id)]
    office = (await client.get(f"{UNITS}/{units['p1'].id}", headers=headers)).json()
    assert office["active"] is False and office["name"] == "Phòng GDĐT Long Hồ"
    history = (await client.get(f"{UNITS}/{units['p1'].id}/history", headers=headers)).json()
    assert "archived" in {h["kind"] for h in history["items"]}
    refused = await client.post("/api/identity/auth/login", json={"email": office_admin.email,
                                                                  "password": "Mat-khau-2024"})
    assert refused.status_code == 401

    relations = (await client.get(f"{UNITS}/{units['s11'].id}/relations", headers=headers)).json()
    assert [(r["kind"], r["related_unit"]["code"], r["valid_from"], r["valid_to"]) for r in relations["items"]] == [
        ("professional", "P-LH", "2020-01-01", "2025-07-01"),
        ("professional", "SO-VL", "2025-07-01", None),
    ]
    before = (await client.get(f"{UNITS}/{units['so'].id}/subtree", params={"as_of": "2025-06-30", "limit": 100},
                               headers=headers)).json()
    after = (await client.get(f"{UNITS}/{units['so'].id}/subtree", params={"as_of": "2025-07-01", "limit": 100},
                              headers=headers)).json()
    parent_then = {u["code"]: u["parent_id"] for u in before["items"]}
    parent_after = {u["code"]: u["parent_id"] for u in after["items"]}
    assert parent_then["T-HB"] == str(units["p1"].id)
    assert parent_after["T-HB"] == str(units["so"].id)
    hb_then = next(u for u in before["items"] if u["code"] == "T-HB")
    assert hb_then["ancestor_ids"] == [str(units["so"].id), str(units["p1"].id)] and hb_then["depth"] == 2
    children_then = (await client.get(f"{UNITS}/{units['p1'].id}/children", params={"as_of": "2025-06-30"},
                                      headers=headers)).json()
    assert {u["code"] for u in children_then["items"]} == {"T-HB", "T-LP"}
    today = (await client.get(f"{UNITS}/{units['so'].id}/subtree", params={"limit": 100}, headers=headers)).json()
    assert "P-LH" not in {u["code"] for u in today["items"]}

    again = await client.post(f"{REORGS}/{pending['id']}/confirm", headers=headers)
    assert again.status_code == 409 and again.json()["code"] == "reorganisation_not_pending"


async def test_office_admin_may_not_archive_its_own_office(client: httpx.AsyncClient, session: AsyncSession) -> None:
    units = await make_province(session)
    office_admin = await make_user(session, units["p1"], Role.AUTHORITY_ADMIN)

    response = await client.post(REORGS, json={"kind": "archive_office", "unit_id": str(units["p1"].id)},
                                 headers=await login(client, office_admin))

    assert response.status_code == 403


async def test_cancel_leaves_nothing_changed(client: httpx.AsyncClient, session: AsyncSession) -> None:
    units = await make_province(session)
    so_admin = await make_user(session, units["so"], Role.AUTHORITY_ADMIN)
    p1_admin = await make_user(session, units["p1"], Role.AUTHORITY_ADMIN)
    p2_admin = await make_user(session, units["p2"], Role.AUTHORITY_ADMIN)
    headers = await login(client, so_admin)

    pending = await propose(client, headers, kind="move_unit", unit_id=str(units["s11"].id),
                            new_parent_id=str(units["p2"].id))
    access = {(a["email"], a["change"]) for a in pending["preview"]["access_changes"]}
    assert access == {(p1_admin.email, "loses"), (p2_admin.email, "gains")}

    cancelled = await client.post(f"{REORGS}/{pending['id']}/cancel", headers=headers)

    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    school = (await client.get(f"{UNITS}/{units['s11'].id}", headers=headers)).json()
    assert school["parent_id"] == str(units["p1"].id)
    assert (await client.get(f"{UNITS}/{units['s11'].id}/relations", headers=headers)).json()["items"] == []
    history = (await client.get(f"{UNITS}/{units['s11'].id}/history", headers=headers)).json()
    assert history["total"] == 0
    late = await client.post(f"{REORGS}/{pending['id']}/confirm", headers=headers)
    assert late.status_code == 409
    listed = (await client.get(REORGS, params={"status": "cancelled"}, headers=headers)).json()
    assert [r["id"] for r in listed["items"]] == [pending["id"]]


async def test_merge_two_departments_keeps_units_and_accounts_under_the_survivor(
        client: httpx.AsyncClient, session: AsyncSession) -> None:
    vinh_long = await make_unit(session, type=UnitType.DEPARTMENT, name="Sở GDĐT Vĩnh Long", code="SO-VL")
    ben_tre = await make_unit(session, type=UnitType.DEPARTMENT, name="Sở GDĐT Bến Tre", code="SO-BT")
    school_vl = await make_unit(session, parent=vinh_long, code="VL-1")
    school_bt = await make_unit(session, parent=ben_tre, code="BT-1")
    admin_vl = await make_user(session, vinh_long, Role.AUTHORITY_ADMIN)
    admin_bt = await make_user(session, ben_tre, Role.AUTHORITY_ADMIN)
    system = await make_user(session, vinh_long, Role.SYSTEM_ADMIN)

    refused = await client.post(REORGS, json={"kind": "merge_departments", "surviving_unit_id": str(vinh_long.id),
                                              "absorbed_unit_ids": [str(ben_tre.id)]},
                                headers=await login(client, admin_vl))
    assert refused.status_code == 404  # Bến Tre is outside Vĩnh Long's admin's tree

    headers = await login(client, system)
    pending = await propose(client, headers, kind="merge_departments", surviving_unit_id=str(vinh_long.id),
                            absorbed_unit_ids=[str(ben_tre.id)], effective_date="2025-07-01")
    changes = {(a["email"], a["change"]) for a in pending["preview"]["access_changes"]}
    assert (admin_bt.email, "moves") in changes and (admin_vl.email, "gains") in changes
    await confirm(client, headers, pending["id"])

    moved_school = (await client.get(f"{UNITS}/{school_bt.id}", headers=headers)).json()
    absorbed = (await client.get(f"{UNITS}/{ben_tre.id}", headers=headers)).json()
    assert moved_school["parent_id"] == str(vinh_long.id)
    assert absorbed["active"] is False and absorbed["merged_into_id"] == str(vinh_long.id)
    assert absorbed["parent_id"] == str(vinh_long.id) and absorbed["name"] == "Sở GDĐT Bến Tre"
    vl_headers = await login(client, admin_vl)
    listing = (await client.get(UNITS, params={"limit": 100}, headers=vl_headers)).json()
    assert {"VL-1", "BT-1"} <= {u["code"] for u in listing["items"]}
    bt_user = (await client.get(f"/api/identity/users/{admin_bt.id}", headers=headers)).json()
    assert bt_user["unit_id"] == str(vinh_long.id)
    assert school_vl.parent_id == vinh_long.id


async def test_school_moves_between_communes_and_commune_officials_follow_it_read_only(
        client: httpx.AsyncClient, session: AsyncSession) -> None:
    units = await make_province(session)
    phuong_1 = await make_unit(session, parent=units["so"], type=UnitType.COMMUNE, name="UBND Phường 1",
                               code="29227")
    tan_hanh = await make_unit(session, parent=units["so"], type=UnitType.COMMUNE, name="UBND xã Tân Hạnh",
                               code="29230")
    official_1 = await make_user(session, phuong_1, Role.VIEWER, email="vhxh.phuong1@vinhlong.gov.vn")
    official_2 = await make_user(session, tan_hanh, Role.VIEWER, email="vhxh.tanhanh@vinhlong.gov.vn")
    so_admin = await make_user(session, units["so"], Role.AUTHORITY_ADMIN)
    headers = await login(client, so_admin)
    school = units["s0"]

    linked = await client.patch(f"{UNITS}/{school.id}", json={"commune_id": str(phuong_1.id)}, headers=headers)
    assert linked.status_code == 200, linked.text
    assert linked.json()["commune"] == {"id": str(phuong_1.id), "code": "29227", "name": "UBND Phường 1"}

    official_headers = await login(client, official_1)
    own = await client.get(UNITS, params={"commune_id": str(phuong_1.id)}, headers=official_headers)
    assert [u["code"] for u in own.json()["items"]] == ["T-LVL"]
    assert (await client.get(f"{UNITS}/{school.id}", headers=official_headers)).status_code == 200
    assert (await client.get(f"{UNITS}/{units['s11'].id}", headers=official_headers)).status_code == 404
    write = await client.patch(f"{UNITS}/{school.id}", json={"name": "Trường đổi tên"}, headers=official_headers)
    assert write.status_code == 403
    other = await client.get(UNITS, params={"commune_id": str(tan_hanh.id)}, headers=official_headers)
    assert other.json()["items"] == []

    pending = await propose(client, headers, kind="move_school_commune", unit_id=str(school.id),
                            commune_id=str(tan_hanh.id))
    access = {(a["email"], a["change"], a["read_only"]) for a in pending["preview"]["access_changes"]}
    assert access == {(official_1.email, "loses", True), (official_2.email, "gains", True)}
    await confirm(client, headers, pending["id"])

    moved = (await client.get(f"{UNITS}/{school.id}", headers=headers)).json()
    assert moved["commune"]["code"] == "29230"
    assert (await client.get(UNITS, params={"commune_id": str(phuong_1.id)},
                             headers=official_headers)).json()["items"] == []
    new_headers = await login(client, official_2)
    assert [u["code"] for u in (await client.get(UNITS, params={"commune_id": str(tan_hanh.id)},
                                                 headers=new_headers)).json()["items"]] == ["T-LVL"]
    relations = (await client.get(f"{UNITS}/{school.id}/relations", headers=headers)).json()
    administrative = [(r["related_unit"]["code"], r["valid_to"] is None) for r in relations["items"]
                      if r["kind"] == "administrative"]
    assert administrative == [("29227", False), ("29230", True)]
    by_commune = await client.get(f"{UNITS}/{units['so'].id}/subtree", params={"commune_id": str(tan_hanh.id)},
                                  headers=headers)
    assert [u["code"] for u in by_commune.json()["items"]] == ["T-LVL"]


async def test_communes_sit_under_a_department_and_own_no_units(client: httpx.AsyncClient,
                                                                session: AsyncSession) -> None:
    units = await make_province(session)
    so_admin = await make_user(session, units["so"], Role.AUTHORITY_ADMIN)
    headers = await login(client, so_admin)

    commune = await client.post(UNITS, json={"code": "29227", "name": "UBND Phường 1", "type": "commune",
                                             "parent_id": str(units["so"].id)}, headers=headers)
    under_office = await client.post(UNITS, json={"code": "29228", "name": "UBND Phường 2", "type": "commune",
                                                  "parent_id": str(units["p1"].id)}, headers=headers)
    school_under_commune = await client.post(UNITS, json={
        "code": "X-1", "name": "Trường X", "type": "school", "education_levels": ["thcs"],
        "parent_id": commune.json()["id"]}, headers=headers)
    new_office = await client.post(UNITS, json={"code": "PGD-X", "name": "Phòng GDĐT mới", "type": "district_office",
                                                "parent_id": str(units["so"].id)}, headers=headers)

    assert commune.status_code == 201
    assert under_office.status_code == 409
    assert school_under_commune.status_code == 409
    assert new_office.status_code == 409
    principal_at_commune = await client.post("/api/identity/users", json={
        "email": "ht@x.vn", "full_name": "Người Thử", "unit_id": commune.json()["id"], "roles": ["principal"],
        "send_invite": False}, headers=headers)
    assert principal_at_commune.status_code == 422


async def test_lookup_by_current_or_former_code(client: httpx.AsyncClient, session: AsyncSession) -> None:
    units = await make_province(session)
    so_admin = await make_user(session, units["so"], Role.AUTHORITY_ADMIN)
    headers = await login(client, so_admin)

    pending = await propose(client, headers, kind="recode", unit_id=str(units["s0"].id), new_code="86020001",
                            note="QĐ 19/2025/QĐ-TTg")
    assert pending["preview"]["code_changes"][0]["old_code"] == "T-LVL"
    await confirm(client, headers, pending["id"])

    by_old = await client.get(f"{UNITS}/lookup", params={"code": "T-LVL"}, headers=headers)
    by_new = await client.get(f"{UNITS}/lookup", params={"code": "86020001"}, headers=headers)
    listed = await client.get(UNITS, params={"code": "T-LVL"}, headers=headers)
    reuse = await client.post(UNITS, json={"code": "T-LVL", "name": "Trường khác", "type": "school",
                                           "education_levels": ["thpt"], "parent_id": str(units["so"].id)},
                              headers=headers)
    missing = await client.get(f"{UNITS}/lookup", params={"code": "KHONG-CO"}, headers=headers)

    assert by_old.status_code == 200 and by_old.json()["id"] == str(units["s0"].id)
    assert by_old.json()["code"] == "86020001" and by_old.json()["former_codes"] == ["T-LVL"]
    assert by_new.json()["id"] == str(units["s0"].id)
    assert [u["id"] for u in listed.json()["items"]] == [str(units["s0"].id)]
    assert reuse.status_code == 409 and reuse.json()["code"] == "unit_code_taken"
    assert missing.status_code == 404
    codes = (await client.get(f"{UNITS}/{units['s0'].id}/codes", headers=headers)).json()
    assert {(c["code"], c["kind"], c["valid_to"] is None) for c in codes["items"]} == {("T-LVL", "former", False),
                                                                            ("86020001", "current", True)}


async def test_clusters_group_schools_and_filter_lists(client: httpx.AsyncClient, session: AsyncSession) -> None:
    units = await make_province(session)
    so_admin = await make_user(session, units["so"], Role.AUTHORITY_ADMIN)
    office_admin = await make_user(session, units["p1"], Role.AUTHORITY_ADMIN)
    headers = await login(client, so_admin)

    created = await client.post("/api/identity/clusters", json={"owner_unit_id": str(units["so"].id),
                                                                "code": "CUM-1", "name": "Cụm 1 – Long Hồ"},
                                headers=headers)
    assert created.status_code == 201, created.text
    cluster_id = created.json()["id"]
    members = await client.put(f"/api/identity/clusters/{cluster_id}/members",
                               json={"unit_ids": [str(units["s11"].id), str(units["s21"].id)]}, headers=headers)
    renamed = await client.patch(f"/api/identity/clusters/{cluster_id}", json={"name": "Cụm 1 – Long Hồ mới"},
                                 headers=headers)
    not_a_school = await client.put(f"/api/identity/clusters/{cluster_id}/members",
                                    json={"unit_ids": [str(units["p1"].id)]}, headers=headers)
    by_office = await client.patch(f"/api/identity/clusters/{cluster_id}", json={"name": "Đổi"},
                                   headers=await login(client, office_admin))

    assert members.status_code == 200 and len(members.json()["member_ids"]) == 2
    assert renamed.json()["name"] == "Cụm 1 – Long Hồ mới"
    assert not_a_school.status_code == 409
    assert by_office.status_code == 404  # the Sở that owns it lies outside the Phòng admin's tree
    listed = (await client.get(UNITS, params={"cluster_id": cluster_id}, headers=headers)).json()
    assert {u["code"] for u in listed["items"]} == {"T-HB", "T-DT"}
    assert listed["items"][0]["clusters"][0]["code"] == "CUM-1"
    clusters = (await client.get("/api/identity/clusters", headers=headers)).json()
    assert [c["code"] for c in clusters["items"]] == ["CUM-1"]
