"""The embedded run's finished QĐ 4725 cycle: seeded once the gateway is up, by the people of the demo province
through the gateway, so every service applies its own rules (targets, evidence, self-scores, submission, the
approve guards, publication) exactly as for a person.

The Sở issues the school-year 2025-2026 self-assessment campaign from the QĐ 4725 preset (rubric template and
dates) to three schools (their principals' demo accounts are for this cycle); each school links its evidence page
(with the solution's name and how it was acquired), self-scores every criterion and submits; the Sở's reviewer
accepts the evidence, changes two criteria with a reason each (the external assessment records only the
differences), approves through the guards and publishes the results. The campaign is then closed. Its deadline
(31/5/2026) is in the past, so the year-end campaign of this school year stays the schools' first; each school has
an extension, so nothing reads as late.

Prints JSON: {"assessment_campaign_id": …, "title": …}. Running it again finds the campaign and does nothing.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

PASSWORD = "EduDX@2025"
SO_ADMIN = "cntt.so@vinhlong.edu.vn"
SO_REVIEWER = "thamdinh.so@vinhlong.edu.vn"
# (school code, its principal, who self-assesses and submits): schools whose accounts are for this cycle only, so
# the other demo accounts' feeds and first campaigns stay the year-end campaign's
SCHOOLS = [("86701001", "hieutruong.hoasen@vinhlong.edu.vn"), ("86712001", "hieutruong.cainhum@vinhlong.edu.vn"),
           ("86713001", "hieutruong.mangthit@vinhlong.edu.vn")]
SCHOOL_YEAR = "2025-2026"
SCHOOL_YEAR_END = 2026
# The external assessment's two differences: (criterion, what the reviewer gives, why)
DIFFERENCES = [("I.4", {"points": 5}, "Kế hoạch chuyển đổi số chưa có chỉ tiêu đo được cho từng năm"),
               ("II.5", {"points": 4}, "Tỉ lệ hồ sơ điện tử thấp hơn số liệu tự đánh giá")]


# What the criteria that name a solution ask of its evidence (QĐ 4725: name, built / rented / bought)
SOLUTION = {"solution_name": "Hệ thống quản lý trường học (DEMO)", "acquisition": "Thuê"}


class SeedFailed(RuntimeError):
    pass


def ok(response: httpx.Response, *expected: int) -> Any:
    if response.status_code not in (expected or (200,)):
        raise SeedFailed(f"{response.request.method} {response.request.url.path}: {response.status_code} "
                         f"{response.text[:500]}")
    return response.json() if response.content else None


def login(identity: str, email: str) -> dict[str, str]:
    """Signed in at identity itself: the gateway's per-address sign-in limit is for people at the front door, and
    the seeding must not spend the first minute's allowance of whoever uses the system next."""
    token = ok(httpx.post(f"{identity}/api/identity/auth/login", json={"email": email, "password": PASSWORD},
                          timeout=60))
    return {"Authorization": f"Bearer {token['access_token']}"}


def self_score(criterion: dict[str, Any]) -> dict[str, Any]:
    """A good school's honest claim: mandatory conditions met, most items of each block, most points."""
    entry: dict[str, Any] = {"criterion_code": criterion["code"], "note": "Tự đánh giá mẫu (DEMO)"}
    kind, items = criterion["kind"], criterion.get("items") or []
    if kind == "mandatory":
        entry["passed"] = True
    elif kind == "blocks":
        entry["item_codes"] = [item["code"] for item in items[: max(1, len(items) - 1)]]
    elif kind == "levels":
        entry["level_code"] = sorted(items, key=lambda item: float(item["points"]))[-1]["code"]
    else:
        entry["points"] = float(criterion["max_points"]) * 0.8
    return entry


def school_year_id(http: httpx.Client, admin: dict[str, str], name: str) -> str:
    years = ok(http.get("/api/submissions/school-years", headers=admin))
    for year in years["items"]:
        if year["name"] == name:
            return str(year["id"])
    return str(ok(http.post("/api/submissions/school-years", json={"name": name}, headers=admin), 201)["id"])


def seed(gateway: str, identity: str) -> dict[str, str]:
    with httpx.Client(base_url=gateway, timeout=60) as http:
        cid, title = run_cycle(http, identity, admin_email=SO_ADMIN, reviewer_email=SO_REVIEWER, issuer_code="SGD-VL",
                               schools=SCHOOLS, school_year=SCHOOL_YEAR, school_year_end=SCHOOL_YEAR_END,
                               instructions="Trường tự đánh giá theo bộ chỉ số, tải minh chứng và nộp; Sở đánh giá "
                                            "ngoài.")
        return {"assessment_campaign_id": cid, "title": title}


