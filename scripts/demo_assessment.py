"""The embedded run's finished QĐ 4725 cycle: seeded once the gateway is up, by the people of the demo province
through the gateway, so every service applies its own rules (targets, evidence, self-scores, submission, the
approve guards, publication) exactly as for a person.

The Sở issues the school-year 2025-2026 self-assessment campaign from the QĐ 4725 preset (rubric template and
dates) to three schools (their principals' demo accounts are for this cycle); each school links its evidence page
(with the solution's name and how it was acquired), self-scores every criterion and submits; the Sở's reviewer
accepts the evidence, changes two criteria with a reason each (the external assessment records only the
differences), approves through the guards and publishes the results. The campaign is then closed. Its deadline
(31/5/2026) is in the past, so the year-end campaign of this school year stays the schools' first; each school has
an extension of one day (17:00 Vietnam time of the next working day, as any deadline set from a period), so nothing
reads as late.

Then the Sở's own index (QĐ 3806 kind): the Bộ GDĐT (the Sở's parent in the demo tree; a campaign's issuer is never
its own target, so the Sở cannot ask itself) issues the Sở a self-assessment whose rubric has two criteria computed
from EduDX's published results of the Sở's schools — how many, and what share, are at Mức 2 or above — and the
Sở's IT officer fills them (and self-scores the rest), leaving the report a draft the Sở can still refresh.

Prints JSON: {"assessment_campaign_id": …, "title": …, "index_campaign_id": …, "index_submission_id": …}. Running it
again finds the campaigns and does nothing.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

PASSWORD = "EduDX@2025"
BO_ADMIN = "cds.bo@moet.gov.vn"
SO_ADMIN = "cntt.so@vinhlong.edu.vn"
SO_REVIEWER = "thamdinh.so@vinhlong.edu.vn"
# (school code, its principal, who self-assesses and submits): schools whose accounts are for this cycle only, so
# the other demo accounts' feeds and first campaigns stay the year-end campaign's
SCHOOLS = [("86701001", "hieutruong.hoasen@vinhlong.edu.vn"), ("86712001", "hieutruong.cainhum@vinhlong.edu.vn"),
           ("86713001", "hieutruong.mangthit@vinhlong.edu.vn")]
# a preschool that is only starting: its honest self-assessment is modest (Mức 1), so the Sở's index below counts
# two of its three assessed schools at Mức 2 or above
MODEST = frozenset({"86701001"})
SCHOOL_YEAR = "2025-2026"
SCHOOL_YEAR_END = 2026
# The external assessment's two differences: (criterion, what the reviewer gives, why)
DIFFERENCES = [("I.4", {"points": 5}, "Kế hoạch chuyển đổi số chưa có chỉ tiêu đo được cho từng năm"),
               ("II.5", {"points": 4}, "Tỉ lệ hồ sơ điện tử thấp hơn số liệu tự đánh giá")]
# ... and for the modest school, whose own figures were already low
MODEST_DIFFERENCES = [("I.4", {"points": 2}, "Kế hoạch chuyển đổi số chưa có chỉ tiêu đo được cho từng năm"),
                      ("II.5", {"points": 1}, "Tỉ lệ hồ sơ điện tử thấp hơn số liệu tự đánh giá")]


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


def self_score(criterion: dict[str, Any], *, modest: bool = False) -> dict[str, Any]:
    """A good school's honest claim: mandatory conditions met, most items of each block, most points; a modest
    school's: conditions met, the first item of each block, the lowest level, a third of the points."""
    entry: dict[str, Any] = {"criterion_code": criterion["code"], "note": "Tự đánh giá mẫu (DEMO)"}
    kind, items = criterion["kind"], criterion.get("items") or []
    if kind == "mandatory":
        entry["passed"] = True
    elif kind == "blocks":
        entry["item_codes"] = [item["code"] for item in items[: 1 if modest else max(1, len(items) - 1)]]
    elif kind == "levels":
        entry["level_code"] = sorted(items, key=lambda item: float(item["points"]))[0 if modest else -1]["code"]
    else:
        entry["points"] = round(float(criterion["max_points"]) * (0.3 if modest else 0.8) * 4) / 4
    return entry


def school_year_id(http: httpx.Client, admin: dict[str, str], name: str) -> str:
    years = ok(http.get("/api/submissions/school-years", headers=admin))
    for year in years["items"]:
        if year["name"] == name:
            return str(year["id"])
    return str(ok(http.post("/api/submissions/school-years", json={"name": name}, headers=admin), 201)["id"])


