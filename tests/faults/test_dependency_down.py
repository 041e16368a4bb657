"""A dependency down while the rest keeps working: the S3 server (uploads 503 in Vietnamese, metadata reads
still answer, no orphan row or object, uploads work again once it is back) and one service (the gateway answers
503 for its routes at once, the others keep working, and it routes to the service again once restarted)."""

from __future__ import annotations

import time

import httpx

from tests.evidence.samples import pdf_bytes
from tests.faults.conftest import POSTGRES_ONLY, Report
from tests.faults.system import ADMIN, FaultSystem, editable_submissions, wait_for

pytestmark = POSTGRES_ONLY

PRINCIPAL = "hieutruong.hoabinh@vinhlong.edu.vn"


def _upload(http: httpx.Client, headers: dict[str, str], submission_id: str, title: str) -> httpx.Response:
    return http.post("/api/evidence/files", headers=headers, data={"submission_id": submission_id},
                     files={"file": (f"{title}.pdf", pdf_bytes(title), "application/pdf")})


def _evidence_rows(system: FaultSystem) -> int:
    return int(system.rows("evidence", "SELECT count(*) FROM evidence_items")[0][0])


def test_s3_down_uploads_503_reads_work_nothing_orphaned_and_uploads_resume(
        system: FaultSystem, report: Report) -> None:
    admin = system.login(ADMIN)
    submission = editable_submissions(system)[0]
    rows_before, objects_before = _evidence_rows(system), system.s3_keys()
    system.stop_s3()
    try:
        with system.client() as http:
            uploads_down = [_upload(http, admin, submission["id"], f"Biên bản số {n}") for n in range(3)]
            listing = http.get(f"/api/evidence/submissions/{submission['id']}/files", headers=admin)
            page = http.get(f"/api/submissions/submissions/{submission['id']}", headers=admin)
        rows_while_down = _evidence_rows(system)
    finally:
        system.start_s3()
    with system.client() as http:
        upload_after = _upload(http, admin, submission["id"], "Biên bản sau khi khôi phục")
    rows_after, objects_after = _evidence_rows(system), system.s3_keys()
    report.update({
        "uploads_while_down": [u.status_code for u in uploads_down],
        "upload_problem": uploads_down[0].json() if uploads_down[0].headers.get("content-type", "").endswith(
            "problem+json") else uploads_down[0].text[:300],
        "metadata_reads_while_down": {"evidence.list": listing.status_code, "submissions.page": page.status_code},
        "upload_after_restart": upload_after.status_code,
        "evidence_rows": {"before": rows_before, "while_down": rows_while_down, "after": rows_after},
        "s3_objects": {"before": len(objects_before), "after": len(objects_after)},
    })

    for upload in uploads_down:
        assert upload.status_code == 503, upload.text
        assert upload.headers["content-type"] == "application/problem+json"
        assert upload.json()["code"] == "storage_unavailable" and "lưu trữ" in upload.json()["title"].lower()
    assert listing.status_code == 200 and page.status_code == 200
    assert rows_while_down == rows_before
    assert upload_after.status_code == 201, upload_after.text
    assert rows_after == rows_before + 1
    assert len(objects_after) == len(objects_before) + 1 and set(objects_before) < set(objects_after)


def test_a_killed_service_gets_503_at_the_gateway_the_rest_works_and_it_is_routed_to_again(
        system: FaultSystem, report: Report) -> None:
    admin = system.login(ADMIN)
    submission = editable_submissions(system)[0]
    system.kill("scoring")
    try:
        with system.client(timeout=15) as http:
            started = time.monotonic()
            down = [http.get("/api/scoring/rubrics", headers=admin) for _ in range(5)]
            seconds_for_five = time.monotonic() - started
            login = http.post("/api/identity/auth/login", json={"email": PRINCIPAL, "password": "EduDX@2025"})
            saved = http.patch(f"/api/submissions/submissions/{submission['id']}",
                               json={"values": {"s2_result": "Lưu khi dịch vụ chấm điểm ngừng."}},
                               headers={**admin, "If-Match": f'"{submission["version"]}"'})
            others = {url: http.get(url, headers=admin).status_code for url in (
                "/api/identity/me", f"/api/evidence/submissions/{submission['id']}/files",
                "/api/notifications/feed", "/api/submissions/campaigns")}
    finally:
        system.start_service("scoring")
    with system.client() as http:
        back = wait_for(lambda: http.get("/api/scoring/rubrics", headers=admin).status_code == 200, timeout=30)
        in_database = system.rows("submissions", "SELECT content->>'s2_result' FROM submissions WHERE id = :id",
                                  id=submission["id"])[0][0]
    report.update({
        "scoring_while_down": [r.status_code for r in down], "seconds_for_five_requests": round(seconds_for_five, 2),
        "problem": down[0].json() if down[0].headers.get("content-type") == "application/problem+json" else None,
        "login_while_down": login.status_code, "draft_save_while_down": saved.status_code,
        "other_services_while_down": others, "scoring_routed_again_after_restart": bool(back),
    })

    for response in down:
        assert response.status_code == 503, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["title"] and response.json()["code"]
    assert login.status_code == 200 and "access_token" in login.json()
    assert saved.status_code == 200, saved.text
    assert in_database == "Lưu khi dịch vụ chấm điểm ngừng."
    assert set(others.values()) == {200}, others
    assert back
