"""PostgreSQL restarted (`pg_ctl restart -m fast`) under steady reads and draft saves: during the outage the
services answer 503 problem+json (never 500, never a hang), afterwards every service answers again without
being restarted, and every save acknowledged with 2xx is in the database."""

from __future__ import annotations

import time
from datetime import datetime

import httpx

from tests.faults.conftest import POSTGRES_ONLY, Report
from tests.faults.system import ADMIN, FaultSystem, editable_submissions, wait_for
from tests.faults.traffic import REQUEST_BOUND_SECONDS, Traffic, reader, run_traffic, saver
from tests.submissions.builders import FULL_ANSWERS

pytestmark = POSTGRES_ONLY

READY_PATHS = ["identity", "submissions", "evidence", "scoring", "notifications"]


def _all_ready(system: FaultSystem) -> bool:
    return all(httpx.get(f"{system.url(name)}/readyz", timeout=5).status_code == 200 for name in READY_PATHS)


def test_services_recover_from_a_postgres_restart_and_lose_no_acknowledged_save(
        system: FaultSystem, report: Report) -> None:
    admin = system.login(ADMIN)
    drafts = editable_submissions(system)[:3]
    traffic = Traffic()
    workers = [saver(system, traffic, admin, draft) for draft in drafts]
    workers += [reader(system, traffic, admin, drafts[0]["id"]) for _ in range(2)]
    marks: dict[str, int] = {}

    def restart_postgres_under_traffic() -> None:
        wait_for(lambda: len(traffic.answers) >= 30, timeout=60)
        marks["restart"] = len(traffic.answers)
        system.postgres.restart()
        marks["restarted"] = len(traffic.answers)
        assert wait_for(lambda: _all_ready(system), timeout=60), "a service did not become ready again"
        marks["ready"] = len(traffic.answers)
        wait_for(lambda: len(traffic.answers) >= marks["ready"] + 40, timeout=60)

    started = time.monotonic()
    run_traffic(system, workers, restart_postgres_under_traffic)
    elapsed = time.monotonic() - started

    rows = {
        d["id"]: system.rows("submissions", "SELECT content->>'s1_result' FROM submissions WHERE id = :id",
                             id=d["id"])[0][0] for d in drafts}
    # The outbox dispatcher outlived the restart: an event recorded after it is delivered to every receiver.
    since = system.rows("submissions", "SELECT now()")[0][0]
    submitted = _submit(system, admin, drafts[0]["id"])
    deliveries = wait_for(lambda: _deliveries(system, drafts[0]["id"], since) == ["delivered", "delivered"],
                          timeout=60)

    failures = traffic.failures()
    report.update({
        "requests": len(traffic.answers), "by_status": traffic.by_status(),
        "slowest_answer_seconds": traffic.slowest_seconds(), "request_bound_seconds": REQUEST_BOUND_SECONDS,
        "errors": [f"{a.what}: {a.status} {a.content_type} {a.error}" for a in failures][:20],
        "answers_before_restart": marks["restart"], "answers_until_all_ready": marks["ready"],
        "after_ready_by_status": traffic.by_status(marks["ready"]),
        "saves_sent": sum(len(s.sent) for s in traffic.saves.values()),
        "saves_acknowledged": sum(ok for s in traffic.saves.values() for _v, ok in s.sent),
        "drafts_compared": {d: {"last_acknowledged": traffic.saves[d].last_acknowledged(), "in_database": v}
                            for d, v in rows.items()},
        "seconds": round(elapsed, 1),
        "submit_after_restart": submitted, "its_event_deliveries": _deliveries(system, drafts[0]["id"], since),
    })

    assert all(a.status == 503 and a.content_type == "application/problem+json" for a in failures), failures[:5]
    assert not traffic.failures(marks["ready"]), traffic.failures(marks["ready"])[:5]
    assert {a.what for a in traffic.answers[marks["ready"]:] if a.status == 200} >= {
        "identity.me", "submissions.page", "evidence.list", "scoring.rubrics", "notifications.feed", "submissions.save"}
    assert submitted == 200 and deliveries
    for draft_id, in_database in rows.items():
        saves = traffic.saves[draft_id]
        assert saves.last_acknowledged() is not None
        assert in_database in [saves.last_acknowledged(), *saves.unacknowledged_after_last_ack()], (
            draft_id, in_database, saves.sent[-5:])


def _submit(system: FaultSystem, admin: dict[str, str], submission_id: str) -> int:
    url = f"/api/submissions/submissions/{submission_id}"
    with system.client() as http:
        current = http.get(url, headers=admin)
        saved = http.patch(url, json={"values": FULL_ANSWERS}, headers={**admin, "If-Match": current.headers["etag"]})
        return http.post(f"{url}/submit", json={}, headers={**admin, "If-Match": saved.headers["etag"]}).status_code


def _deliveries(system: FaultSystem, submission_id: str, since: datetime) -> list[str]:
    """The delivery state of the submission.submitted events recorded since `since` (one per receiver)."""
    return sorted(row[0] for row in system.rows(
        "submissions", "SELECT status FROM outbox_messages WHERE event_type = 'submission.submitted' "
        "AND payload->>'submission_id' = :id AND created_at >= :since", id=submission_id, since=since))
