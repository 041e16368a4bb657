"""The import templates are written from the importers' own column definitions, and what they (and the dialog's
help) document is accepted: 'Đơn vị quản lý (mã)' and other qualified headers. Messages speak plain Vietnamese:
no API field names, no query parameters, and the row number given once (as `row`), never inside the message."""

from __future__ import annotations

import io
import re

import httpx
from openpyxl import load_workbook
from sqlalchemy.ext.asyncio import AsyncSession

from edudx_common.auth import Role
from identity.units.service import importer as units_importer
from identity.users.service import importer as users_importer
from tests.identity.builders import login, make_province, make_user
from tests.identity.sheets import XLSX_TYPE, xlsx

API = "/api/identity"
# An API name such as parent_code, unit_code, valid_only, or a query such as mode=...
INTERNAL = re.compile(r"\b[a-z]+_[a-z_]+\b|\w+=\w+")


def workbook_rows(data: bytes) -> dict[str, list[list[str]]]:
    book = load_workbook(io.BytesIO(data), read_only=True)
    return {name: [[c for c in row if c is not None] for row in book[name].iter_rows(values_only=True)]
            for name in book.sheetnames}


async def test_templates_carry_the_importers_headers_and_import_back(client: httpx.AsyncClient,
                                                                     session: AsyncSession) -> None:
    units = await make_province(session)
    admin = await login(client, await make_user(session, units["so"], Role.AUTHORITY_ADMIN))
    officer = await login(client, await make_user(session, units["s11"], Role.SCHOOL_IT_OFFICER))

    unit_template = await client.get(f"{API}/units/import/template", headers=admin)
    user_template = await client.get(f"{API}/users/import/template", headers=admin)
    refused = await client.get(f"{API}/units/import/template", headers=officer)

    assert refused.status_code == 403
    for response, columns in ((unit_template, units_importer.COLUMNS), (user_template, users_importer.COLUMNS)):
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == XLSX_TYPE
        assert ".xlsx" in response.headers["content-disposition"]
        sheets = workbook_rows(response.content)
        data, guide = list(sheets.values())
        assert data == [[c.label for c in columns]]  # the header only: nothing to delete before filling it
        documented = [row[0] for row in guide[4:]]
        assert documented == [c.label for c in columns]
        assert not any(INTERNAL.search(" ".join(map(str, row))) for row in guide), guide
    assert "Đơn vị quản lý (mã)" in workbook_rows(unit_template.content)["Dữ liệu"][0]

    # The template, filled in by a person (Excel keeps its header), goes through the import as it is.
    header = workbook_rows(unit_template.content)["Dữ liệu"][0]
    example = {c.label: c.example for c in units_importer.COLUMNS} | {"Đơn vị quản lý (mã)": units["p1"].code,
                                                                       "Mã đơn vị": "TPL-01"}
    filled = xlsx([header, [example[h] for h in header]])
    checked = await client.post(f"{API}/units/import", headers=admin, params={"dry_run": "true"},
                                files={"file": ("mau.xlsx", filled, XLSX_TYPE)})
    assert checked.status_code == 200, checked.text
    assert (checked.json()["created"], checked.json()["errors"]) == (1, [])


async def test_header_variants_and_plain_messages(client: httpx.AsyncClient, session: AsyncSession) -> None:
    units = await make_province(session)
    admin = await login(client, await make_user(session, units["so"], Role.AUTHORITY_ADMIN))
    rows = [
        ["Mã trường (*)", "Tên trường (bắt buộc)", "Cấp học", "Đơn vị quản lý (mã)"],
        ["Q1", "Trường THCS Q1", "THCS", units["p1"].code],
        ["Q2", "Trường THCS Q2", "THCS", "KHONG-CO"],
        ["Q3", "Trường THCS Q3", "THCS x", units["p1"].code],
    ]
    # Without a managing unit column at all, a row error names it as the help does, not as 'parent_code'.
    no_parent_column = [["Mã trường", "Tên trường", "Cấp học"], ["Q4", "Trường THCS Q4", "THCS"]]

    response = await client.post(f"{API}/units/import", headers=admin,
                                 files={"file": ("ds.xlsx", xlsx(rows), XLSX_TYPE)})
    missing = await client.post(f"{API}/units/import", headers=admin, params={"mode": "valid_only"},
                                files={"file": ("ds.xlsx", xlsx(no_parent_column), XLSX_TYPE)})

    assert response.status_code == 422 and response.json()["code"] == "import_rejected"
    problem = response.json()
    assert [(e["row"], e["field"]) for e in problem["errors"]] == [(3, "Đơn vị quản lý (mã)"), (4, "Cấp học")]
    assert "nhập các dòng hợp lệ" in problem["detail"]
    assert missing.status_code == 200, missing.text
    assert [(e["row"], e["column"]) for e in missing.json()["errors"]] == [(2, "Đơn vị quản lý (mã)")]
    for text in [problem["detail"], *(e["message"] for e in problem["errors"]),
                 *(e["message"] for e in missing.json()["errors"])]:
        assert not INTERNAL.search(text), text
        assert not text.lower().startswith("dòng"), text  # the row is `row`; the SPA prefixes it once
        assert not text[0].islower(), text
