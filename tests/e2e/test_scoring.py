"""Scoring through the gateway on the embedded run: the demo campaign is scored against the seed-004 rubric."""

from __future__ import annotations

from tests.e2e.conftest import RunningSystem


def test_demo_school_self_scores_against_the_seed_004_rubric(system: RunningSystem) -> None:
    principal = system.login("hieutruong.longphuoc@vinhlong.edu.vn")
    so_admin = system.login("cntt.so@vinhlong.edu.vn")
    with system.client() as http:
        listed = http.get("/api/submissions/campaigns", headers=principal).json()["items"][0]
        campaign = http.get(f"/api/submissions/campaigns/{listed['id']}", headers=principal).json()
        draft = http.post(f"/api/submissions/campaigns/{campaign['id']}/submissions", headers=principal).json()
        scores = f"/api/scoring/submissions/{draft['id']}"
        sheet = http.get(f"{scores}/scores", headers=principal)
        no_evidence_needed = http.patch(f"{scores}/self-scores", headers=principal,
                                        json={"scores": [{"criterion_code": "1.1", "points": 3}]})
        evidence_needed = http.patch(f"{scores}/self-scores", headers=principal,
                                     json={"scores": [{"criterion_code": "1.2", "points": 5}]})
        review_too_early = http.patch(f"{scores}/review-scores", headers=so_admin,
                                      json={"scores": [{"criterion_code": "1.1", "points": 2}]})
        rubrics = http.get("/api/scoring/rubrics", headers=so_admin).json()["items"]
        public = http.get(f"/api/scoring/public/units/{draft['unit_id']}/dx-level")
        results_url = f"/api/scoring/campaigns/{campaign['id']}/results"
        results = http.get(results_url, params={"q": "long phuoc", "limit": 10, "sort": "name"}, headers=so_admin)
        too_many = http.get(results_url, params={"limit": 1000}, headers=so_admin)

    assert campaign["rubric_id"] is not None
    assert sheet.status_code == 200, sheet.text
    assert sheet.json()["rubric_title"].startswith("Tiêu chuẩn đánh giá nhiệm vụ công nghệ thông tin")
    assert (sheet.json()["criteria_count"], sheet.json()["max_total"]) == (21, 100)
    assert no_evidence_needed.status_code == 200 and no_evidence_needed.json()["self_total"] == 3
    assert (evidence_needed.status_code, evidence_needed.json()["code"]) == (422, "evidence_required")
    assert (review_too_early.status_code, review_too_early.json()["code"]) == (409, "scores_locked")
    assert {r["id"] for r in rubrics} >= {campaign["rubric_id"]}
    assert (public.status_code, public.json()["code"]) == (404, "results_not_published")
    assert public.headers["content-type"].startswith("application/problem+json")
    # Results are paged through the gateway; a draft is never among them, and the page size is bounded.
    assert results.status_code == 200, results.text
    assert (results.json()["total"], results.json()["limit"], results.json()["items"]) == (0, 10, [])
    assert too_many.status_code == 422 and too_many.headers["content-type"].startswith("application/problem+json")
