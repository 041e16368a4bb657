"""A school's report through the gateway, on the demo campaign the run command publishes."""

from __future__ import annotations

from tests.e2e.conftest import RunningSystem, output_of
from tests.submissions.builders import FULL_ANSWERS


def test_demo_campaign_drafted_submitted_and_seen_by_the_so(system: RunningSystem) -> None:
    officer = system.login("cntt.hoabinh@vinhlong.edu.vn")
    principal = system.login("hieutruong.hoabinh@vinhlong.edu.vn")
    so_admin = system.login("cntt.so@vinhlong.edu.vn")
    other_school = system.login("hieutruong.longphuoc@vinhlong.edu.vn")
    with system.client() as http:
        campaigns = http.get("/api/submissions/campaigns", headers=officer).json()
        campaign = campaigns["items"][0]
        draft = http.post(f"/api/submissions/campaigns/{campaign['id']}/submissions", headers=officer).json()
        saved = http.patch(f"/api/submissions/submissions/{draft['id']}", json={"values": FULL_ANSWERS},
                           headers={**officer, "If-Match": f'"{draft["version"]}"'})
        submit_url = f"/api/submissions/submissions/{draft['id']}/submit"
        unscored = http.post(submit_url, json={}, headers={**principal, "If-Match": saved.headers["etag"]})
        rubric_id = http.get(f"/api/submissions/campaigns/{campaign['id']}", headers=officer).json()["rubric_id"]
        rubric = http.get(f"/api/scoring/rubrics/{rubric_id}", headers=officer).json()
        codes = [c["code"] for g in rubric["definition"]["groups"] for c in g["criteria"]]
        scored = http.patch(f"/api/scoring/submissions/{draft['id']}/self-scores", headers=officer,
                            json={"scores": [{"criterion_code": code, "points": 0} for code in codes]})
        submitted = http.post(submit_url, json={}, headers={**principal, "If-Match": saved.headers["etag"]})
        seen_by_so = http.get(f"/api/submissions/submissions/{draft['id']}", headers=so_admin)
        hidden_from_other_school = http.get(f"/api/submissions/submissions/{draft['id']}", headers=other_school)
        targets = http.get(f"/api/submissions/campaigns/{campaign['id']}/targets", headers=so_admin).json()

    assert "Đợt báo cáo mẫu" in output_of(system)
    assert campaigns["total"] == 1 and campaign["status"] == "published"
    assert saved.status_code == 200, saved.text
    # Through the gateway, submissions asks scoring (service token) which criteria are not self-scored yet.
    assert (unscored.status_code, unscored.json()["code"]) == (422, "incomplete_submission")
    # (the demo school's draft is shared by the e2e tests of this system: another test may have scored a few)
    refused_for = unscored.json()["extra"]["criteria"]
    assert refused_for and set(refused_for) <= set(codes) and len(codes) == 21
    assert scored.status_code == 200, scored.text
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
    assert seen_by_so.status_code == 200 and "start_review" in seen_by_so.json()["allowed_actions"]
    assert hidden_from_other_school.status_code == 404
    assert {t["unit_code"] for t in targets["items"]} >= {"86703001", "86702001", "86704001"}
