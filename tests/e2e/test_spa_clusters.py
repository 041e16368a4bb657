"""The Sở's clusters screen (`/admin/clusters`) in a real browser (`frontend/e2e/journeys/a11y.spec.mjs`, phase
"clusters"): the
Sở admin creates a cluster and adds two schools found by a search without diacritics; each screen passes axe-core
at 1366 and 375 px. Then the archived Phòng's 2024-2025 results (scripts/demo_last_year.py) open in the Sở's
results screen. What the browser did is checked through the API.

Runs on the shared demo system: the two schools added are upper-secondary ones, in no other cluster and no demo
campaign's targets, so the other modules' views of the demo do not change."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.e2e.conftest import RunningSystem
from tests.e2e.journeys import FRONTEND
from tests.e2e.journeys import missing as _missing
from tests.e2e.test_spa_a11y import _run_phase
from tests.e2e.test_spa_browser import SCREENSHOTS
from tests.support import on_postgres

SO_ADMIN = "cntt.so@vinhlong.edu.vn"
CODE, NAME = "CUM-THPT", "Cụm 3 – Trung học phổ thông"
SCHOOLS = ["Trường THPT Lưu Văn Liệt", "Trường THPT Nguyễn Thông"]
LAST_YEAR = "Tự đánh giá mức độ chuyển đổi số năm học 2024-2025"
OUT = SCREENSHOTS / "clusters"


@pytest.mark.timeout(900)
def test_the_so_creates_a_cluster_and_adds_two_schools_in_the_browser(system: RunningSystem, tmp_path: Path) -> None:
    if on_postgres() and os.environ.get("EDUDX_SPA_BROWSER_ON_POSTGRES") != "1":
        pytest.skip("the browser checks run on the SQLite pass")
    if (missing := _missing()) is not None:
        pytest.skip(missing)
    if not (FRONTEND / "node_modules" / "axe-core").exists():
        pytest.skip("axe-core is not installed (make spa)")
    shutil.rmtree(OUT, ignore_errors=True)
    admin = system.login(SO_ADMIN)
    with system.client() as http:
        (last_year,) = http.get("/api/submissions/campaigns", params={"q": LAST_YEAR}, headers=admin).json()["items"]
    _run_phase(system, "clusters", tmp_path / "clusters.json", out=str(OUT), cluster_code=CODE, cluster_name=NAME,
               school_search="thpt", school_names="|".join(SCHOOLS), last_year_campaign_id=last_year["id"],
               last_year_school="Trường Tiểu học Phú Đức")

    with system.client() as http:
        clusters = http.get("/api/identity/clusters", headers=admin).json()["items"]
        (made,) = [c for c in clusters if c["code"] == CODE]
        members = http.get("/api/identity/units", params={"cluster_id": made["id"]}, headers=admin).json()["items"]
    assert made["name"] == NAME and made["active"] is True
    assert sorted(u["name"] for u in members) == SCHOOLS
    shots = {p.name for p in OUT.glob("*.png")}
    for screen in ("a11y-23-clusters", "a11y-25-cluster-add", "a11y-26-cluster-members",
                   "a11y-27-archived-office-results"):
        assert {f"{screen}-desktop.png", f"{screen}-375.png"} <= shots, sorted(shots)
