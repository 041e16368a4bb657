"""The embedded run's archived Phòng keeps its last year (scripts/demo_last_year.py), read through the gateway:
Phòng Long Hồ issued, assessed, published and closed its 2024-2025 QĐ 4725 campaign, then was archived by a real
reorganisation (1/7/2025) that moved its schools to the Sở. The Sở reads the campaign and its published results,
each school's principal its own; the Phòng's accounts are stopped and nobody can act on the closed campaign."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.e2e.conftest import RunningSystem, output_of

TITLE = "Tự đánh giá mức độ chuyển đổi số năm học 2024-2025"
SO_ADMIN = "cntt.so@vinhlong.edu.vn"
SO_REVIEWER = "thamdinh.so@vinhlong.edu.vn"
SCHOOLS = {"86701001": ("Trường Mầm non Hoa Sen", "hieutruong.hoasen@vinhlong.edu.vn"),
           "86702002": ("Trường Tiểu học Hòa Phú", "hieutruong.hoaphu@vinhlong.edu.vn"),
           "86702003": ("Trường Tiểu học Phú Đức", "hieutruong.phuduc@vinhlong.edu.vn")}
OFFICE_ACCOUNTS = ("cntt.longho@vinhlong.edu.vn", "xem.longho@vinhlong.edu.vn")


def _ok(response: httpx.Response) -> Any:
    assert response.status_code == 200, f"{response.request.method} {response.request.url}: {response.text}"
    return response.json()


def _unit(http: httpx.Client, headers: dict[str, str], code: str) -> dict[str, Any]:
    return dict(_ok(http.get("/api/identity/units/lookup", params={"code": code}, headers=headers)))


def _refused(response: httpx.Response) -> None:
    assert response.status_code in (403, 409, 422), f"{response.request.url}: {response.status_code} {response.text}"
    assert response.headers["content-type"].startswith("application/problem+json")


# The shared demo system may start within this test (about 4 min on a loaded machine): more than the usual 300 s.
@pytest.mark.timeout(900)
def test_the_archived_phong_s_last_year_stays_readable_and_closed(system: RunningSystem) -> None:
    so_admin = system.login(SO_ADMIN)
    with system.client() as http:
        so, office = _unit(http, so_admin, "SGD-VL"), _unit(http, so_admin, "PGD-LH")
        (campaign,) = _ok(http.get("/api/submissions/campaigns", params={"q": TITLE}, headers=so_admin))["items"]
        cid = campaign["id"]
        published = _ok(http.get(f"/api/scoring/campaigns/{cid}/results/published", headers=so_admin))
        schools = {code: _unit(http, so_admin, code) for code in SCHOOLS}
        reorganisations = _ok(http.get("/api/identity/reorganisations", params={"status": "confirmed"},
                                       headers=system.login("admin@edudx.vn")))["items"]

        # Issued by the Phòng before the reform; the Phòng is archived where it was, under the Sở, whose admins
        # now own what it issued; its schools sit directly under the Sở.
        assert campaign["issuer_unit_id"] == office["id"] and campaign["status"] == "closed"
        assert office["active"] is False and office["parent_id"] == so["id"]
        assert office["ancestor_ids"] == [*so["ancestor_ids"], so["id"]]
        assert all(school["parent_id"] == so["id"] for school in schools.values())
        archive = [r for r in reorganisations if r["kind"] == "archive_office" and r["params"].get("unit_id")
                   == office["id"]]
        assert len(archive) == 1 and archive[0]["effective_date"] == "2025-07-01"

        # The Sở reads the published results: each school's class and score.
        rows = {row["unit_id"]: row for row in published["items"]}
        assert published["campaign_title"] == TITLE and published["school_year"] == "2024-2025"
        assert set(rows) == {school["id"] for school in schools.values()}
        for code, (name, _) in SCHOOLS.items():
            row = rows[schools[code]["id"]]
            assert row["unit_name"] == name
            assert row["classification"] and row["classification"].startswith("Mức ")
            assert 0 < row["final_total"] <= row["max_total"]

        # Each principal reads their own school's report and published result.
        for code, (_, email) in SCHOOLS.items():
            principal = system.login(email)
            (submission,) = _ok(http.get("/api/submissions/submissions", params={"campaign_id": cid},
                                         headers=principal))["items"]
            sheet = _ok(http.get(f"/api/scoring/submissions/{submission['submission_id']}/scores",
                                 headers=principal))
            assert submission["status"] == "approved"
            assert sheet["results_published"] is True
            assert sheet["final_total"] == rows[schools[code]["id"]]["final_total"]

        # The Phòng's former accounts are stopped.
        for email in OFFICE_ACCOUNTS:
            refused = system.sign_in(email)
            assert refused.status_code == 401, refused.text

        # Nobody acts on the closed campaign any more: no change to a report, no return, no new review score,
        principal = system.login(SCHOOLS["86701001"][1])
        (listed,) = _ok(http.get("/api/submissions/submissions", params={"campaign_id": cid},
                                 headers=principal))["items"]
        sid = listed["submission_id"]
        report = _ok(http.get(f"/api/submissions/submissions/{sid}", headers=principal))
        assert report["allowed_actions"] == []
        _refused(http.patch(f"/api/submissions/submissions/{sid}", json={"values": {"ghi_chu": "Sửa sau khi đóng"}},
                            headers={**principal, "If-Match": f'"{report["version"]}"'}))
        _refused(http.post(f"/api/submissions/submissions/{sid}/return", headers=system.login(SO_REVIEWER),
                           json={"reasons": {"general": "Trả lại sau khi đóng"}}))
        _refused(http.patch(f"/api/scoring/submissions/{sid}/review-scores", headers=system.login(SO_REVIEWER),
                            json={"scores": [{"criterion_code": "I.4", "points": 1, "comment": "Sửa sau khi đóng"}]}))
        _refused(http.post(f"/api/submissions/campaigns/{cid}/publish", headers=so_admin))
        # nor on its published results: not published again, not withdrawn, no ranking change
        for refused in (http.post(f"/api/scoring/campaigns/{cid}/results/publish", headers=so_admin),
                        http.delete(f"/api/scoring/campaigns/{cid}/results/publication", headers=so_admin),
                        http.put(f"/api/scoring/campaigns/{cid}/results/settings", headers=so_admin,
                                 json={"ranking_enabled": False})):
            _refused(refused)
            assert refused.json()["code"] == "campaign_closed", refused.text
        assert _ok(http.get(f"/api/scoring/campaigns/{cid}/results/published", headers=so_admin))["items"]
    assert TITLE in output_of(system)  # the banner names the Phòng's cycle
