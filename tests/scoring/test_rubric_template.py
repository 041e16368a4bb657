"""The rubric import offers a template in its own layout (it imports as it is), and a workbook whose values break
the definition's rules is refused in plain Vietnamese naming the criterion, not pydantic's English and paths."""

from __future__ import annotations

import io
import re

import httpx
from openpyxl import load_workbook

from tests.scoring.conftest import Stack, World

API = "/api/scoring/rubrics"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def test_the_template_imports_and_bad_values_are_named_in_vietnamese(stack: Stack, world: World) -> None:
    admin = world.users["so_admin"]
    async with httpx.AsyncClient(base_url=stack.url("scoring")) as scoring:
        template = await scoring.get(f"{API}/import/template", headers=admin)
        checked = await scoring.post(f"{API}/import", headers=admin, params={"dry_run": "true"},
                                     files={"file": ("mau.xlsx", template.content, XLSX)})
        workbook = load_workbook(io.BytesIO(template.content))
        workbook["Tiêu chí"]["B3"] = None  # criterion 1.1 without its text
        workbook["Tiêu chí"]["D4"] = -2  # criterion 1.2 with negative points
        buffer = io.BytesIO()
        workbook.save(buffer)
        broken = await scoring.post(f"{API}/import", headers=admin, params={"dry_run": "true"},
                                    files={"file": ("sai.xlsx", buffer.getvalue(), XLSX)})

    assert template.status_code == 200 and template.headers["content-type"].startswith(XLSX)
    assert checked.status_code == 200, checked.text
    assert len(checked.json()["definition"]["groups"]) == 4
    assert (broken.status_code, broken.json()["code"]) == (422, "rubric_file_invalid")
    messages = [e["message"] for e in broken.json()["errors"]]
    assert {e["field"] for e in broken.json()["errors"]} == {"Tiêu chí"}  # the sheet, not groups.0.criteria.1
    assert any(m.startswith("Nhóm 1, Tiêu chí 1.1: nội dung") for m in messages), messages
    assert any(m.startswith("Nhóm 1, Tiêu chí 1.2: điểm chuẩn") for m in messages), messages
    for message in messages:
        assert not re.search(r"[a-z]+_[a-z]+|Input should|groups\.\d", message), message
