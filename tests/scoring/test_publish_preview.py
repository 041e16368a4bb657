"""Before publishing, the authority is told what publishing leaves out: the schools not fully reviewed, not
approved or late, counted and named — from scoring's sheets and the submissions service's states (real services)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
from sqlalchemy import update

from edudx_common.db import utcnow
from submissions.campaigns.models import Campaign
from tests.scoring.conftest import Stack, World
from tests.scoring.test_rubric_rules import SEED_004_MAXIMA
from tests.scoring.test_year_end_scoring import API, full_marks, prepare, sheet_status, submit_report, workflow


async def test_the_preview_counts_and_names_unscored_unapproved_and_late_schools(stack: Stack, world: World) -> None:
    users = world.users
    hoa_binh, long_phuoc = await prepare(stack, world, "s11"), await prepare(stack, world, "s12")
    results = f"{API}/campaigns/{world.campaign['id']}/results"
    async with httpx.AsyncClient(base_url=stack.url("scoring")) as scoring:
        for school, submission in (("s11", hoa_binh), ("s12", long_phuoc)):
            saved = await scoring.patch(f"{API}/submissions/{submission['id']}/self-scores",
                                        headers=users[f"{school}_officer"], json={"scores": full_marks()})
            assert saved.status_code == 200, saved.text
            await submit_report(stack, world, school, submission)
        reviewed = await scoring.patch(f"{API}/submissions/{hoa_binh['id']}/review-scores",
                                       headers=users["p1_reviewer"], json={"scores": [
                                           {"criterion_code": code, "points": points, "comment": "Đúng minh chứng"}
                                           for code, points in SEED_004_MAXIMA.items()]})
        assert reviewed.status_code == 200, reviewed.text
        await workflow(stack, world, hoa_binh["id"], "approve", {})
        assert await sheet_status(stack, hoa_binh["id"], "approved") == "approved"
        on_time = (await scoring.get(f"{results}/publish-preview", headers=users["so_admin"])).json()

        # The deadline has now passed: Đức Thành never submitted.
        async with stack.services["submissions"].sessions() as session:
            await session.execute(update(Campaign).where(Campaign.id == uuid.UUID(world.campaign["id"]))
                                  .values(due_at=utcnow() - timedelta(minutes=1)))
            await session.commit()
        preview = await scoring.get(f"{results}/publish-preview", headers=users["so_admin"])
        by_school = await scoring.get(f"{results}/publish-preview", headers=users["s11_principal"])
        still_unpublished = await scoring.get(f"{results}/published", headers=users["so_admin"])

    assert (on_time["target_count"], on_time["publish_count"], on_time["late_count"]) == (3, 1, 0)
    assert preview.status_code == 200, preview.text
    body = preview.json()
    assert (body["target_count"], body["publish_count"]) == (3, 1)
    assert (body["unscored_count"], body["unapproved_count"], body["late_count"]) == (1, 2, 1)
    assert [(u["unit_name"], u["reason"]) for u in body["unscored"]] == [
        ("Trường Tiểu học Long Phước", "Đã thẩm định 0/21 tiêu chí")]
    assert {u["unit_name"]: u["reason"] for u in body["unapproved"]} == {
        "Trường Tiểu học Long Phước": "Đã nộp, chờ thẩm định", "Trường TH&THCS Đức Thành": "Chưa mở báo cáo (quá hạn)"}
    # Lateness is the owner's: the two reports came before the deadline moved, Đức Thành is overdue.
    assert [u["unit_name"] for u in body["late"]] == ["Trường TH&THCS Đức Thành"]
    assert body["late"][0]["reason"].startswith("quá hạn")
    assert body["warning"] == ("Sẽ công bố kết quả của 1/3 đơn vị. Lưu ý: 1 đơn vị chưa được thẩm định đủ tiêu chí; "
                               "2 đơn vị chưa được phê duyệt; 1 đơn vị nộp muộn hoặc quá hạn. Đơn vị chưa được phê "
                               "duyệt sẽ không có kết quả công bố.")
    assert by_school.status_code == 403
    assert (still_unpublished.status_code, still_unpublished.json()["code"]) == (404, "results_not_published")
