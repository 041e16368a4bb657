"""Importing the unit tree from XLSX and CSV: all or nothing, idempotent by code, inside the caller's subtree."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from edudx_common.auth import Role
from identity.units.models import Unit, UnitChange, UnitType
from tests.identity.builders import login, make_province, make_user
from tests.identity.sheets import UNIT_HEADER, XLSX_TYPE, Number, csv_bytes, school_rows, xlsx

URL = "/api/identity/units/import"
ROWS_500 = [UNIT_HEADER, *school_rows(500)]
XLSX_500 = xlsx(ROWS_500)


async def post_file(client: httpx.AsyncClient, headers: dict[str, str], data: bytes, *,
                    name: str = "danh-sach-truong.xlsx", content_type: str = XLSX_TYPE,
                    **params: Any) -> httpx.Response:
    return await client.post(URL, headers=headers, params=params, files={"file": (name, data, content_type)})


async def count(session: AsyncSession, model: type, *where: Any) -> int:
    await session.commit()  # end the builder session's snapshot so the app's commits are visible
    total = (await session.execute(select(func.count()).select_from(model).where(*where))).scalar_one()
    await session.commit()
    return int(total)


async def unit_by_code(session: AsyncSession, code: str) -> Unit | None:
    await session.commit()
    found = (await session.execute(select(Unit).where(Unit.code == code).execution_options(populate_existing=True)))
    unit = found.scalar_one_or_none()
    await session.commit()
    return unit


@pytest.fixture
def rows_500() -> Iterator[list[list[Any]]]:
    yield [list(r) for r in ROWS_500]


async def test_500_schools_under_a_phong_and_reimport_changes_nothing(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    units = await make_province(session)
    admin = await make_user(session, units["so"], Role.AUTHORITY_ADMIN)
    headers = await login(client, admin)
    phong = units["p1"]

    first = await post_file(client, headers, XLSX_500, parent_id=str(phong.id))

    assert first.status_code == 200, first.text
    assert first.json() == {"dry_run": False, "mode": "all_or_nothing", "total_rows": 500, "created": 500,
                            "updated": 0, "unchanged": 0, "skipped": 0, "errors": []}
    children = await client.get(f"/api/identity/units/{phong.id}/children", params={"limit": 1},
                                headers=headers)
    assert children.json()["total"] == 502  # its two schools and the 500 imported
    combined = await unit_by_code(session, "790006")  # "Liên cấp TH, THCS và THPT"
    assert combined is not None
    assert combined.parent_id == phong.id
    assert combined.depth == phong.depth + 1
    assert combined.path == f"{phong.path}{combined.id.hex}/"
    assert combined.type == UnitType.SCHOOL.value
    assert combined.education_levels == ["tieu_hoc", "thcs", "thpt"]
    assert (combined.email, combined.phone, combined.address) == (
        "c790006@vinhlong.edu.vn", "0270 3800006", "Ấp 6, xã Hòa Bình")
    assert await count(session, UnitChange, col(UnitChange.kind) == "created") == 500
    changes_before = await count(session, UnitChange)

    again = await post_file(client, headers, XLSX_500, parent_id=str(phong.id))

    assert again.status_code == 200, again.text
    assert again.json() == {"dry_run": False, "mode": "all_or_nothing", "total_rows": 500, "created": 0,
                            "updated": 0, "unchanged": 500, "skipped": 0, "errors": []}
    assert await count(session, UnitChange) == changes_before
    assert await count(session, Unit) == 8 + 500
    same = await unit_by_code(session, "790006")
    assert same is not None and same.updated_at == combined.updated_at


async def test_changed_rows_are_updated_and_recorded(
    client: httpx.AsyncClient, session: AsyncSession, rows_500: list[list[Any]]
) -> None:
    units = await make_province(session)
    admin = await make_user(session, units["so"], Role.AUTHORITY_ADMIN)
    headers = await login(client, admin)
    assert (await post_file(client, headers, XLSX_500, parent_id=str(units["p1"].id))).status_code == 200
    rows_500[10][2] = "Trường THCS Nguyễn Du"  # sheet row 11
    rows_500[20][4] = "THCS&THPT"
    rows_500[30][8] = "0909 123 456"
    rows_500[40][7] = ""  # a blank optional cell keeps the stored e-mail

    response = await post_file(client, headers, xlsx(rows_500), parent_id=str(units["p1"].id))

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["created"], body["updated"], body["unchanged"]) == (0, 3, 497)
    renamed = await unit_by_code(session, "790010")
    assert renamed is not None and renamed.name == "Trường THCS Nguyễn Du"
    assert renamed.name_folded == "truong thcs nguyen du"
    relevelled = await unit_by_code(session, "790020")
    assert relevelled is not None and relevelled.education_levels == ["thcs", "thpt"]
    kept = await unit_by_code(session, "790040")
    assert kept is not None and kept.email == "c790040@vinhlong.edu.vn"
    assert await count(session, UnitChange, col(UnitChange.kind) == "updated") == 3


async def test_one_bad_row_refuses_the_file_and_writes_nothing(
    client: httpx.AsyncClient, session: AsyncSession, rows_500: list[list[Any]]
) -> None:
    units = await make_province(session)
    admin = await make_user(session, units["so"], Role.AUTHORITY_ADMIN)
    headers = await login(client, admin)
    rows_500[56][4] = "THCS x"  # sheet row 57: the header is row 1
    data = xlsx(rows_500)
    units_before, changes_before = await count(session, Unit), await count(session, UnitChange)

    refused = await post_file(client, headers, data, parent_id=str(units["p1"].id))
    refused_dry = await post_file(client, headers, data, parent_id=str(units["p1"].id), dry_run=True)

    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"
    problem = refused.json()
    assert problem["code"] == "import_rejected"
    assert problem["errors"] == [{"row": 57, "field": "Cấp học", "message": problem["errors"][0]["message"]}]
    assert problem["errors"][0]["message"].startswith("Cấp học 'THCS x' không hợp lệ")
    assert problem["extra"] == {"total_rows": 500, "invalid_rows": 1}
    assert refused_dry.status_code == 422
    assert refused_dry.json()["code"] == "import_rejected"
    assert await count(session, Unit) == units_before
    assert await count(session, UnitChange) == changes_before

    partial = await post_file(client, headers, data, parent_id=str(units["p1"].id), mode="valid_only")

    assert partial.status_code == 200, partial.text
    body = partial.json()
    assert (body["created"], body["skipped"]) == (499, 1)
    assert [(e["row"], e["column"]) for e in body["errors"]] == [(57, "Cấp học")]
    assert await count(session, Unit) == units_before + 499
    assert await unit_by_code(session, "790056") is None


async def test_every_bad_row_is_listed(client: httpx.AsyncClient, session: AsyncSession) -> None:
    units = await make_province(session)
    admin = await make_user(session, units["so"], Role.AUTHORITY_ADMIN)
    rows = [
        ["Mã trường", "Tên trường", "Loại đơn vị", "Cấp học", "Đơn vị quản lý", "E-mail đầu mối", "Điện thoại"],
        ["A1", "Trường Tiểu học A1", "Trường", "Tiểu học", "P-LH", "a1@truong.vn", "0270 1"],  # 2: fine
        ["", "Trường không mã", "Trường", "THCS", "P-LH", None, None],  # 3
        ["A1", "Trường trùng mã", "Trường", "THCS", "P-LH", None, None],  # 4
        ["A 5", "T", "Trường học", "THCS", "P-LH", "not-an-email", "090-abc"],  # 5: four errors
        ["A6", "Trường A6", "Nhà văn hóa", "THCS", "P-LH", None, None],  # 6
        ["A7", "Phòng GDĐT mới", "Phòng GDĐT", "THCS", "SO-VL", None, None],  # 7: authorities have no level
        ["A8", "Trường A8", "Trường", None, "P-LH", None, None],  # 8: schools need one
        ["A9", "Trường A9", "Trường", "THCS", "P-ABC", None, None],  # 9: unknown parent
        ["A10", "Trường A10", "Trường", "THCS", "T-HB", None, None],  # 10: a school cannot manage one
        ["A11", "Trường A11", "Trường", "THCS", "A6", None, None],  # 11: its parent row is invalid
    ]
    before = await count(session, Unit)

    response = await post_file(client, await login(client, admin), xlsx(rows))

    assert response.status_code == 422
    problem = response.json()
    assert problem["code"] == "import_rejected"
    by_row: dict[int, list[str]] = {}
    for error in problem["errors"]:
        by_row.setdefault(error["row"], []).append(error["field"])
    assert by_row == {
        3: ["Mã trường"], 4: ["Mã trường"], 5: ["Mã trường", "Tên trường", "E-mail đầu mối", "Điện thoại"],
        6: ["Loại đơn vị"], 7: ["Cấp học"], 8: ["Cấp học"], 9: ["Đơn vị quản lý"], 10: ["Đơn vị quản lý"],
        11: ["Đơn vị quản lý"],
    }
    messages = {e["row"]: e["message"] for e in problem["errors"]}
    assert messages[3] == "Thiếu mã đơn vị"
    assert messages[4] == "Mã đơn vị 'A1' trùng với dòng 2"
    assert "'P-ABC' không tồn tại" in messages[9]
    assert "dòng 6" in messages[11]
    assert await count(session, Unit) == before


async def test_dry_run_counts_and_writes_nothing(client: httpx.AsyncClient, session: AsyncSession) -> None:
    units = await make_province(session)
    admin = await make_user(session, units["so"], Role.AUTHORITY_ADMIN)
    before = await count(session, Unit), await count(session, UnitChange)

    response = await post_file(client, await login(client, admin), XLSX_500, parent_id=str(units["p2"].id),
                               dry_run=True)

    assert response.status_code == 200, response.text
    assert (response.json()["dry_run"], response.json()["created"]) == (True, 500)
    assert (await count(session, Unit), await count(session, UnitChange)) == before


async def test_parent_codes_may_point_to_later_rows_and_existing_units_move(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    units = await make_province(session)
    admin = await make_user(session, units["so"], Role.AUTHORITY_ADMIN)
    headers = await login(client, admin)
    rows = [
        ["Mã đơn vị", "Tên đơn vị", "Loại đơn vị", "Cấp học", "Mã đơn vị quản lý"],
        ["N-01", "Trường Mầm non Hoa Hồng", "", "Mầm non", "P-NEW"],
        ["N-02", "Trường TH&THCS Tân Hòa", "Trường học", "TH&THCS", "P-NEW"],
        ["T-HB", "Trường THCS Hòa Bình", "Trường", "THCS", "P-NEW"],  # existing: moves from P-LH
        ["C-01", "Trung tâm GDNN-GDTX Long Hồ", "Trung tâm", "GDTX", "P-NEW"],
        ["P-NEW", "Phòng GDĐT Bình Tân", "Phòng Giáo dục và Đào tạo", "", "SO-VL"],  # after its schools
    ]

    response = await post_file(client, headers, xlsx(rows))

    assert response.status_code == 200, response.text
    assert (response.json()["created"], response.json()["updated"]) == (4, 1)
    phong = await unit_by_code(session, "P-NEW")
    assert phong is not None
    assert (phong.type, phong.parent_id, phong.depth) == ("district_office", units["so"].id, 1)
    for code in ("N-01", "N-02", "T-HB", "C-01"):
        unit = await unit_by_code(session, code)
        assert unit is not None
        assert unit.parent_id == phong.id
        assert unit.path == f"{phong.path}{unit.id.hex}/"
        assert unit.depth == 2
    assert await count(session, UnitChange, col(UnitChange.kind) == "moved") == 1
    subtree = await client.get(f"/api/identity/units/{phong.id}/subtree", headers=headers)
    assert subtree.json()["total"] == 5

    again = await post_file(client, headers, xlsx(rows))
    assert (again.json()["created"], again.json()["updated"], again.json()["unchanged"]) == (0, 0, 5)


async def test_loops_among_rows_are_refused(client: httpx.AsyncClient, session: AsyncSession) -> None:
    units = await make_province(session)
    admin = await make_user(session, units["so"], Role.AUTHORITY_ADMIN)
    rows = [
        ["Mã đơn vị", "Tên đơn vị", "Loại đơn vị", "Đơn vị quản lý"],
        ["PA", "Phòng A", "Phòng GDĐT", "PB"],
        ["PB", "Phòng B", "Phòng GDĐT", "PA"],
        ["P-LH", "Phòng GDĐT Long Hồ", "Phòng GDĐT", "P-LH"],
        ["SO-VL", "Sở GDĐT Vĩnh Long", "Sở GDĐT", "P-MT"],  # under its own Phòng, and its own unit
    ]

    response = await post_file(client, await login(client, admin), xlsx(rows))

    assert response.status_code == 422
    messages = {e["row"]: e["message"] for e in response.json()["errors"]}
    assert messages[2] == "Vòng lặp đơn vị quản lý: PA → PB → PA"
    assert messages[3] == "Vòng lặp đơn vị quản lý: PB → PA → PB"
    assert "chính nó" in messages[4]
    assert "chính nó" in messages[5] or "của chính bạn" in messages[5]


async def test_authority_admin_imports_only_inside_its_subtree(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    units = await make_province(session)
    admin = await make_user(session, units["p1"], Role.AUTHORITY_ADMIN)  # Phòng Long Hồ
    headers = await login(client, admin)
    rows = [
        ["Mã trường", "Tên trường", "Cấp học", "Đơn vị quản lý"],
        ["LH-01", "Trường Tiểu học Long Hồ 1", "Tiểu học", "P-LH"],  # fine
        ["MT-01", "Trường Tiểu học Mang Thít 1", "Tiểu học", "P-MT"],  # another Phòng
        ["T-DT", "Trường đổi tên", "THCS", "P-LH"],  # code of a school of the other Phòng
        ["LH-02", "Trường Tiểu học Long Hồ 2", "Tiểu học", ""],  # no parent, no default
    ]
    before = await count(session, Unit)

    response = await post_file(client, headers, xlsx(rows))
    outside_default = await post_file(client, headers, xlsx(rows[:2]), parent_id=str(units["p2"].id))

    assert response.status_code == 422
    errors = {e["row"]: e for e in response.json()["errors"]}
    assert sorted(errors) == [3, 4, 5]
    assert errors[3]["field"] == "Đơn vị quản lý"
    assert "phạm vi quản lý" in errors[3]["message"]
    assert errors[4]["field"] == "Mã trường"
    assert "ngoài phạm vi quản lý" in errors[4]["message"]
    assert "Đức Thành" not in response.text  # the other school's name is not leaked
    assert outside_default.status_code == 404
    assert outside_default.json()["code"] == "unit_not_found"
    assert await count(session, Unit) == before
    untouched = await unit_by_code(session, "T-DT")
    assert untouched is not None and untouched.name == "Trường TH&THCS Đức Thành"


@pytest.mark.parametrize("role", [Role.PRINCIPAL, Role.REVIEWER, Role.SCHOOL_IT_OFFICER])
async def test_only_authority_admins_may_import(
    client: httpx.AsyncClient, session: AsyncSession, role: Role
) -> None:
    units = await make_province(session)
    user = await make_user(session, units["so"] if role is Role.REVIEWER else units["s11"], role)
    before = await count(session, Unit)

    response = await post_file(client, await login(client, user), XLSX_500, parent_id=str(units["p1"].id))

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert await count(session, Unit) == before


async def test_csv_with_semicolons_bom_and_headers_without_diacritics(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    units = await make_province(session)
    admin = await make_user(session, units["so"], Role.AUTHORITY_ADMIN)
    rows = [
        ["Ma truong", "Ten truong", "Cap hoc", "Don vi quan ly", "Dia chi"],
        ["80001", "Trường THCS Phú Quới", "thcs", "p-lh", None],
        ["80001", "Trường THCS Phú Quới", "thcs", "P-LH", "Số 5; đường 3/2"],  # same code: refused
        [None, None, None, None, None],  # blank rows are skipped
        ["80002", "Trường Mầm non Sen Hồng", "Mầm non", "P-MT", "Ấp Phú Thạnh, xã Phú Quới"],
    ]
    data = csv_bytes(rows, delimiter=";")
    assert data.startswith(b"\xef\xbb\xbf")

    response = await post_file(client, await login(client, admin), data, name="truong.csv",
                               content_type="text/csv", mode="valid_only")

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["total_rows"], body["created"], body["skipped"]) == (3, 1, 2)
    assert {(e["row"], e["column"]) for e in body["errors"]} == {(2, "Don vi quan ly"), (3, "Ma truong")}
    created = await unit_by_code(session, "80002")
    assert created is not None
    assert (created.name, created.education_levels, created.address) == (
        "Trường Mầm non Sen Hồng", ["mam_non"], "Ấp Phú Thạnh, xã Phú Quới")


async def test_numbers_typed_in_excel_keep_their_text(client: httpx.AsyncClient, session: AsyncSession) -> None:
    units = await make_province(session)
    admin = await make_user(session, units["so"], Role.AUTHORITY_ADMIN)
    headers = await login(client, admin)
    rows = [
        ["Mã trường", "Tên trường", "Cấp học", "Điện thoại"],
        [Number(79001), "Trường THPT Số 1", "THPT", Number(912345678, "0000000000")],
        [Number(79002.0), "Trường THPT Số 2", "THPT", "0270 3822 111"],
    ]

    first = await post_file(client, headers, xlsx(rows, title="DANH SÁCH TRƯỜNG THPT"),
                            parent_id=str(units["so"].id))
    again = await post_file(client, headers, xlsx(rows, title="DANH SÁCH TRƯỜNG THPT"),
                            parent_id=str(units["so"].id))

    assert first.status_code == 200, first.text
    assert first.json()["created"] == 2
    unit = await unit_by_code(session, "79001")
    assert unit is not None and unit.phone == "0912345678"
    assert await unit_by_code(session, "79002") is not None
    assert again.json()["unchanged"] == 2


@pytest.mark.parametrize(("data", "expected"), [
    (b"PK\x03\x04 not really a zip", "XLSX"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(200), ".xls"),
    ("Mã,Tên,Đơn vị\n1,Trường,P\n".encode("cp1258", errors="replace"), "UTF-8"),  # Excel's plain "CSV"
    ("Tên trường,Cấp học\nTrường A,THCS\n".encode(), "Mã đơn vị"),
    ("Mã trường,Tên trường\n".encode(), "không có dòng dữ liệu"),
    (b"", "rỗng"),
])
async def test_unreadable_files_are_refused(
    client: httpx.AsyncClient, session: AsyncSession, data: bytes, expected: str
) -> None:
    units = await make_province(session)
    admin = await make_user(session, units["so"], Role.AUTHORITY_ADMIN)

    response = await post_file(client, await login(client, admin), data, name="truong.xlsx")

    assert response.status_code == 422
    assert response.json()["code"] == "import_file_invalid"
    assert expected in response.json()["detail"]


async def test_size_and_row_limits(client: httpx.AsyncClient, session: AsyncSession, identity_app: Any) -> None:
    units = await make_province(session)
    admin = await make_user(session, units["so"], Role.AUTHORITY_ADMIN)
    headers = await login(client, admin)
    settings = identity_app.state.settings
    saved = settings.import_max_bytes, settings.import_max_rows
    try:
        settings.import_max_rows = 20
        too_many = await post_file(client, headers, XLSX_500, parent_id=str(units["p1"].id))
        settings.import_max_bytes = 1000
        too_big = await post_file(client, headers, XLSX_500, parent_id=str(units["p1"].id))
    finally:
        settings.import_max_bytes, settings.import_max_rows = saved

    assert too_many.status_code == 422
    assert too_many.json()["code"] == "import_file_invalid"
    assert "20 dòng" in too_many.json()["detail"]
    assert too_big.status_code == 413
    assert too_big.json()["code"] == "import_too_large"
