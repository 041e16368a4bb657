"""Importing the Sở's school list in the post-2025 shape: each school with its commune (UBND xã/phường) code and
name, created or linked, and optionally its old code."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from edudx_common.auth import Role
from identity.units.models import UnitType
from tests.identity.builders import login, make_unit, make_user
from tests.identity.sheets import XLSX_TYPE, xlsx

URL = "/api/identity/units/import"
HEADER = ["Mã trường", "Tên trường", "Cấp học", "Đơn vị quản lý", "Mã xã/phường", "Tên xã/phường", "Mã cũ"]


async def test_school_list_with_communes_creates_or_links_them(client: httpx.AsyncClient,
                                                              session: AsyncSession) -> None:
    so = await make_unit(session, type=UnitType.DEPARTMENT, name="Sở GDĐT Vĩnh Long", code="SO-VL")
    existing_commune = await make_unit(session, parent=so, type=UnitType.COMMUNE, name="UBND phường Long Châu",
                                       code="29227")
    renumbered = await make_unit(session, parent=so, name="Trường THCS Hòa Bình", code="867030")
    admin = await make_user(session, so, Role.AUTHORITY_ADMIN)
    headers = await login(client, admin)
    sheet = xlsx([
        HEADER,
        ["86703001", "Trường THCS Hòa Bình", "THCS", "SO-VL", "29230", "Xã Hòa Bình", "867030"],
        ["86702001", "Trường Tiểu học Long Phước", "Tiểu học", "SO-VL", "29230", "Xã Hòa Bình", ""],
        ["86701001", "Trường Mầm non Hoa Sen", "Mầm non", "SO-VL", "29227", "", "86701"],
    ])

    response = await client.post(URL, headers=headers, files={"file": ("truong.xlsx", sheet, XLSX_TYPE)})

    assert response.status_code == 200, response.text
    assert response.json()["created"] == 2 and response.json()["updated"] == 1
    hoa_binh = (await client.get(f"/api/identity/units/{renumbered.id}", headers=headers)).json()
    assert hoa_binh["code"] == "86703001" and hoa_binh["former_codes"] == ["867030"]
    assert hoa_binh["commune"]["code"] == "29230" and hoa_binh["commune"]["name"] == "UBND xã Hòa Bình"
    commune = (await client.get("/api/identity/units/lookup", params={"code": "29230"}, headers=headers)).json()
    assert commune["type"] == "commune" and commune["parent_id"] == str(so.id)
    of_commune = (await client.get("/api/identity/units", params={"commune_id": commune["id"]},
                                   headers=headers)).json()
    assert {u["code"] for u in of_commune["items"]} == {"86703001", "86702001"}
    hoa_sen = (await client.get("/api/identity/units/lookup", params={"code": "86701"}, headers=headers)).json()
    assert hoa_sen["code"] == "86701001" and hoa_sen["commune"]["id"] == str(existing_commune.id)

    again = await client.post(URL, headers=headers, files={"file": ("truong.xlsx", sheet, XLSX_TYPE)})
    assert again.status_code == 200 and again.json()["unchanged"] == 3, again.text


async def test_unknown_commune_without_a_name_and_reused_codes_are_refused(client: httpx.AsyncClient,
                                                                          session: AsyncSession) -> None:
    so = await make_unit(session, type=UnitType.DEPARTMENT, name="Sở GDĐT Vĩnh Long", code="SO-VL")
    await make_unit(session, parent=so, name="Trường Tiểu học Long Phước", code="86702001")
    admin = await make_user(session, so, Role.AUTHORITY_ADMIN)
    headers = await login(client, admin)
    renumber = xlsx([HEADER, ["86702009", "Trường Tiểu học Long Phước", "Tiểu học", "SO-VL", "", "", "86702001"]])
    assert (await client.post(URL, headers=headers,
                              files={"file": ("a.xlsx", renumber, XLSX_TYPE)})).status_code == 200
    sheet = xlsx([
        HEADER,
        ["86709001", "Trường A", "THCS", "SO-VL", "29999", "", ""],  # 2: a new commune needs its name
        ["86702001", "Trường B", "THCS", "SO-VL", "", "", ""],  # 3: a former code is never given again
        ["86709002", "Trường C", "THCS", "SO-VL", "86702009", "", ""],  # 4: a school is no commune
    ])

    response = await client.post(URL, headers=headers, files={"file": ("b.xlsx", sheet, XLSX_TYPE)})

    assert response.status_code == 422
    errors = {(e["row"], e["field"]) for e in response.json()["errors"]}
    assert errors == {(2, "Tên xã/phường"), (3, "Mã trường"), (4, "Mã xã/phường")}
    listed = (await client.get("/api/identity/units", params={"type": "commune"}, headers=headers)).json()
    assert listed["items"] == []