def seed(gateway: str, identity: str) -> dict[str, str]:
    cycle = seed_4725(gateway, identity)
    return {**cycle, **seed_authority_index(gateway, identity)}


def seed_4725(gateway: str, identity: str) -> dict[str, str]:
    with httpx.Client(base_url=gateway, timeout=60) as http:
        cid, title = run_cycle(http, identity, admin_email=SO_ADMIN, reviewer_email=SO_REVIEWER, issuer_code="SGD-VL",
                               schools=SCHOOLS, school_year=SCHOOL_YEAR, school_year_end=SCHOOL_YEAR_END,
                               instructions="Trường tự đánh giá theo bộ chỉ số, tải minh chứng và nộp; Sở đánh giá "
                                            "ngoài.", modest=MODEST)
        return {"assessment_campaign_id": cid, "title": title}


def run_cycle(http: httpx.Client, identity: str, *, admin_email: str, reviewer_email: str, issuer_code: str,
              schools: list[tuple[str, str]], school_year: str, school_year_end: int,
              instructions: str, modest: frozenset[str] = frozenset()) -> tuple[str, str]:
    """One finished QĐ 4725 cycle issued by `issuer_code`'s admin from the preset of that school year: published,
    every school self-assesses and submits, externally assessed and approved, results published, closed.
    The schools of `modest` self-assess modestly and get the modest differences.
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
    for unit_id in units.values():
        ok(http.put(f"/api/submissions/campaigns/{cid}/targets/{unit_id}/extension", headers=admin,
                    json={"days": 1, "reason": "Dữ liệu mẫu nhập sau thời hạn thực tế"}))
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
                      json={"scores": [self_score(c, modest=code in modest) for c in criteria]}))
        current = ok(http.get(f"/api/submissions/submissions/{sid}", headers=principal))
        ok(http.post(f"/api/submissions/submissions/{sid}/submit", json={}, headers={
            **principal, "If-Match": f'"{current["version"]}"'}))
        review(http, sid, reviewer, MODEST_DIFFERENCES if code in modest else DIFFERENCES)
    ok(http.post(f"/api/scoring/campaigns/{cid}/results/publish", headers=admin))
    ok(http.post(f"/api/submissions/campaigns/{cid}/close", headers=admin))
    return str(cid), str(preset["title"])


def review(http: httpx.Client, submission_id: str, reviewer: dict[str, str],
           differences: list[tuple[str, dict[str, int], str]]) -> None:
    """The external assessment: evidence accepted, two differences with their reasons, the rest of the
    self-assessment accepted, approved with the confirmation the guards ask for."""
    ok(http.post(f"/api/submissions/submissions/{submission_id}/start-review", headers=reviewer))
    for item in ok(http.get(f"/api/evidence/submissions/{submission_id}/files", headers=reviewer))["items"]:
        if item["review_state"] == "pending" and item["replaced_by_id"] is None:
            ok(http.post(f"/api/evidence/files/{item['id']}/review", json={"state": "accepted"}, headers=reviewer))
    ok(http.patch(f"/api/scoring/submissions/{submission_id}/review-scores", headers=reviewer, json={"scores": [
        {"criterion_code": code, **given, "comment": reason} for code, given, reason in differences]}))
    check = ok(http.get(f"/api/submissions/submissions/{submission_id}/approval-check",
                        params={"accept_self_scores": "true"}, headers=reviewer))
    if not check["ready"]:
        raise SeedFailed(f"approval refused: {json.dumps(check, ensure_ascii=False)}")
    ok(http.post(f"/api/submissions/submissions/{submission_id}/approve", headers=reviewer, json={
        "confirm_unit_name": check["unit_name"], "confirm_final_score": check["final_score"],
        "accept_self_scores": True}))


# The Sở's own index (QĐ 3806 kind: leadership and direction; the DX results of the schools it manages), a
# reference layout of the demo, not the decision's text.
INDEX_TITLE = "Chỉ số chuyển đổi số của Sở GDĐT năm 2026 (QĐ 3806, DEMO)"
INDEX_RUBRIC: dict[str, Any] = {
    "title": "Chỉ số chuyển đổi số của Sở GDĐT (mẫu tham khảo — đối chiếu với văn bản gốc)",
    "reference_note": "Mẫu tham khảo — đối chiếu với văn bản gốc (QĐ 3806/QĐ-BGDĐT)",
    "mode": "total_bands", "max_total": 100, "step": 0.25,
    "bands": [{"label": "Mức 1", "max": 50}, {"label": "Mức 2", "min": 50, "max": 75, "max_inclusive": True},
              {"label": "Mức 3", "min": 75, "min_inclusive": False, "max": 100, "max_inclusive": True}],
    "groups": [
        {"code": "A", "title": "Lãnh đạo, chỉ đạo chuyển đổi số", "max_points": 50, "criteria": [
            {"code": "A.1", "text": "Kế hoạch chuyển đổi số của ngành được ban hành và triển khai", "max_points": 25},
            {"code": "A.2", "text": "Hướng dẫn, kiểm tra, đánh giá chuyển đổi số các trường", "max_points": 25}]},
        {"code": "B", "title": "Kết quả chuyển đổi số của các trường trực thuộc", "max_points": 50, "criteria": [
            {"code": "B.1", "text": "Số trường đạt Mức 2 trở lên (mỗi trường 1 điểm, tối đa 10)", "kind": "computed",
             "max_points": 10, "computed": {"measure": "count", "levels": ["Mức 2", "Mức 3"],
                                            "campaign_kind": "dx_self_assessment"}},
            {"code": "B.2", "text": "Tỷ lệ trường đạt Mức 2 trở lên trong số trường có kết quả công bố",
             "kind": "computed", "max_points": 40,
             "computed": {"measure": "share", "levels": ["Mức 2", "Mức 3"], "campaign_kind": "dx_self_assessment"}}]},
    ],
}


def seed_authority_index(gateway: str, identity: str) -> dict[str, str]:
    """The Bộ asks the Sở for its index; the Sở fills the computed criteria from the published school results."""
    with httpx.Client(base_url=gateway, timeout=60) as http:
        bo_admin, so_admin = login(identity, BO_ADMIN), login(identity, SO_ADMIN)
        found = ok(http.get("/api/submissions/campaigns", params={"q": INDEX_TITLE}, headers=bo_admin))["items"]
        if found:
            cid = found[0]["id"]
        else:
            bo = ok(http.get("/api/identity/units", params={"code": "BGDDT"}, headers=bo_admin))["items"][0]
            so = ok(http.get("/api/identity/units", params={"code": "SGD-VL"}, headers=bo_admin))["items"][0]
            rubric = ok(http.post("/api/scoring/rubrics", json=INDEX_RUBRIC, headers=bo_admin), 201)
            now = datetime.now(UTC)
            campaign = ok(http.post("/api/submissions/campaigns", headers=bo_admin, json={
                "title": INDEX_TITLE, "kind": "dx_self_assessment", "rubric_id": rubric["id"],
                "legal_reference": "QĐ 3806/QĐ-BGDĐT", "school_year_id": school_year_id(http, bo_admin, SCHOOL_YEAR),
                "issuer_unit_id": bo["id"], "opens_at": (now - timedelta(days=1)).isoformat(),
                "due_at": (now + timedelta(days=30)).isoformat(),
                "instructions": "Sở tự đánh giá; tiêu chí nhóm B được tính từ kết quả đã công bố của các trường.",
                "targets": {"unit_ids": [so["id"]]}}), 201)
            cid = campaign["id"]
            ok(http.post(f"/api/submissions/campaigns/{cid}/publish", headers=bo_admin))
        report = ok(http.post(f"/api/submissions/campaigns/{cid}/submissions", headers=so_admin), 200, 201)
        sid = report["id"]
        if report["status"] == "draft":
            ok(http.post(f"/api/scoring/submissions/{sid}/authority-index", headers=so_admin))
            ok(http.patch(f"/api/scoring/submissions/{sid}/self-scores", headers=so_admin, json={"scores": [
                {"criterion_code": "A.1", "points": 20, "note": "Kế hoạch số 12/KH-SGDĐT (DEMO)"},
                {"criterion_code": "A.2", "points": 18, "note": "Kiểm tra 12 trường trong năm (DEMO)"}]}))
        return {"index_campaign_id": cid, "index_submission_id": sid, "index_title": INDEX_TITLE}


def main(seeder: Callable[[str, str], dict[str, str]] = seed, description: str | None = __doc__) -> None:
    """The command line of a demo seeding script: where the system runs; prints what `seeder` seeded as JSON."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--gateway", required=True, help="the running system's gateway, e.g. http://127.0.0.1:8000")
    parser.add_argument("--identity", required=True, help="the identity service, where the demo's people sign in")
    args = parser.parse_args()
    print(json.dumps(seeder(args.gateway, args.identity), ensure_ascii=False))


if __name__ == "__main__":
    main()
