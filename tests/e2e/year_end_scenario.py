"""The year-end scenario through the gateway, on the demo data a run script seeds: the Sở's published
campaign, a school fills its report, uploads evidence, self-scores and submits; the Sở reviews, returns,
the school corrects and resubmits, the Sở approves and publishes the results.

Written against `RunningSystem` only (HTTP through the gateway), so it runs on any topology that the run
scripts start on a fresh database. It needs the school's draft untouched: a system of its own.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.e2e.conftest import RunningSystem
from tests.evidence.samples import large_pdf
from tests.scoring.test_rubric_rules import SEED_004_MAXIMA
from tests.submissions.builders import FULL_ANSWERS

SCHOOL_OFFICER = "cntt.hoabinh@vinhlong.edu.vn"
PRINCIPAL = "hieutruong.hoabinh@vinhlong.edu.vn"
SO_ADMIN = "cntt.so@vinhlong.edu.vn"
# The criteria of seed 004 whose evidence column is filled: one PDF serves them all.
NEEDS_EVIDENCE = [c for c in SEED_004_MAXIMA if c not in ("1.1", "3.1")]


@dataclass
class ScenarioOutcome:
    campaign: dict[str, Any]
    submission_id: str
    evidence: dict[str, Any]
    # Request ids sent with the steps, for tests that follow them through the logs.
    request_ids: dict[str, str] = field(default_factory=dict)
    reviewed: dict[str, Any] = field(default_factory=dict)
    school_before_publication: dict[str, Any] = field(default_factory=dict)
    returned_view: dict[str, Any] = field(default_factory=dict)
    published: dict[str, Any] = field(default_factory=dict)
    final_view: dict[str, Any] = field(default_factory=dict)
    final_status: str = ""


def _ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, f"{response.request.method} {response.request.url}: {response.text}"
    return dict(response.json())


def _submit(http: httpx.Client, submission_id: str, officer: dict[str, str], principal: dict[str, str]) -> None:
    current = _ok(http.get(f"/api/submissions/submissions/{submission_id}", headers=officer))
    saved = http.patch(f"/api/submissions/submissions/{submission_id}", json={"values": FULL_ANSWERS},
                       headers={**officer, "If-Match": f'"{current["version"]}"'})
    _ok(saved)
    _ok(http.post(f"/api/submissions/submissions/{submission_id}/submit", json={},
                  headers={**principal, "If-Match": saved.headers["etag"]}))


def _sheet(http: httpx.Client, submission_id: str, headers: dict[str, str], status: str,
           within: float = 60) -> dict[str, Any]:
    """The school's score sheet once it shows the submission `status` (the sheet asks submissions for it)."""
    deadline = time.monotonic() + within
    while True:
        sheet = _ok(http.get(f"/api/scoring/submissions/{submission_id}/scores", headers=headers))
        if sheet["submission_status"] == status:
            return sheet
        assert time.monotonic() < deadline, f"the score sheet still shows {sheet['submission_status']}, not {status}"
        time.sleep(0.3)


def _scoring_learned(http: httpx.Client, campaign_id: str, submission_id: str, headers: dict[str, str],
                     status: str, within: float = 60) -> None:
    """Wait until scoring's own record of the submission (from the submissions service's events, which is what
    publishing uses) has `status`."""
    deadline = time.monotonic() + within
    while True:
        rows = _ok(http.get(f"/api/scoring/campaigns/{campaign_id}/results", headers=headers))["items"]
        known = [row["submission_status"] for row in rows if row["submission_id"] == submission_id]
        if known == [status]:
            return
        assert time.monotonic() < deadline, f"scoring still holds {known} for the submission, not {status}"
        time.sleep(0.3)


def _notified(http: httpx.Client, headers: dict[str, str], kind: str, within: float = 60) -> None:
    """Wait until the user's in-app feed holds a notification of `kind`."""
    deadline = time.monotonic() + within
    while True:
        items = _ok(http.get("/api/notifications/feed", headers=headers))["items"]
        if any(item["kind"] == kind for item in items):
            return
        assert time.monotonic() < deadline, f"no {kind} in the feed: {[item['kind'] for item in items]}"
        time.sleep(0.3)


