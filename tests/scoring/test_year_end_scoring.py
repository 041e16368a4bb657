"""The seed-004 year-end campaign scored end to end: self-scores with evidence, submit, review scores,
return and resubmit, approve, publish; what the school, the reviewer and the public see at each step."""

from __future__ import annotations

import asyncio
import io
import uuid
from decimal import Decimal
from typing import Any

import httpx
from openpyxl import load_workbook
from sqlalchemy import select

from scoring.sheets.models import ScoreSheet
from tests.evidence.samples import pdf_bytes
from tests.scoring.conftest import Stack, World
from tests.scoring.test_rubric_rules import SEED_004_MAXIMA
from tests.submissions.builders import FULL_ANSWERS, open_submission, save, submit

API = "/api/scoring"
REQUIRED = [c for c in SEED_004_MAXIMA if c not in ("1.1", "3.1")]  # the criteria whose evidence column is filled


def full_marks(**overrides: float) -> list[dict[str, Any]]:
    return [{"criterion_code": code, "points": overrides.get(code, points), "note": "Đã thực hiện đầy đủ"}
            for code, points in SEED_004_MAXIMA.items()]


async def prepare(stack: Stack, world: World, school: str) -> dict[str, Any]:
    """The school opens its submission and uploads one PDF serving every criterion that requires evidence."""
    officer = world.users[f"{school}_officer"]
    async with httpx.AsyncClient(base_url=stack.url("submissions")) as sub:
        submission = await open_submission(sub, officer, world.campaign["id"])
    async with httpx.AsyncClient(base_url=stack.url("evidence")) as ev:
        uploaded = await ev.post("/api/evidence/files", headers=officer,
                                 data={"submission_id": submission["id"], "criterion_codes": ",".join(REQUIRED)},
                                 files={"file": ("Kế hoạch CNTT.pdf", pdf_bytes(), "application/pdf")})
    assert uploaded.status_code == 201, uploaded.text
    return submission


async def submit_report(stack: Stack, world: World, school: str, submission: dict[str, Any]) -> None:
    async with httpx.AsyncClient(base_url=stack.url("submissions")) as sub:
        current = (await sub.get(f"/api/submissions/submissions/{submission['id']}",
                                 headers=world.users[f"{school}_officer"])).json()
        saved = await save(sub, world.users[f"{school}_officer"], current, FULL_ANSWERS)
        assert saved.status_code == 200, saved.text
        submitted = await submit(sub, world.users[f"{school}_principal"], saved.json())
        assert submitted.status_code == 200, submitted.text


async def workflow(stack: Stack, world: World, submission_id: str, action: str, body: dict[str, Any]) -> None:
    if action == "approve":
        await approve_as_reviewer(stack, world.users["so_admin"], submission_id, body)
        return
    async with httpx.AsyncClient(base_url=stack.url("submissions")) as sub:
        response = await sub.post(f"/api/submissions/submissions/{submission_id}/{action}", json=body,
                                  headers=world.users["so_admin"])
    assert response.status_code == 200, response.text


async def approve_as_reviewer(stack: Stack, reviewer: dict[str, str], submission_id: str,
                              body: dict[str, Any] | None = None) -> None:
    """An approval as the guards want it: every evidence item looked at, the self-scores of the criteria without a
    review score accepted, and the confirmation naming the school and the final score the approval check states."""
    async with httpx.AsyncClient(base_url=stack.url("evidence")) as evidence:
        files = (await evidence.get(f"/api/evidence/submissions/{submission_id}/files", headers=reviewer)).json()
        for item in files["items"]:
            if item["review_state"] == "pending" and item["replaced_by_id"] is None:
                reviewed = await evidence.post(f"/api/evidence/files/{item['id']}/review", headers=reviewer,
                                               json={"state": "accepted"})
                assert reviewed.status_code == 200, reviewed.text
    async with httpx.AsyncClient(base_url=stack.url("submissions")) as sub:
        check = (await sub.get(f"/api/submissions/submissions/{submission_id}/approval-check", headers=reviewer,
                               params={"accept_self_scores": "true"})).json()
        assert check["ready"], check
        response = await sub.post(f"/api/submissions/submissions/{submission_id}/approve", headers=reviewer, json={
            **(body or {}), "confirm_unit_name": check["unit_name"], "confirm_final_score": check["final_score"],
            "accept_self_scores": True})
    assert response.status_code == 200, response.text


