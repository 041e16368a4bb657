"""An authority's own index (QĐ 3806 kind): a criterion computed from the published results of the schools it
manages — the count of its schools at Mức 2 or above in their latest publication — with the schools behind the
figure. Here the Sở asks its Phòng Long Hồ (two schools) for the index; a Sở's own campaign from the Bộ reads its
schools the same way (the demo)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx

from edudx_common.db import utcnow
from scoring.results.models import PublishedResult
from scoring.sheets.models import ScoreSheet
from tests.scoring.conftest import Stack, World
from tests.scoring.test_year_end_scoring import API
from tests.submissions.builders import make_campaign, open_submission

INDEX_RUBRIC: dict[str, Any] = {
    "title": "Chỉ số chuyển đổi số của cơ quan quản lý (mẫu thử)", "mode": "total_bands", "max_total": 100,
    "step": 0.25,
    "bands": [{"label": "Chưa đạt", "max": 50}, {"label": "Đạt", "min": 50, "max": 100, "max_inclusive": True}],
    "groups": [{"code": "B", "title": "Kết quả chuyển đổi số của các trường trực thuộc", "max_points": 100,
                "criteria": [
                    {"code": "B.1", "text": "Số trường đạt Mức 2 trở lên", "kind": "computed", "max_points": 10,
                     "computed": {"measure": "count", "levels": ["Mức 2", "Mức 3"],
                                  "campaign_kind": "dx_self_assessment"}},
                    {"code": "B.2", "text": "Tỷ lệ trường đạt Mức 2 trở lên", "kind": "computed", "max_points": 40,
                     "computed": {"measure": "share", "levels": ["Mức 2", "Mức 3"],
                                  "campaign_kind": "dx_self_assessment"}},
                    {"code": "B.3", "text": "Kế hoạch chuyển đổi số của Sở", "max_points": 50}]}],
}


async def _publish(stack: Stack, unit_id: uuid.UUID, path: str, name: str, level: str, *, days_ago: int,
                   kind: str = "dx_self_assessment") -> None:
    """A published result as publication leaves it: the snapshot row and the unit's sheet in that campaign."""
    campaign_id, at = uuid.uuid4(), utcnow() - timedelta(days=days_ago)
    async with stack.services["scoring"].sessions() as session:
        session.add(ScoreSheet(submission_id=uuid.uuid4(), campaign_id=campaign_id, unit_id=unit_id, unit_name=name,
                               unit_path=path, rubric_id=uuid.uuid4(), submission_status="approved", submit_count=1,
                               status_at=at))
        session.add(PublishedResult(campaign_id=campaign_id, unit_id=unit_id, unit_name=name,
                                    campaign_title=f"Tự đánh giá CĐS ({days_ago} ngày trước)", campaign_kind=kind,
                                    classification=level, final_total=Decimal(120), max_total=Decimal(200),
                                    published_at=at))
        await session.commit()


async def test_the_computed_criterion_equals_the_count_of_its_schools_at_level_2_or_above(stack: Stack,
                                                                                          world: World) -> None:
    units, users = world.units, world.users
    so, p1, p2 = units["so"].id, units["p1"].id, units["p2"].id

    def under(phong: uuid.UUID, school: str) -> str:
        return f"/{so.hex}/{phong.hex}/{units[school].id.hex}/"

    await _publish(stack, units["s11"].id, under(p1, "s11"), "Trường THCS Hòa Bình", "Mức 1", days_ago=400)
    await _publish(stack, units["s11"].id, under(p1, "s11"), "Trường THCS Hòa Bình", "Mức 2", days_ago=30)
    await _publish(stack, units["s12"].id, under(p1, "s12"), "Trường Tiểu học Long Phước", "Mức 1", days_ago=30)
    await _publish(stack, units["s21"].id, under(p2, "s21"), "Trường TH&THCS Đức Thành", "Mức 3", days_ago=30)
    await _publish(stack, units["s21"].id, under(p2, "s21"), "Trường TH&THCS Đức Thành", "Tốt", days_ago=10,
                   kind="year_end_report")  # another kind of campaign: not this index's
    outside = uuid.uuid4()
    await _publish(stack, outside, f"/{uuid.uuid4().hex}/{outside.hex}/", "Trường tỉnh khác", "Mức 3", days_ago=30)

    async with httpx.AsyncClient(base_url=stack.url("scoring")) as scoring:
        rubric = await scoring.post(f"{API}/rubrics", json=INDEX_RUBRIC, headers=users["so_admin"])
        assert rubric.status_code == 201, rubric.text
    async with httpx.AsyncClient(base_url=stack.url("submissions")) as sub:
        campaign = await make_campaign(sub, users["so_admin"], school_year_id=world.school_year_id,
                                       rubric_id=rubric.json()["id"], title="Tự đánh giá chỉ số CĐS của Phòng",
                                       targets={"unit_types": ["district_office"], "unit_ids": [str(p1)]})
        report = await open_submission(sub, users["so_admin"], campaign["id"], unit_id=str(p1))
    index = f"{API}/submissions/{report['id']}/authority-index"
    async with httpx.AsyncClient(base_url=stack.url("scoring")) as scoring:
        typed = await scoring.patch(f"{API}/submissions/{report['id']}/self-scores", headers=users["so_admin"],
                                    json={"scores": [{"criterion_code": "B.1", "points": 10}]})
        preview = await scoring.get(index, headers=users["so_admin"])
        by_school = await scoring.post(index, headers=users["s11_officer"])
        filled = await scoring.post(index, headers=users["so_admin"])
        sheet = (await scoring.get(f"{API}/submissions/{report['id']}/scores", headers=users["so_admin"])).json()

    assert (typed.status_code, typed.json()["code"]) == (422, "invalid_scores")
    assert "tính tự động" in typed.json()["detail"]
    assert preview.status_code == 200, preview.text
    assert preview.json()["saved"] is False
    assert by_school.status_code == 404  # the Phòng's report is outside a school's scope
    assert filled.status_code == 200, filled.text
    count, share = filled.json()["criteria"]
    # Hòa Bình's latest publication (Mức 2) counts, not last year's Mức 1; Đức Thành is Mang Thít's school.
    assert (count["code"], count["counted_units"], count["total_units"], count["value"], count["points"]) == (
        "B.1", 1, 2, 1, 1)
    assert [(u["unit_name"], u["classification"], u["counted"]) for u in count["units"]] == [
        ("Trường THCS Hòa Bình", "Mức 2", True), ("Trường Tiểu học Long Phước", "Mức 1", False)]
    assert (share["value"], share["points"]) == (0.5, 20)
    scored = {c["code"]: c["self_score"] for c in sheet["criteria"]}
    assert scored["B.1"]["points"] == 1 and scored["B.2"]["points"] == 20 and scored["B.3"] is None
    assert scored["B.1"]["note"].startswith("Tính tự động: 1/2 đơn vị trực thuộc đạt Mức 2, Mức 3")
