"""Rubrics through the API: the seed-004 rubric round-trips through its XLSX export unchanged, broken rubrics are
refused naming what is wrong, and only an authority's admins maintain rubrics."""

from __future__ import annotations

import io
import json

import httpx
from openpyxl import load_workbook

from edudx_common.auth import Role
from scoring.rubrics import exchange
from scoring.rubrics.service import template_definition
from tests.identity.builders import make_user
from tests.scoring.conftest import Stack, World, sign_in

API = "/api/scoring/rubrics"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_both_templates_round_trip_through_xlsx_and_json() -> None:
    for key in ("seed-004-cntt", "qd-4725-reference"):
        definition = template_definition(key)
        assert exchange.from_xlsx(exchange.to_xlsx(definition)) == definition
        assert exchange.from_json(exchange.to_json(definition)) == definition


async def test_seed_004_exported_to_xlsx_imports_back_unchanged(stack: Stack, world: World) -> None:
    admin = world.users["so_admin"]
    async with httpx.AsyncClient(base_url=stack.url("scoring")) as scoring:
        original = (await scoring.get(f"{API}/{world.rubrics['seed-004-cntt']}", headers=admin)).json()
        exported = await scoring.get(f"{API}/{world.rubrics['seed-004-cntt']}/export", headers=admin)
        imported = await scoring.post(f"{API}/import", headers=admin,
                                      files={"file": ("tieu-chi.xlsx", exported.content, XLSX)})
        listed = (await scoring.get(API, headers=world.users["p1_reviewer"])).json()["items"]

    assert exported.status_code == 200 and exported.headers["content-type"].startswith(XLSX)
    sheet = load_workbook(io.BytesIO(exported.content))["Tiêu chí"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("Mã", "Nội dung", "Loại", "Điểm chuẩn")
    assert rows[1][:4] == ("1", "Ứng dụng CNTT trong đổi mới phương pháp dạy - học và kiểm tra, đánh giá", "Nhóm", 20)
    assert imported.status_code == 201, imported.text
    copy = imported.json()["rubric"]
    assert copy["definition"] == original["definition"]
    assert copy["id"] != original["id"] and copy["owner_unit_id"] == str(world.units["so"].id)
    assert (copy["criteria_count"], copy["max_total"]) == (21, 100)
    assert {r["id"] for r in listed} >= {copy["id"], world.rubrics["seed-004-cntt"], world.rubrics["qd-4725-reference"]}


async def test_a_rubric_that_does_not_add_up_is_refused_naming_the_group(stack: Stack, world: World) -> None:
    definition = template_definition("seed-004-cntt").model_dump(mode="json")
    definition["groups"][2]["criteria"][0]["max_points"] = 6  # 3.1: 5 → 6, group 3 adds up to 26
    async with httpx.AsyncClient(base_url=stack.url("scoring")) as scoring:
        created = await scoring.post(API, json=definition, headers=world.users["so_admin"])
        imported = await scoring.post(f"{API}/import", headers=world.users["so_admin"], files={
            "file": ("r.json", json.dumps(definition).encode(), "application/json")})
        by_school = await scoring.post(API, json=template_definition("seed-004-cntt").model_dump(mode="json"),
                                       headers=world.users["s11_principal"])
        rubrics = await scoring.get(API, headers=world.users["so_admin"])

    for response in (created, imported):
        assert (response.status_code, response.json()["code"]) == (422, "rubric_invalid")
        assert "Nhóm 3" in response.json()["detail"] and "26" in response.json()["detail"]
    assert by_school.status_code == 403
    assert rubrics.json()["total"] == 2  # the two templates, nothing half-saved


async def test_a_broken_workbook_names_sheet_and_row(stack: Stack, world: World) -> None:
    workbook_bytes = exchange.to_xlsx(template_definition("seed-004-cntt"))
    workbook = load_workbook(io.BytesIO(workbook_bytes))
    workbook["Tiêu chí"]["C4"] = "Điểm thưởng"  # row 4: criterion 1.2 with an unknown kind
    workbook["Tiêu chí"]["D5"] = "hai"  # row 5: criterion 1.3 with points that are not a number
    buffer = io.BytesIO()
    workbook.save(buffer)
    async with httpx.AsyncClient(base_url=stack.url("scoring")) as scoring:
        response = await scoring.post(f"{API}/import", headers=world.users["so_admin"],
                                      files={"file": ("r.xlsx", buffer.getvalue(), XLSX)})
        not_a_workbook = await scoring.post(f"{API}/import", headers=world.users["so_admin"],
                                            files={"file": ("r.xlsx", b"PK\x03\x04 not really", XLSX)})

    assert (response.status_code, response.json()["code"]) == (422, "rubric_file_invalid")
    assert [(e["field"], e["row"]) for e in response.json()["errors"]] == [("Tiêu chí", 4), ("Tiêu chí", 5)]
    assert (not_a_workbook.status_code, not_a_workbook.json()["code"]) == (422, "rubric_file_invalid")


async def test_a_new_version_keeps_the_old_one(stack: Stack, world: World) -> None:
    admin = world.users["so_admin"]
    definition = template_definition("seed-004-cntt").model_dump(mode="json")
    async with httpx.AsyncClient(base_url=stack.url("scoring")) as scoring:
        first = (await scoring.post(API, json=definition, headers=admin)).json()
        definition["groups"][0]["criteria"][0]["text"] = "Bản sửa: 100% CBQL, GV sử dụng CNTT"
        second = await scoring.post(f"{API}/{first['id']}/versions", json=definition, headers=admin)
        other_owner = await scoring.post(f"{API}/{first['id']}/versions", json=definition,
                                         headers=world.users["p1_reviewer"])
        versions = (await scoring.get(f"{API}/{first['id']}/versions", headers=admin)).json()["items"]
        old = (await scoring.get(f"{API}/{first['id']}", headers=admin)).json()

    assert second.status_code == 201 and second.json()["version"] == 2 and second.json()["is_latest"]
    assert other_owner.status_code == 403
    assert [v["version"] for v in versions] == [2, 1]
    assert not old["is_latest"] and old["definition"]["groups"][0]["criteria"][0]["text"].startswith("Đảm bảo")


async def test_a_rubric_import_checks_the_role_first_and_refuses_a_zip_bomb(stack: Stack, world: World) -> None:
    from tests.archive_bombs import xlsx_bomb

    bomb = xlsx_bomb(48, base=exchange.to_xlsx(template_definition("seed-004-cntt")))  # 48 MB from ~100 KB
    async with httpx.AsyncClient(base_url=stack.url("scoring")) as scoring:
        answers = [(role, await scoring.post(f"{API}/import", headers=world.users[role], params={"dry_run": dry},
                                             files={"file": ("bom.xlsx", bomb, XLSX)}))
                   for role, dry in (("s11_principal", "true"), ("p1_reviewer", "true"), ("so_admin", "true"),
                                     ("so_admin", "false"))]
        rubrics = await scoring.get(API, headers=world.users["so_admin"])

    for role, answer in answers:
        if role == "so_admin":
            assert (answer.status_code, answer.json()["code"]) == (422, "rubric_file_invalid"), answer.text
            assert "bị từ chối" in answer.json()["detail"]
        else:
            assert (answer.status_code, answer.json()["code"]) == (403, "forbidden")
    assert rubrics.json()["total"] == 2


async def test_a_rubric_is_read_by_id_only_within_its_owners_reach(stack: Stack, world: World) -> None:
    async with stack.services["identity"].sessions() as session:
        p1_admin = await make_user(session, world.units["p1"], Role.AUTHORITY_ADMIN, name="Quản trị Phòng 1")
    owner = await sign_in(stack, p1_admin)
    definition = template_definition("seed-004-cntt").model_dump(mode="json")
    async with httpx.AsyncClient(base_url=stack.url("scoring")) as scoring:
        created = (await scoring.post(API, json=definition, headers=owner)).json()
        reads = {
            who: [(await scoring.get(f"{API}/{created['id']}{tail}", headers=world.users[who])).status_code
                  for tail in ("", "/export", "/versions")]
            for who in ("so_admin", "p1_reviewer", "s11_principal", "p2_reviewer", "s21_officer")
        }
        listed = {r["id"] for r in (await scoring.get(API, headers=world.users["p2_reviewer"])).json()["items"]}

    assert reads["so_admin"] == [200, 200, 200]  # the Sở above the owner
    assert reads["p1_reviewer"] == [200, 200, 200]  # the owner's own unit
    assert reads["s11_principal"] == [200, 200, 200]  # a school below the owner (it is scored against it)
    assert reads["p2_reviewer"] == [404, 404, 404]  # a Phòng beside the owner
    assert reads["s21_officer"] == [404, 404, 404]  # a school under that other Phòng
    assert created["id"] not in listed
