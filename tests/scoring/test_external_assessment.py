"""External assessment (QĐ 4725 kind): the authority starts from the school's self-assessment, records only what it
changes, each change with its reason; the final score is the review where given, the self-score otherwise; after
publication the school sees self, review, reason and the authority's level side by side."""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx
from openpyxl import load_workbook

from scoring.rubrics.service import template_definition
from tests.evidence.samples import pdf_bytes
from tests.scoring.conftest import Stack, World
from tests.scoring.test_year_end_scoring import API, REQUIRED, full_marks, sheet_status
from tests.submissions.builders import FULL_ANSWERS, make_campaign, open_submission, save, submit


async def _assessed_campaign(stack: Stack, world: World) -> tuple[dict[str, Any], dict[str, Any]]:
    """A campaign of the Sở on the seed-004 rubric with external-assessment reasons required; Hòa Bình has
    self-scored everything and submitted."""
    users = world.users
    definition = template_definition("seed-004-cntt").model_copy(update={"review_reason_required": True})
    async with httpx.AsyncClient(base_url=stack.url("scoring")) as scoring:
        rubric = await scoring.post(f"{API}/rubrics", json=definition.model_dump(mode="json"),
                                    headers=users["so_admin"])
        assert rubric.status_code == 201, rubric.text
    async with httpx.AsyncClient(base_url=stack.url("submissions")) as sub:
        campaign = await make_campaign(sub, users["so_admin"], school_year_id=world.school_year_id,
                                       rubric_id=rubric.json()["id"], title="Đánh giá ngoài năm học 2024-2025")
        submission = await open_submission(sub, users["s11_officer"], campaign["id"])
    async with httpx.AsyncClient(base_url=stack.url("evidence")) as ev:
        uploaded = await ev.post("/api/evidence/files", headers=users["s11_officer"],
                                 data={"submission_id": submission["id"], "criterion_codes": ",".join(REQUIRED)},
                                 files={"file": ("Kế hoạch CNTT.pdf", pdf_bytes(), "application/pdf")})
        assert uploaded.status_code == 201, uploaded.text
    async with httpx.AsyncClient(base_url=stack.url("scoring")) as scoring:
        saved = await scoring.patch(f"{API}/submissions/{submission['id']}/self-scores",
                                    headers=users["s11_officer"], json={"scores": full_marks()})
        assert saved.status_code == 200, saved.text
    async with httpx.AsyncClient(base_url=stack.url("submissions")) as sub:
        current = (await sub.get(f"/api/submissions/submissions/{submission['id']}",
                                 headers=users["s11_officer"])).json()
        saved = await save(sub, users["s11_officer"], current, FULL_ANSWERS)
        submitted = await submit(sub, users["s11_principal"], saved.json())
        assert submitted.status_code == 200, submitted.text
    return campaign, submission


async def test_each_changed_criterion_needs_its_reason_and_the_school_sees_the_diff(stack: Stack,
                                                                                    world: World) -> None:
    users = world.users
    campaign, submission = await _assessed_campaign(stack, world)
    reviews = f"{API}/submissions/{submission['id']}/review-scores"
    async with httpx.AsyncClient(base_url=stack.url("scoring")) as scoring:
        unexplained = await scoring.patch(reviews, headers=users["p1_reviewer"], json={"scores": [
            {"criterion_code": "4.4", "points": 6, "comment": "Kế hoạch chưa có chỉ tiêu năm học"},
            {"criterion_code": "2.3", "points": 5},
            {"criterion_code": "1.1", "points": 3}]})  # as self-scored: no reason needed
        before = (await scoring.get(f"{API}/submissions/{submission['id']}/scores",
                                    headers=users["p1_reviewer"])).json()
        explained = await scoring.patch(reviews, headers=users["p1_reviewer"], json={"scores": [
            {"criterion_code": "4.4", "points": 6, "comment": "Kế hoạch chưa có chỉ tiêu năm học"},
            {"criterion_code": "2.3", "points": 5, "comment": "CSDL ngành còn thiếu hồ sơ giáo viên"},
            {"criterion_code": "1.1", "points": 3}]})
        async with httpx.AsyncClient(base_url=stack.url("submissions")) as sub:
            approved = await sub.post(f"/api/submissions/submissions/{submission['id']}/approve", json={},
                                      headers=users["so_admin"])
        assert approved.status_code == 200, approved.text
        assert await sheet_status(stack, submission["id"], "approved") == "approved"
        published = await scoring.post(f"{API}/campaigns/{campaign['id']}/results/publish", headers=users["so_admin"])
        school = (await scoring.get(f"{API}/submissions/{submission['id']}/scores",
                                    headers=users["s11_principal"])).json()
        exchange_csv = await scoring.get(f"{API}/campaigns/{campaign['id']}/results/published/exchange",
                                         params={"format": "csv"}, headers=users["s11_principal"])
        exchange_xlsx = await scoring.get(f"{API}/campaigns/{campaign['id']}/results/published/exchange",
                                          headers=users["so_admin"])

    assert (unexplained.status_code, unexplained.json()["code"]) == (422, "invalid_scores")
    assert unexplained.json()["detail"] == "Tiêu chí 2.3: điểm thẩm định khác điểm tự chấm, hãy ghi lý do thay đổi."
    assert [e["field"] for e in unexplained.json()["errors"]] == ["scores[1]"]
    assert before["reviewed_count"] == 0  # nothing of the refused save was written
    assert explained.status_code == 200, explained.text
    assert published.status_code == 200, published.text
    # Self, review and final apart: 100 self-scored, 91 after the two changes (4.4: 10 → 6, 2.3: 10 → 5).
    assert (school["self_total"], school["final_total"], school["reviewed_count"]) == (100, 91, 3)
    assert school["review_total"] == 6 + 5 + 3  # the reviewed criteria only, never the self-scores
    assert (school["self_classification"], school["classification"]) == ("Xuất sắc", "Xuất sắc")
    diff = {c["code"]: (c["self_score"]["points"], c["review"]["points"], c["review"]["comment"])
            for c in school["criteria"] if c["gap"]}
    assert diff == {"4.4": (10, 6, "Kế hoạch chưa có chỉ tiêu năm học"),
                    "2.3": (10, 5, "CSDL ngành còn thiếu hồ sơ giáo viên")}

    # The exchange layout: one row per school, the CSV and the workbook alike.
    assert exchange_csv.status_code == 200, exchange_csv.text
    assert exchange_csv.content.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(exchange_csv.content.decode("utf-8-sig"))))
    header, row = table[0], table[1]
    assert len(table) == 2
    assert header[:4] == ["STT", "Mã trường", "Tên trường", "Cấp học"]
    assert header[-6:] == ["Tổng điểm", "Mức / Xếp loại", "Thứ hạng", "Năm học", "Đợt đánh giá", "Ngày công bố"]
    assert row[:4] == ["1", "T-HB", "Trường THCS Hòa Bình", "THCS"]
    assert row[4:6] == ["20", ""] and row[-6:-2] == ["91", "Xuất sắc", "1", "2021-2022"]
    assert exchange_xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(exchange_xlsx.content)).active
    assert sheet is not None
    rows = [[c.value for c in r] for r in sheet.iter_rows(min_row=1, max_row=2)]
    assert rows[0] == header and rows[1][1:4] == ["T-HB", "Trường THCS Hòa Bình", "THCS"] and rows[1][12] == 91