def run_cycle(http: httpx.Client, identity: str, *, admin_email: str, reviewer_email: str, issuer_code: str,
              schools: list[tuple[str, str]], school_year: str, school_year_end: int,
              instructions: str) -> tuple[str, str]:
    """One finished QĐ 4725 cycle issued by `issuer_code`'s admin from the preset of that school year: published,
    every school self-assesses and submits, externally assessed and approved, results published, closed.
    Returns (campaign id, title); a campaign of that issuer with the preset's title already there is left as it is."""
    admin, reviewer = login(identity, admin_email), login(identity, reviewer_email)
    (preset,) = ok(http.get("/api/scoring/rubrics/campaign-presets",
                            params={"school_year_end": school_year_end}, headers=admin))["items"]
    issuer = ok(http.get("/api/identity/units", params={"code": issuer_code}, headers=admin))["items"][0]
    found = [c for c in ok(http.get("/api/submissions/campaigns", params={"q": preset["title"]},
                                    headers=admin))["items"] if c["issuer_unit_id"] == issuer["id"]]
    if found:
        return str(found[0]["id"]), str(found[0]["title"])
    units = {code: ok(http.get("/api/identity/units", params={"code": code}, headers=admin))["items"][0]["id"]
             for code, _ in schools}
    due = datetime.fromisoformat(preset["self_assessment_due_at"])
    campaign = ok(http.post("/api/submissions/campaigns", headers=admin, json={
        "title": preset["title"], "kind": preset["kind"], "rubric_id": preset["rubric_id"],
        "legal_reference": preset["legal_reference"], "school_year_id": school_year_id(http, admin, school_year),
        "issuer_unit_id": issuer["id"], "opens_at": (due - timedelta(days=45)).isoformat(), "due_at": due.isoformat(),
        "instructions": instructions, "targets": {"unit_ids": list(units.values())}}), 201)
    cid = campaign["id"]
    ok(http.post(f"/api/submissions/campaigns/{cid}/publish", headers=admin))
    # The demo is seeded after the real dates: each school's deadline is extended so nothing reads as late.
    extended = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    for unit_id in units.values():
        ok(http.put(f"/api/submissions/campaigns/{cid}/targets/{unit_id}/extension", headers=admin,
                    json={"due_at": extended, "reason": "Dữ liệu mẫu nhập sau thời hạn thực tế"}))
    rubric = ok(http.get(f"/api/scoring/rubrics/{preset['rubric_id']}", headers=admin))
    criteria = [c for group in rubric["definition"]["groups"] for c in group["criteria"]]
    for code, email in schools:
        principal = login(identity, email)
        draft = ok(http.post(f"/api/submissions/campaigns/{cid}/submissions", headers=principal), 200, 201)
        sid = draft["id"]
        ok(http.post("/api/evidence/links", headers=principal, json={
            "submission_id": sid, "url": f"https://{code}.vinhlong.edu.vn/chuyen-doi-so",
            "title": "Trang chuyển đổi số của trường (DEMO)", "attributes": SOLUTION,
            "criterion_codes": [c["code"] for c in criteria if c.get("evidence_required")]}), 201)
        ok(http.patch(f"/api/scoring/submissions/{sid}/self-scores", headers=principal,
                      json={"scores": [self_score(c) for c in criteria]}))
        current = ok(http.get(f"/api/submissions/submissions/{sid}", headers=principal))
        ok(http.post(f"/api/submissions/submissions/{sid}/submit", json={}, headers={
            **principal, "If-Match": f'"{current["version"]}"'}))
        review(http, sid, reviewer)
    ok(http.post(f"/api/scoring/campaigns/{cid}/results/publish", headers=admin))
    ok(http.post(f"/api/submissions/campaigns/{cid}/close", headers=admin))
    return str(cid), str(preset["title"])


def review(http: httpx.Client, submission_id: str, reviewer: dict[str, str]) -> None:
    """The external assessment: evidence accepted, two differences with their reasons, the rest of the
    self-assessment accepted, approved with the confirmation the guards ask for."""
    ok(http.post(f"/api/submissions/submissions/{submission_id}/start-review", headers=reviewer))
    for item in ok(http.get(f"/api/evidence/submissions/{submission_id}/files", headers=reviewer))["items"]:
        if item["review_state"] == "pending" and item["replaced_by_id"] is None:
            ok(http.post(f"/api/evidence/files/{item['id']}/review", json={"state": "accepted"}, headers=reviewer))
    ok(http.patch(f"/api/scoring/submissions/{submission_id}/review-scores", headers=reviewer, json={"scores": [
        {"criterion_code": code, **given, "comment": reason} for code, given, reason in DIFFERENCES]}))
    check = ok(http.get(f"/api/submissions/submissions/{submission_id}/approval-check",
                        params={"accept_self_scores": "true"}, headers=reviewer))
    if not check["ready"]:
        raise SeedFailed(f"approval refused: {json.dumps(check, ensure_ascii=False)}")
    ok(http.post(f"/api/submissions/submissions/{submission_id}/approve", headers=reviewer, json={
        "confirm_unit_name": check["unit_name"], "confirm_final_score": check["final_score"],
        "accept_self_scores": True}))


def main(seeder: Callable[[str, str], dict[str, str]] = seed, description: str | None = __doc__) -> None:
    """The command line of a demo seeding script: where the system runs; prints what `seeder` seeded as JSON."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--gateway", required=True, help="the running system's gateway, e.g. http://127.0.0.1:8000")
    parser.add_argument("--identity", required=True, help="the identity service, where the demo's people sign in")
    args = parser.parse_args()
    print(json.dumps(seeder(args.gateway, args.identity), ensure_ascii=False))


if __name__ == "__main__":
    main()
