"""The embedded run's finished QĐ 4725 cycle (scripts/demo_assessment.py), read through the gateway: the school
sees the authority's level and the two criteria the external assessment changed, each with its reason."""

from __future__ import annotations

from tests.e2e.conftest import RunningSystem, output_of

PRINCIPAL = "hieutruong.cainhum@vinhlong.edu.vn"
TITLE = "Tự đánh giá mức độ chuyển đổi số năm học 2025-2026"


def test_the_4725_campaign_is_published_with_the_level_and_the_two_criterion_diff(system: RunningSystem) -> None:
    principal = system.login(PRINCIPAL)
    so_admin = system.login("cntt.so@vinhlong.edu.vn")
    with system.client() as http:
        (campaign,) = http.get("/api/submissions/campaigns", params={"q": TITLE}, headers=principal).json()["items"]
        (submission,) = http.get("/api/submissions/submissions", params={"campaign_id": campaign["id"]},
                                 headers=principal).json()["items"]
        sheet = http.get(f"/api/scoring/submissions/{submission['submission_id']}/scores", headers=principal).json()
        published = http.get(f"/api/scoring/campaigns/{campaign['id']}/results/published", headers=so_admin)

    assert campaign["status"] == "closed" and campaign["kind"] == "dx_self_assessment"
    assert submission["status"] == "approved"
    assert sheet["results_published"] is True
    # the published level is the authority's: Mức 2 where the school assessed itself at Mức 3
    assert (sheet["classification"], sheet["self_classification"]) == ("Mức 2", "Mức 3")
    changed = {c["code"]: c["review"] for c in sheet["criteria"] if c["review"] and c["review"]["comment"]}
    assert set(changed) == {"I.4", "II.5"}
    assert changed["I.4"]["comment"] == "Kế hoạch chuyển đổi số chưa có chỉ tiêu đo được cho từng năm"
    assert {c["code"]: c["gap"] for c in sheet["criteria"] if c["gap"]} == {"I.4": -3.0, "II.5": -4.0}
    assert submission["late_text"] is None
    assert (sheet["self_total"], sheet["final_total"]) == (158.0, 151.0)
    assert published.status_code == 200, published.text
    assert "Trường Tiểu học Cái Nhum" in published.text
    assert TITLE in output_of(system)  # the banner names the seeded cycle