async def sheet_status(stack: Stack, submission_id: str, expected: str) -> str | None:
    """The state scoring holds for the submission once the submissions service's event has arrived."""
    status = None
    for _ in range(200):
        async with stack.services["scoring"].sessions() as session:
            sheet = (await session.execute(select(ScoreSheet).where(
                ScoreSheet.submission_id == uuid.UUID(submission_id)))).scalar_one_or_none()
            status = sheet.submission_status if sheet else None
        if status == expected:
            return status
        await asyncio.sleep(0.05)
    return status


async def test_year_end_scoring_from_self_score_to_published_class(stack: Stack, world: World) -> None:
    hoa_binh, long_phuoc = await prepare(stack, world, "s11"), await prepare(stack, world, "s12")
    users = world.users
    async with httpx.AsyncClient(base_url=stack.url("scoring")) as scoring:
        scores = f"{API}/submissions/{hoa_binh['id']}"
        self_scored = await scoring.patch(f"{scores}/self-scores", headers=users["s11_officer"],
                                          json={"scores": full_marks(**{"4.4": 9.75})})
        assert self_scored.status_code == 200, self_scored.text
        sheet = self_scored.json()
        assert (sheet["self_total"], sheet["self_classification"], sheet["scored_count"]) == (99.75, "Xuất sắc", 21)
        assert sheet["final_total"] is None and sheet["classification"] is None and sheet["can_self_score"]
        assert (await scoring.patch(f"{API}/submissions/{long_phuoc['id']}/self-scores", headers=users["s12_officer"],
                                    json={"scores": full_marks(**{"4.4": 0})})).status_code == 200

        await submit_report(stack, world, "s11", hoa_binh)
        await submit_report(stack, world, "s12", long_phuoc)
        after_submit = await scoring.patch(f"{scores}/self-scores", headers=users["s11_officer"],
                                           json={"scores": [{"criterion_code": "1.1", "points": 0}]})
        officer_reviews = await scoring.patch(f"{scores}/review-scores", headers=users["s11_officer"],
                                              json={"scores": [{"criterion_code": "1.1", "points": 0}]})
        other_phong = await scoring.patch(f"{scores}/review-scores", headers=users["p2_reviewer"],
                                          json={"scores": [{"criterion_code": "1.1", "points": 0}]})
        reviewed = await scoring.patch(f"{scores}/review-scores", headers=users["p1_reviewer"], json={"scores": [
            {"criterion_code": "4.4", "points": 0, "comment": "Chưa có kế hoạch đô thị thông minh năm 2022"},
            {"criterion_code": "4.5", "points": 9.75, "comment": "Báo cáo năm 2021 thiếu số liệu"}]})
        school_view = (await scoring.get(f"{scores}/scores", headers=users["s11_principal"])).json()

        assert (after_submit.status_code, after_submit.json()["code"]) == (409, "scores_locked")
        assert (officer_reviews.status_code, officer_reviews.json()["code"]) == (403, "not_allowed")
        assert (other_phong.status_code, other_phong.json()["code"]) == (404, "submission_not_found")
        assert reviewed.status_code == 200, reviewed.text
        assert (reviewed.json()["final_total"], reviewed.json()["classification"]) == (89.75, "Tốt")
        assert reviewed.json()["large_gap"] and reviewed.json()["gap_total"] == -10
        assert school_view["final_total"] is None and school_view["classification"] is None
        assert all(c["review"] is None for c in school_view["criteria"])  # not before publication

        # Returned: the school sees the comments (not the points) and may correct its self-scores again.
        await workflow(stack, world, hoa_binh["id"], "return",
                       {"reasons": {"criteria": {"4.4": "Bổ sung kế hoạch đô thị thông minh"}}})
        assert await sheet_status(stack, hoa_binh["id"], "returned") == "returned"
        returned_view = (await scoring.get(f"{scores}/scores", headers=users["s11_officer"])).json()
        corrected = await scoring.patch(f"{scores}/self-scores", headers=users["s11_officer"], json={"scores": [
            {"criterion_code": "4.4", "points": 9.75, "note": "Đã bổ sung kế hoạch (minh chứng mới)"}]})
        assert corrected.status_code == 200, corrected.text
        comments = {c["code"]: c["review"] for c in returned_view["criteria"] if c["review"]}
        assert comments["4.4"]["comment"] == "Chưa có kế hoạch đô thị thông minh năm 2022"
        assert comments["4.4"]["points"] is None

        await submit_report(stack, world, "s11", hoa_binh)
        for submission in (hoa_binh, long_phuoc):
            await workflow(stack, world, submission["id"], "approve", {})
        assert await sheet_status(stack, hoa_binh["id"], "approved") == "approved"
        before = await scoring.get(f"{API}/campaigns/{world.campaign['id']}/results/published",
                                   headers=users["s11_principal"])
        school_publishes = await scoring.post(f"{API}/campaigns/{world.campaign['id']}/results/publish",
                                              headers=users["s11_principal"])
        published = await scoring.post(f"{API}/campaigns/{world.campaign['id']}/results/publish",
                                       headers=users["so_admin"])
        final_view = (await scoring.get(f"{scores}/scores", headers=users["s11_principal"])).json()
        listing = (await scoring.get(f"{API}/campaigns/{world.campaign['id']}/results/published",
                                     headers=users["s21_officer"])).json()
        workbook = await scoring.get(f"{API}/campaigns/{world.campaign['id']}/results/export",
                                     params={"include_units": True}, headers=users["so_admin"])

    assert (before.status_code, before.json()["code"]) == (404, "results_not_published")
    assert school_publishes.status_code == 403
    assert published.status_code == 200, published.text
    rows = {r["unit_name"]: r for r in published.json()["items"]}
    assert {name: (r["final_total"], r["classification"], r["rank"]) for name, r in rows.items()} == {
        "Trường THCS Hòa Bình": (89.75, "Tốt", 2), "Trường Tiểu học Long Phước": (90.0, "Xuất sắc", 1)}
    assert {r["group_name"] for r in rows.values()} == {"Phòng GDĐT Long Hồ"}
    assert (final_view["final_total"], final_view["classification"]) == (89.75, "Tốt")
    assert Decimal(str(final_view["self_total"])) == Decimal("99.75")
    assert [(r["unit_name"], r["classification"]) for r in listing["items"]] == [
        ("Trường Tiểu học Long Phước", "Xuất sắc"), ("Trường THCS Hòa Bình", "Tốt")]

    book = load_workbook(io.BytesIO(workbook.content))
    assert book.sheetnames == ["Tổng hợp", "Trường Tiểu học Long Phước", "Trường THCS Hòa Bình"]
    unit_rows = list(book["Trường THCS Hòa Bình"].iter_rows(values_only=True))
    assert unit_rows[0] == ("STT", "Nội dung", "Điểm chuẩn", "Tự chấm", "Điểm thẩm định", "Minh chứng")
    by_code = {row[0]: row for row in unit_rows[1:] if row[0]}
    assert by_code["4.4"][2:] == (10, 9.75, 0, "H4.4-01")
    assert by_code["4"][2:5] == (30, 29.75, 19.75)
    assert unit_rows[-2][1:5] == ("Tổng cộng", 100, 99.75, 89.75)
    assert unit_rows[-1][1:5] == ("Xếp loại", None, "Xuất sắc", "Tốt")

