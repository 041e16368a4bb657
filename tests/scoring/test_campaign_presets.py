"""The QĐ 4725 campaign preset: its rubric template and dates, enough to issue the campaign through the API."""

from __future__ import annotations

from datetime import datetime

import httpx

from tests.scoring.conftest import Stack, World
from tests.scoring.test_year_end_scoring import API
from tests.submissions.builders import make_campaign


async def test_the_4725_preset_carries_its_template_and_dates_and_issues_a_campaign(stack: Stack,
                                                                                    world: World) -> None:
    async with httpx.AsyncClient(base_url=stack.url("scoring")) as scoring:
        found = await scoring.get(f"{API}/rubrics/campaign-presets", params={"school_year_end": 2027},
                                  headers=world.users["so_admin"])
        anonymous = await scoring.get(f"{API}/rubrics/campaign-presets", params={"school_year_end": 2027})
    assert found.status_code == 200, found.text
    assert anonymous.status_code == 401
    (preset,) = found.json()["items"]
    assert preset["key"] == "qd-4725" and preset["kind"] == "dx_self_assessment"
    assert preset["rubric_id"] == world.rubrics["qd-4725-reference"]
    assert "đối chiếu với văn bản gốc" in preset["reference_note"]
    assert preset["title"] == "Tự đánh giá mức độ chuyển đổi số năm học 2026-2027"
    assert preset["self_assessment_due_at"] == "2027-05-31T10:00:00Z"  # 17:00 in Vietnam
    assert preset["external_assessment_due_at"] == "2027-06-20T10:00:00Z"

    async with httpx.AsyncClient(base_url=stack.url("submissions")) as sub:
        campaign = await make_campaign(sub, world.users["so_admin"], school_year_id=world.school_year_id,
                                       title=preset["title"], kind=preset["kind"], rubric_id=preset["rubric_id"],
                                       legal_reference=preset["legal_reference"],
                                       due_at=datetime.fromisoformat(preset["self_assessment_due_at"]))
    assert campaign["status"] == "published" and campaign["rubric_id"] == preset["rubric_id"]
    assert datetime.fromisoformat(campaign["due_at"]) == datetime.fromisoformat(preset["self_assessment_due_at"])
