"""Issue 20's must-shows end to end: through the gateway only, with the demo's real accounts, on identity's real
reorganisations (their `unit.changed` events reach submissions and scoring over HTTP, as in `make run`).

The module runs a system of its own: it moves a school and merges a Sở, which the other e2e modules' shared
demo must not see."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import E2E_SCHEMA_PREFIX, RunningSystem, embedded_system, output_of
from tests.e2e.year_end_scenario import NEEDS_EVIDENCE, _approve, _scoring_learned, _sheet, _submit
from tests.evidence.samples import pdf_bytes
from tests.scoring.test_rubric_rules import SEED_004_MAXIMA
from tests.submissions.builders import FULL_ANSWERS, SEED_004_DEFINITION

SYSTEM_ADMIN = "admin@edudx.vn"
SO_ADMIN = "cntt.so@vinhlong.edu.vn"
SO_REVIEWER = "thamdinh.so@vinhlong.edu.vn"
COMMUNE_OFFICIAL = "vhxh.longphuoc@vinhlong.gov.vn"
LONG_PHUOC = "29275"  # the commune (UBND xã) of that official
SIGNED_SCHOOL = "86704001"  # the demo's submitted (and signed) report: an open submission
NEW_PASSWORD = "Ke-hoach-CDS-2026!"


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSystem]:
    with embedded_system(tmp_path_factory.mktemp("reorganisation"),
                         schema_prefix=f"{E2E_SCHEMA_PREFIX}reorg_", start_timeout=300) as running:
        yield running


@pytest.fixture(scope="module")
def http(system: RunningSystem) -> Iterator[httpx.Client]:
    with system.client() as client:
        yield client


def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, f"{response.request.method} {response.request.url}: {response.text}"
    return response.json() if response.content else None


def _refused_in_vietnamese(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code in (403, 404), f"{response.request.url}: {response.status_code} {response.text}"
    assert response.headers["content-type"].startswith("application/problem+json")
    problem: dict[str, Any] = response.json()
    assert problem["code"] and problem["title"]
    assert re.search(r"[àáảãạăâđêôơưẩậắằặếềểễệốồổộớờởợứừửữựíìỉịúùủụýỳ]", problem["title"] + problem.get("detail", ""),
                     re.IGNORECASE), problem
    return problem


def _eventually(check: Callable[[], bool], what: str, within: float = 60) -> None:
    """Events travel through the outboxes after the commit: wait for their effect, not for a time."""
    deadline = time.monotonic() + within
    while not check():
        assert time.monotonic() < deadline, f"not seen within {within}s: {what}"
        time.sleep(0.3)


def _unit(http: httpx.Client, headers: dict[str, str], code: str) -> dict[str, Any]:
    return dict(_ok(http.get("/api/identity/units/lookup", params={"code": code}, headers=headers)))


@pytest.fixture(scope="module")
def demo(system: RunningSystem, http: httpx.Client) -> dict[str, Any]:
    """The Sở's published campaign the demo seeds for its schools (seed 004, the signed report's campaign),
    found before the tests here publish campaigns of their own."""
    headers = system.login(SO_ADMIN)
    so = _unit(http, headers, "SGD-VL")
    items = _ok(http.get("/api/submissions/campaigns", params={"limit": 100}, headers=headers))["items"]
    open_ones = [c for c in items if c["issuer_unit_id"] == so["id"] and c["status"] == "published"]
    assert len(open_ones) == 1, items
    return dict(_ok(http.get(f"/api/submissions/campaigns/{open_ones[0]['id']}", headers=headers)))


def _reorganise(http: httpx.Client, headers: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    prepared = _ok(http.post("/api/identity/reorganisations", json=body, headers=headers), 201)
    return dict(_ok(http.post(f"/api/identity/reorganisations/{prepared['id']}/confirm", headers=headers)))


def _new_account(system: RunningSystem, http: httpx.Client, admin: dict[str, str], email: str, full_name: str,
                 unit_id: str, role: str) -> dict[str, str]:
    """An account as a person gets one: invited, the link (in the embedded run's log) used to set a password."""
    _ok(http.post("/api/identity/users", json={"email": email, "full_name": full_name, "unit_id": unit_id,
                                               "roles": [role]}, headers=admin), 201)
    pattern = re.compile(r"dat-mat-khau\?token=([A-Za-z0-9_\-.~%]+)")
    tokens: list[str] = []

    def invited() -> bool:
        tokens[:] = [m.group(1) for line in output_of(system).splitlines() if email in line
                     for m in pattern.finditer(line)]
        return bool(tokens)

    _eventually(invited, f"the invitation to {email}")
    _ok(http.post("/api/identity/auth/password-reset/confirm", json={"token": tokens[-1],
                                                                     "new_password": NEW_PASSWORD}), 204)
    return system.login(email, NEW_PASSWORD)


def _new_department(http: httpx.Client, admin: dict[str, str], code: str, name: str) -> dict[str, Any]:
    return dict(_ok(http.post("/api/identity/units", json={"code": code, "name": name, "type": "department",
                                                          "parent_id": None}, headers=admin), 201))


def test_the_so_sees_its_campaign_by_commune_and_by_level(system: RunningSystem, http: httpx.Client,
        demo: dict[str, Any]) -> None:
    so_admin = system.login(SO_ADMIN)
    campaign = demo
    status = f"/api/submissions/campaigns/{campaign['id']}/status"
    targets = _ok(http.get(f"/api/submissions/campaigns/{campaign['id']}/targets", params={"limit": 1},
                           headers=so_admin))["total"]
    assert targets > 0
    for group_by in ("commune", "level"):
        view = _ok(http.get(status, params={"group_by": group_by}, headers=so_admin))
        assert view["group_by"] == group_by
        assert view["totals"]["targets"] == targets
        groups = view["groups"]
        assert len(groups) > 1, groups
        if group_by == "commune":  # each target in exactly one commune (or none): the groups add up
            assert sum(g["targets"] for g in groups) == targets
            assert any(g["label"].startswith(("UBND", "Xã", "Phường")) or "xã" in g["label"].lower()
                       for g in groups), groups
        else:  # a TH&THCS school counts once, in its set of levels
            assert sum(g["targets"] for g in groups) == targets
            assert all(g["label"] for g in groups)


def test_a_commune_official_follows_its_schools_read_only(system: RunningSystem, http: httpx.Client,
        demo: dict[str, Any]) -> None:
    so_admin, official = system.login(SO_ADMIN), system.login(COMMUNE_OFFICIAL)
    commune = _unit(http, so_admin, LONG_PHUOC)
    campaign = demo

    owned = _ok(http.get("/api/identity/units", params={"commune_id": commune["id"], "limit": 200},
                         headers=official))["items"]
    owned_ids = {u["id"] for u in owned}
    assert owned_ids and all(u["commune"]["id"] == commune["id"] for u in owned)

    view = _ok(http.get(f"/api/submissions/campaigns/{campaign['id']}/status",
                        params={"group_by": "commune", "limit": 200}, headers=official))
    seen = {t["unit_id"] for t in view["targets"]["items"]}
    assert seen and seen <= owned_ids
    assert view["totals"]["targets"] == len(seen)

    signed = _unit(http, so_admin, SIGNED_SCHOOL)
    assert signed["id"] in owned_ids  # the demo's submitted report belongs to a school of Long Phước
    line = next(t for t in view["targets"]["items"] if t["unit_id"] == signed["id"])
    submission_id = line["submission_id"]
    assert submission_id
    assert _ok(http.get(f"/api/submissions/submissions/{submission_id}", headers=official))["id"] == submission_id

    for action, body in (("return", {"reasons": {"general": "Bổ sung minh chứng"}}),
                         ("approve", {"confirm_unit_name": signed["name"], "confirm_final_score": 0,
                                      "accept_self_scores": True}),
                         ("start-review", {})):
        _refused_in_vietnamese(http.post(f"/api/submissions/submissions/{submission_id}/{action}", json=body,
                                         headers=official))
    _refused_in_vietnamese(http.patch(f"/api/identity/units/{signed['id']}", json={"phone": "0270 3822 000"},
                                      headers=official))


def _submitted(http: httpx.Client, campaign_id: str, principal: dict[str, str]) -> str:
    """The school writes its report and its principal submits it; the submission's id."""
    draft = _ok(http.post(f"/api/submissions/campaigns/{campaign_id}/submissions", headers=principal))
    saved = http.patch(f"/api/submissions/submissions/{draft['id']}", json={"values": FULL_ANSWERS},
                       headers={**principal, "If-Match": f'"{draft["version"]}"'})
    _ok(saved)
    _ok(http.post(f"/api/submissions/submissions/{draft['id']}/submit", json={},
                  headers={**principal, "If-Match": saved.headers["etag"]}))
    return str(draft["id"])


def _campaign_body(school_year_id: str, targets: dict[str, Any], **fields: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {"title": "Báo cáo ứng dụng CNTT năm học (kiểm thử sắp xếp đơn vị)", "kind": "year_end_report",
            "school_year_id": school_year_id, "opens_at": (now - timedelta(days=1)).isoformat(),
            "due_at": (now + timedelta(days=14)).isoformat(), "outline": SEED_004_DEFINITION,
            "targets": targets, **fields}


def test_moving_a_school_hands_its_open_submission_to_the_new_manager(system: RunningSystem, http: httpx.Client,
        demo: dict[str, Any]) -> None:
    """A two-level campaign of the Sở: the authority managing the school receives and forwards its report.
    The school moves from one managing authority to another while its report is under review there."""
    admin, so_admin = system.login(SYSTEM_ADMIN), system.login(SO_ADMIN)
    so = _unit(http, so_admin, "SGD-VL")
    authorities = [_ok(http.post("/api/identity/units", json={
        "code": code, "name": name, "type": "district_office", "parent_id": so["id"]}, headers=admin), 201)
        for code, name in (("PGD-E2E-CU", "Phòng Giáo dục và Đào tạo Kiểm thử Cũ"),
                           ("PGD-E2E-MOI", "Phòng Giáo dục và Đào tạo Kiểm thử Mới"))]
    school = _ok(http.post("/api/identity/units", json={
        "code": "99902001", "name": "Trường Tiểu học Chuyển Đến", "type": "school", "education_levels": ["tieu_hoc"],
        "parent_id": authorities[0]["id"]}, headers=admin), 201)
    former = _new_account(system, http, admin, "thamdinh.cu@edudx.vn", "Đỗ Văn Cũ", authorities[0]["id"], "reviewer")
    current = _new_account(system, http, admin, "thamdinh.moi@edudx.vn", "Ngô Thị Mới", authorities[1]["id"],
                           "reviewer")
    principal = _new_account(system, http, admin, "hieutruong.chuyenden@edudx.vn", "Bùi Văn Đến", school["id"],
                             "principal")
    campaign = _ok(http.post("/api/submissions/campaigns", json=_campaign_body(
        demo["school_year_id"], {"unit_ids": [school["id"]]}, two_level_review=True), headers=so_admin), 201)
    _ok(http.post(f"/api/submissions/campaigns/{campaign['id']}/publish", json={}, headers=so_admin))
    submission = f"/api/submissions/submissions/{_submitted(http, campaign['id'], principal)}"
    _ok(http.post(f"{submission}/start-review", json={}, headers=former))  # the former manager takes part

    reorganised = _reorganise(http, admin, {"kind": "move_unit", "unit_id": school["id"],
                                            "new_parent_id": authorities[1]["id"],
                                            "note": "Chuyển trường sang đơn vị quản lý khác (kiểm thử)"})
    assert reorganised["status"] == "confirmed"

    _eventually(lambda: http.get(submission, headers=current).status_code == 200,
                "the new manager seeing the moved school's submission")
    # The former manager still reads what it reviewed, and acts no more.
    assert _ok(http.get(submission, headers=former))["status"] == "under_review"
    _refused_in_vietnamese(http.post(f"{submission}/forward", json={}, headers=former))
    _refused_in_vietnamese(http.post(f"{submission}/return", json={"reasons": {"general": "Bổ sung minh chứng"}},
                                     headers=former))
    # The new manager acts: it forwards the report to the Sở, which returns it.
    _ok(http.post(f"{submission}/forward", json={}, headers=current))
    _ok(http.post(f"{submission}/return", json={"reasons": {"general": "Bổ sung minh chứng về kế hoạch CĐS"}},
                  headers=so_admin))
    assert _ok(http.get(submission, headers=former))["status"] == "returned"


def test_merging_a_so_keeps_its_campaigns_and_published_results(system: RunningSystem, http: httpx.Client,
        demo: dict[str, Any]) -> None:
    admin, so_admin = system.login(SYSTEM_ADMIN), system.login(SO_ADMIN)
    so = _unit(http, so_admin, "SGD-VL")
    demo_rubric = demo["rubric_id"]
    department = _new_department(http, admin, "SGD-E2E-MERGE", "Sở Giáo dục và Đào tạo Hợp Nhất")
    school = _ok(http.post("/api/identity/units", json={
        "code": "99901001", "name": "Trường Tiểu học Hợp Nhất", "type": "school", "education_levels": ["tieu_hoc"],
        "parent_id": department["id"]}, headers=admin), 201)
    their_admin = _new_account(system, http, admin, "cntt.hopnhat@edudx.vn", "Võ Văn Hợp", department["id"],
                               "authority_admin")
    principal = _new_account(system, http, admin, "hieutruong.hopnhat@edudx.vn", "Lý Thị Hợp", school["id"],
                             "principal")
    campaign = _ok(http.post("/api/submissions/campaigns", json=_campaign_body(
        demo["school_year_id"], {"unit_types": ["school"]}, rubric_id=demo_rubric), headers=their_admin), 201)
    assert campaign["issuer_unit_id"] == department["id"]
    _ok(http.post(f"/api/submissions/campaigns/{campaign['id']}/publish", json={}, headers=their_admin))
    # The school reports, with its evidence and self-scores; its Sở approves and publishes the results.
    draft = _ok(http.post(f"/api/submissions/campaigns/{campaign['id']}/submissions", headers=principal))
    submission_id = draft["id"]
    _ok(http.post("/api/evidence/files", headers=principal,
                  data={"submission_id": submission_id, "criterion_codes": ",".join(NEEDS_EVIDENCE)},
                  files={"file": ("Kế hoạch CNTT.pdf", pdf_bytes(), "application/pdf")}), 201)
    _ok(http.patch(f"/api/scoring/submissions/{submission_id}/self-scores", headers=principal, json={"scores": [
        {"criterion_code": code, "points": points, "note": "Đã thực hiện đầy đủ"}
        for code, points in SEED_004_MAXIMA.items()]}))
    _submit(http, submission_id, principal, principal)
    _sheet(http, submission_id, their_admin, "submitted")
    _approve(http, submission_id, their_admin)
    _scoring_learned(http, campaign["id"], submission_id, their_admin, "approved")
    published = _ok(http.post(f"/api/scoring/campaigns/{campaign['id']}/results/publish", headers=their_admin))
    assert [r["unit_name"] for r in published["items"]] == [school["name"]]

    _reorganise(http, admin, {"kind": "merge_departments", "surviving_unit_id": so["id"],
                              "absorbed_unit_ids": [department["id"]], "note": "Hợp nhất Sở (kiểm thử)"})

    def listed() -> bool:
        items = _ok(http.get("/api/submissions/campaigns", params={"limit": 100}, headers=so_admin))["items"]
        return any(c["id"] == campaign["id"] for c in items)

    _eventually(listed, "the absorbed Sở's campaign in the surviving Sở's list")
    view = _ok(http.get(f"/api/submissions/campaigns/{campaign['id']}/status", headers=so_admin))
    assert (view["totals"]["targets"], view["totals"]["approved"]) == (1, 1)
    assert _ok(http.get(f"/api/submissions/submissions/{submission_id}", headers=so_admin))["status"] == "approved"
    published_path = f"/api/scoring/campaigns/{campaign['id']}/results/published"
    _eventually(lambda: http.get(published_path, headers=so_admin).status_code == 200,
                "scoring applying the merge to the published results' readers")
    results = _ok(http.get(published_path, headers=so_admin))
    assert [(r["unit_name"], r["final_total"]) for r in results["items"]] == [
        (school["name"], published["items"][0]["final_total"])]
    # The school's principal still reads its report and its published result under the surviving Sở.
    assert _ok(http.get(f"/api/submissions/submissions/{submission_id}", headers=principal))["id"] == submission_id
    assert _ok(http.get(f"/api/scoring/submissions/{submission_id}/scores", headers=principal))["final_total"]
