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


INDEX_TITLE = "Chỉ số chuyển đổi số của Sở GDĐT năm 2026 (QĐ 3806, DEMO)"
AT_LEVEL_2_OR_ABOVE = {"Mức 2", "Mức 3"}
# Phòng Long Hồ's 2024-2025 cycle (scripts/demo_last_year.py): its schools now sit under the Sở, and a school's
# latest published level of a QĐ 4725 campaign is the one its authority's index counts.
LAST_YEAR_TITLE = "Tự đánh giá mức độ chuyển đổi số năm học 2024-2025"


def test_the_so_index_equals_the_count_and_share_of_its_schools_at_level_2_or_above(system: RunningSystem) -> None:
    """The Sở's own self-assessment, issued by the Bộ (the Sở's parent in the demo tree): its computed criteria are
    the count and the share of the Sở's schools at Mức 2 or above in the published results (each school's latest
    publication: this year's cycle, else the archived Phòng's last year), with the schools behind the figure —
    recomputed here from the published results, read through the gateway."""
    so_admin = system.login("cntt.so@vinhlong.edu.vn")
    with system.client() as http:
        published = {}
        for title in (LAST_YEAR_TITLE, TITLE):  # oldest first: a later publication replaces a school's level
            (cycle,) = http.get("/api/submissions/campaigns", params={"q": title}, headers=so_admin).json()["items"]
            published[title] = http.get(f"/api/scoring/campaigns/{cycle['id']}/results/published",
                                        headers=so_admin, params={"limit": 500}).json()["items"]
        (campaign,) = http.get("/api/submissions/campaigns", params={"q": INDEX_TITLE},
                               headers=so_admin).json()["items"]
        (report,) = http.get("/api/submissions/submissions", params={"campaign_id": campaign["id"]},
                             headers=so_admin).json()["items"]
        index = http.get(f"/api/scoring/submissions/{report['submission_id']}/authority-index", headers=so_admin)
        sheet = http.get(f"/api/scoring/submissions/{report['submission_id']}/scores", headers=so_admin).json()
        bo = http.get("/api/identity/units", params={"code": "BGDDT"}, headers=system.login("cds.bo@moet.gov.vn"))

    assert campaign["issuer_unit_id"] == bo.json()["items"][0]["id"]  # the Bộ asked, the Sở answers
    assert index.status_code == 200, index.text
    figures = {c["code"]: c for c in index.json()["criteria"]}
    levels = {row["unit_name"]: row["classification"] for rows in published.values() for row in rows}
    at_2 = sorted(name for name, level in levels.items() if level in AT_LEVEL_2_OR_ABOVE)
    assert len(published[TITLE]) == 3 and len(levels) > 3  # this year's three, and last year's others
    assert 0 < len(at_2) < len(levels)  # Hoa Sen is at Mức 1 this year: the figure is not everyone
    count, share = figures["B.1"], figures["B.2"]
    assert (count["value"], count["counted_units"], count["total_units"]) == (len(at_2), len(at_2), len(levels))
    assert share["value"] == len(at_2) / len(levels)
    # the schools behind the figure: every published school, marked counted or not
    assert {u["unit_name"]: (u["classification"], u["counted"]) for u in count["units"]} == {
        name: (level, level in AT_LEVEL_2_OR_ABOVE) for name, level in levels.items()}
    # filled into the Sở's self-assessment, the basis in the note
    saved = {c["code"]: c["self_score"] for c in sheet["criteria"]}
    assert saved["B.1"]["points"] == len(at_2)
    assert saved["B.2"]["points"] == round(40 * len(at_2) / len(levels), 2)
    assert f"{len(at_2)}/{len(levels)} đơn vị trực thuộc" in saved["B.1"]["note"]
    assert INDEX_TITLE in output_of(system)  # the banner names it