def run_year_end(system: RunningSystem) -> ScenarioOutcome:
    officer, principal, so_admin = system.login(SCHOOL_OFFICER), system.login(PRINCIPAL), system.login(SO_ADMIN)
    with system.client() as http:
        campaign = _ok(http.get("/api/submissions/campaigns", headers=officer))["items"][0]
        draft = _ok(http.post(f"/api/submissions/campaigns/{campaign['id']}/submissions", headers=officer))
        submission_id = draft["id"]
        outcome = ScenarioOutcome(campaign=campaign, submission_id=submission_id, evidence={})

        # Evidence: the gateway → evidence, which asks submissions (and identity) whether the school may add it. A
        # scan of a few MB, as schools send: its head and the start of its body reach the gateway in one read (a
        # one-page PDF of 1 KB hid a 431 on every such upload).
        outcome.request_ids["upload"] = "e2e-upload-" + submission_id[:8]
        outcome.evidence = _ok(http.post(
            "/api/evidence/files", headers={**officer, "X-Request-ID": outcome.request_ids["upload"]},
            data={"submission_id": submission_id, "criterion_codes": ",".join(NEEDS_EVIDENCE)},
            files={"file": ("Kế hoạch CNTT.pdf", b"".join(large_pdf(3_000_000)), "application/pdf")}), 201)
        assert outcome.evidence["size"] > 2_900_000
        scores = f"/api/scoring/submissions/{submission_id}"
        _ok(http.patch(f"{scores}/self-scores", headers=officer, json={"scores": [
            {"criterion_code": code, "points": points, "note": "Đã thực hiện đầy đủ"}
            for code, points in SEED_004_MAXIMA.items()]}))
        _submit(http, submission_id, officer, principal)

        _sheet(http, submission_id, so_admin, "submitted")
        outcome.reviewed = _ok(http.patch(f"{scores}/review-scores", headers=so_admin, json={"scores": [
            {"criterion_code": "4.4", "points": 0, "comment": "Chưa có kế hoạch đô thị thông minh năm 2022"}]}))
        outcome.school_before_publication = _ok(http.get(f"{scores}/scores", headers=principal))

        # Returned: submissions → its outbox → scoring and notifications, all under this request's id.
        outcome.request_ids["return"] = "e2e-return-" + submission_id[:8]
        _ok(http.post(f"/api/submissions/submissions/{submission_id}/return",
                      json={"reasons": {"criteria": {"4.4": "Bổ sung kế hoạch đô thị thông minh"}}},
                      headers={**so_admin, "X-Request-ID": outcome.request_ids["return"]}))
        outcome.returned_view = _sheet(http, submission_id, officer, "returned")
        _notified(http, officer, "submission_returned")  # the school corrects once it has been told
        _ok(http.patch(f"{scores}/self-scores", headers=officer, json={"scores": [
            {"criterion_code": "4.4", "points": 9.75, "note": "Đã bổ sung kế hoạch (minh chứng mới)"}]}))
        _submit(http, submission_id, officer, principal)
        _sheet(http, submission_id, so_admin, "resubmitted")
        _approve(http, submission_id, so_admin)
        _scoring_learned(http, campaign["id"], submission_id, so_admin, "approved")

        outcome.published = _ok(http.post(f"/api/scoring/campaigns/{campaign['id']}/results/publish",
                                          headers=so_admin))
        outcome.final_view = _ok(http.get(f"{scores}/scores", headers=principal))
        outcome.final_status = _ok(http.get(f"/api/submissions/submissions/{submission_id}",
                                            headers=principal))["status"]
    return outcome


def check_year_end(outcome: ScenarioOutcome) -> None:
    """What every topology must show at the end of the scenario."""
    assert outcome.evidence["criterion_codes"] == NEEDS_EVIDENCE
    assert (outcome.reviewed["final_total"], outcome.reviewed["classification"]) == (90, "Xuất sắc")
    assert outcome.school_before_publication["final_total"] is None  # the school sees no review points yet
    comments = {c["code"]: c["review"] for c in outcome.returned_view["criteria"] if c["review"]}
    assert comments["4.4"]["comment"] == "Chưa có kế hoạch đô thị thông minh năm 2022"
    assert comments["4.4"]["points"] is None
    assert outcome.final_status == "approved"
    rows = {r["unit_name"]: r for r in outcome.published["items"]}
    assert (rows["Trường THCS Hòa Bình"]["final_total"], rows["Trường THCS Hòa Bình"]["rank"]) == (90.0, 1)
    assert (outcome.final_view["final_total"], outcome.final_view["classification"]) == (90.0, "Xuất sắc")
    assert outcome.final_view["self_total"] == 99.75


def _approve(http: httpx.Client, submission_id: str, reviewer: dict[str, str]) -> None:
    """As a reviewer does it: every evidence item looked at, the self-scores of the criteria not review-scored
    accepted, and the confirmation naming the school and the final score the approval check states."""
    for item in _ok(http.get(f"/api/evidence/submissions/{submission_id}/files", headers=reviewer))["items"]:
        if item["review_state"] == "pending" and item["replaced_by_id"] is None:
            _ok(http.post(f"/api/evidence/files/{item['id']}/review", json={"state": "accepted"}, headers=reviewer))
    check = _ok(http.get(f"/api/submissions/submissions/{submission_id}/approval-check",
                         params={"accept_self_scores": "true"}, headers=reviewer))
    assert check["ready"], check
    _ok(http.post(f"/api/submissions/submissions/{submission_id}/approve", headers=reviewer, json={
        "confirm_unit_name": check["unit_name"], "confirm_final_score": check["final_score"],
        "accept_self_scores": True}))
