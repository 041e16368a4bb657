"""The reviewer's workbench in a real browser (`frontend/e2e/journeys/workbench.spec.mjs`): a Sở reviewer clears a queue
of 30 submitted reports with two bulk actions (a return, undone once within its window, then done; an approval) and
"Tiếp theo" after each decision, one approval refused by a guard (evidence not looked at) with its reason shown;
then the Sở admin publishes the results, and the publish dialog's warning counts and names the schools not fully
reviewed, not approved and late — checked here against the campaign's state read through the API.

The 30 schools, their campaign (scored with a small rubric; its deadline already past, every school but three
given an extension, so those three submit late) and their submitted, self-scored reports are made here through the
API, as a Sở admin acting for each school; the state after the browser is checked through the API too.
Screenshots at 1366 and 375 px go to `var/screenshots/workbench/` (git-ignored).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from submissions.outlines.seed import SEED_004_DEFINITION
from tests.e2e.conftest import RunningSystem, embedded_system, output_of
from tests.e2e.journeys import missing as _missing
from tests.e2e.journeys import run_journeys
from tests.e2e.test_spa_browser import RESULTS, SCREENSHOTS
from tests.submissions.builders import FULL_ANSWERS
from tests.support import on_postgres

SO_ADMIN = "cntt.so@vinhlong.edu.vn"
REPORTS = 30
GUARDED = "Trường THCS Bàn Làm Việc 07"
LATE = {3, 14, 22}  # the schools without an extension: their reports come after the deadline
RUBRIC = {
    "title": "Tiêu chí thẩm định hàng loạt (thử)", "mode": "total_bands", "max_total": 10, "step": 0.5,
    "bands": [{"label": "Chưa đạt", "max": 5}, {"label": "Đạt", "min": 5, "max": 10, "max_inclusive": True}],
    "groups": [{"code": "A", "title": "Ứng dụng công nghệ thông tin", "max_points": 10, "criteria": [
        {"code": "A.1", "text": "Kế hoạch ứng dụng CNTT của trường", "max_points": 5},
        {"code": "A.2", "text": "Hồ sơ điện tử của học sinh", "max_points": 5}]}],
}


@pytest.fixture(scope="module")
def workbench_system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSystem]:
    """Its own system: the board's counts are asserted, so no other test's campaign may share it. Start-up on a
    loaded shared machine (migrations of five services) takes minutes."""
    with embedded_system(tmp_path_factory.mktemp("workbench"), start_timeout=600) as running:
        yield running


def _ok(response: object, status: int = 200) -> dict[str, object]:
    assert response.status_code == status, response.text  # type: ignore[attr-defined]
    return response.json()  # type: ignore[attr-defined, no-any-return]


def _prepare(system: RunningSystem) -> str:
    """30 schools under the Sở, a published campaign for them, every report submitted (one with a link as
    evidence, not yet looked at). Returns the campaign's id."""
    admin = system.login(SO_ADMIN)
    with system.client() as http:
        so = _ok(http.get("/api/identity/me", headers=admin))["unit_id"]
        stamp = datetime.now(UTC).strftime("%H%M%S")
        units = [_ok(http.post("/api/identity/units", headers=admin, json={
            "code": f"BLV{stamp}{i:02d}", "name": f"Trường THCS Bàn Làm Việc {i:02d}", "type": "school",
            "education_levels": ["thcs"], "parent_id": so}), 201)["id"] for i in range(1, REPORTS + 1)]
        years = http.get("/api/submissions/school-years", headers=admin)
        assert years.status_code == 200, years.text
        year = years.json()["items"][0]["id"]
        now = datetime.now(UTC)
        rubric = _ok(http.post("/api/scoring/rubrics", headers=admin, json=RUBRIC), 201)
        campaign = _ok(http.post("/api/submissions/campaigns", headers=admin, json={
            "title": "Báo cáo tổng kết ứng dụng CNTT — thẩm định hàng loạt", "kind": "year_end_report",
            "school_year_id": year, "opens_at": (now - timedelta(days=5)).isoformat(),
            "due_at": (now - timedelta(hours=1)).isoformat(), "outline": SEED_004_DEFINITION,
            "rubric_id": rubric["id"], "targets": {"unit_ids": units}}), 201)
        _ok(http.post(f"/api/submissions/campaigns/{campaign['id']}/publish", headers=admin))
        for i, unit_id in enumerate(units, start=1):
            if i not in LATE:
                _ok(http.put(f"/api/submissions/campaigns/{campaign['id']}/targets/{unit_id}/extension",
                             headers=admin, json={"days": 5, "reason": "Trường đề nghị gia hạn"}))
            draft = _ok(http.post(f"/api/submissions/campaigns/{campaign['id']}/submissions", headers=admin,
                                  params={"unit_id": unit_id}))
            _ok(http.patch(f"/api/scoring/submissions/{draft['id']}/self-scores", headers=admin, json={"scores": [
                {"criterion_code": "A.1", "points": 2 + i % 4}, {"criterion_code": "A.2", "points": 1 + i % 5}]}))
            saved = _ok(http.patch(f"/api/submissions/submissions/{draft['id']}", headers=admin,
                                   json={"values": FULL_ANSWERS, "base_version": draft["version"]}))
            if i == 7:
                _ok(http.post("/api/evidence/links", headers=admin, json={
                    "submission_id": draft["id"], "url": "https://banlamviec07.edu.vn/chuyen-doi-so",
                    "title": "Trang chuyển đổi số của trường"}), 201)
            _ok(http.post(f"/api/submissions/submissions/{draft['id']}/submit", headers=admin,
                          json={"base_version": saved["version"]}))
    return str(campaign["id"])