async def test_required_evidence_before_points(stack: Stack, world: World) -> None:
    async with httpx.AsyncClient(base_url=stack.url("submissions")) as sub:
        submission = await open_submission(sub, world.users["s21_officer"], world.campaign["id"])
    url = f"{API}/submissions/{submission['id']}/self-scores"
    async with httpx.AsyncClient(base_url=stack.url("scoring")) as scoring:
        without = await scoring.patch(url, headers=world.users["s21_officer"],
                                      json={"scores": [{"criterion_code": "1.2", "points": 5}]})
        zero = await scoring.patch(url, headers=world.users["s21_officer"],
                                   json={"scores": [{"criterion_code": "1.2", "points": 0}]})
        not_required = await scoring.patch(url, headers=world.users["s21_officer"],
                                           json={"scores": [{"criterion_code": "1.1", "points": 3}]})
        off_step = await scoring.patch(url, headers=world.users["s21_officer"], json={"scores": [
            {"criterion_code": "1.1", "points": 2.8}, {"criterion_code": "9.9", "points": 1}]})
        other_school = await scoring.get(f"{API}/submissions/{submission['id']}/scores",
                                         headers=world.users["s11_officer"])

    assert (without.status_code, without.json()["code"]) == (422, "evidence_required")
    assert "1.2" in without.json()["detail"] and "Kế hoạch, văn bản, hướng dẫn" in without.json()["detail"]
    assert zero.status_code == 200 and not_required.status_code == 200
    assert not_required.json()["self_total"] == 3
    assert (off_step.status_code, off_step.json()["code"]) == (422, "invalid_scores")
    assert len(off_step.json()["errors"]) == 2
    assert (other_school.status_code, other_school.json()["code"]) == (404, "submission_not_found")