@pytest.mark.timeout(2700)
@pytest.mark.skipif(on_postgres() and not os.environ.get("EDUDX_SPA_BROWSER_ON_POSTGRES"),
                    reason="the browser flow runs on the SQLite pass")
def test_a_reviewer_clears_a_queue_of_30_reports(workbench_system: RunningSystem) -> None:
    system = workbench_system
    if (missing := _missing()) is not None:
        pytest.skip(missing)
    campaign_id = _prepare(system)
    out = SCREENSHOTS / "workbench"
    shutil.rmtree(out, ignore_errors=True)

    run = run_journeys(["workbench.spec.mjs"], {"base-url": system.gateway, "campaign-id": campaign_id,
                                                 "reports": str(REPORTS), "guarded": GUARDED, "publisher": SO_ADMIN,
                                                 "out": str(out)},
                       results=RESULTS / "workbench", timeout=2000)
    print(run.output)
    assert not run.failed, f"{run.report()}\n--- system log ---\n{output_of(system)[-3000:]}"

    admin = system.login(SO_ADMIN)
    with system.client() as http:
        status = _ok(http.get(f"/api/submissions/campaigns/{campaign_id}/status", headers=admin,
                              params={"limit": 50}))
        waiting = _ok(http.get(f"/api/submissions/campaigns/{campaign_id}/status", headers=admin,
                               params={"queue": "awaiting"}))
        published = _ok(http.get(f"/api/scoring/campaigns/{campaign_id}/results/published", headers=admin,
                                 params={"limit": 100}))
    assert status["totals"]["approved"] == REPORTS - 5 and status["totals"]["returned"] == 5
    assert waiting["targets"]["total"] == 0

    # The publish dialog, as the browser read it, against the campaign's state: the 5 returned schools are neither
    # approved nor fully reviewed (the approved ones were approved with every criterion marked: not "unscored"),
    # the three without an extension came late.
    rows = status["targets"]["items"]
    returned = sorted(r["unit_name"] for r in rows if r["workflow_status"] != "approved")
    late = sorted(r["unit_name"] for r in rows if (r["late_seconds"] or 0) > 0 or r["status"] == "overdue")
    assert late == sorted(f"Trường THCS Bàn Làm Việc {i:02d}" for i in LATE)
    shown = json.loads((out / "publish-warning.json").read_text(encoding="utf-8"))
    assert shown["counts"] == {"unscored": 5, "unapproved": 5, "late": 3}, shown
    assert sorted(shown["names"]["unscored"]) == returned and sorted(shown["names"]["unapproved"]) == returned
    assert sorted(shown["names"]["late"]) == late
    assert shown["warning"].startswith(f"Sẽ công bố kết quả của {REPORTS - 5}/{REPORTS} đơn vị.")
    assert published["total"] == REPORTS - 5
    assert not set(returned) & {r["unit_name"] for r in published["items"]}
    assert (out / "w5-approve-refused-by-guard-375.png").exists()
    assert (out / "w7-queue-cleared-1366.png").exists()
    assert (out / "w8-publish-warning-375.png").exists()
