"""The submissions service SIGKILLed while submit requests are in flight, a few times at random moments: each
submit is recorded whole (status, version snapshot, history entry and outbox event, all of them) or not at
all, every submit acknowledged with 2xx is recorded, and the recorded events are delivered after the restart."""

from __future__ import annotations

import random
import threading
import time
from typing import Any

import httpx

from tests.faults.conftest import POSTGRES_ONLY, Report
from tests.faults.system import ADMIN, FaultSystem, editable_submissions, wait_for
from tests.submissions.builders import FULL_ANSWERS

pytestmark = POSTGRES_ONLY

MIN_ROUNDS, MAX_ROUNDS = 3, 6
RECEIVERS = ("notifications", "scoring")  # who gets submission.submitted in the embedded wiring

STATE_SQL = """
SELECT s.id::text, s.status, s.submit_count,
       (SELECT count(*) FROM submission_versions v WHERE v.submission_id = s.id),
       (SELECT count(*) FROM submission_events e WHERE e.submission_id = s.id
         AND e.action IN ('submitted', 'resubmitted')),
       (SELECT count(*) FROM outbox_messages o WHERE o.event_type = 'submission.submitted'
         AND o.payload->>'submission_id' = s.id::text AND o.receiver = 'notifications'),
       (SELECT count(*) FROM outbox_messages o WHERE o.event_type = 'submission.submitted'
         AND o.payload->>'submission_id' = s.id::text AND o.receiver = 'scoring')
FROM submissions s WHERE s.id::text = ANY(:ids)
"""


def _state(system: FaultSystem, ids: list[str]) -> dict[str, dict[str, Any]]:
    rows = system.rows("submissions", STATE_SQL, ids=ids)
    return {r[0]: {"status": r[1], "submit_count": r[2], "versions": r[3], "history": r[4],
                   "outbox_notifications": r[5], "outbox_scoring": r[6]} for r in rows}


def _prepare(system: FaultSystem, http: httpx.Client, admin: dict[str, str]) -> dict[str, str]:
    """Every school's submission ready to submit (editable, full answers); their ETags."""
    etags = {}
    for submission in editable_submissions(system):
        saved = http.patch(f"/api/submissions/submissions/{submission['id']}", json={"values": FULL_ANSWERS},
                           headers={**admin, "If-Match": f'"{submission["version"]}"'})
        assert saved.status_code == 200, saved.text
        etags[submission["id"]] = saved.headers["etag"]
    return etags


def test_submit_is_recorded_whole_or_not_at_all_when_the_service_is_killed(
        system: FaultSystem, report: Report) -> None:
    admin = system.login(ADMIN)
    ids = [s["id"] for s in editable_submissions(system)]
    seed = random.randrange(1_000_000)
    chance = random.Random(seed)
    rounds: list[dict[str, Any]] = []
    acknowledged_total = in_flight_total = 0

    started = time.monotonic()
    # At least MIN_ROUNDS, more (up to MAX_ROUNDS) until a kill has caught submits both answered and in flight.
    while len(rounds) < MIN_ROUNDS or (not (acknowledged_total and in_flight_total) and len(rounds) < MAX_ROUNDS):
        with system.client() as http:
            etags = _prepare(system, http, admin)
        before = _state(system, ids)
        answers, delay = _submit_all_and_kill(system, admin, etags, chance, after_first_answer=len(rounds) % 2 == 0)
        system.start_service("submissions")
        after = _state(system, ids)
        rounds.append({"killed": f"{delay:.3f} s after " + ("the first answer" if len(rounds) % 2 == 0 else "sending"),
                       "answers": dict(sorted(answers.items())),
                       "recorded": sum(after[i]["submit_count"] - before[i]["submit_count"] for i in ids),
                       "not_recorded": sum(after[i]["submit_count"] == before[i]["submit_count"] for i in ids)})

        for submission_id in ids:
            row, was = after[submission_id], before[submission_id]
            # whole or nothing: the four records of a submit always agree
            assert row["submit_count"] == row["versions"] == row["history"] == row["outbox_notifications"] \
                == row["outbox_scoring"], (submission_id, row)
            assert row["submit_count"] - was["submit_count"] in (0, 1), (submission_id, was, row)
            if row["submit_count"] > was["submit_count"]:
                assert row["status"] in ("submitted", "resubmitted"), (submission_id, row)
            else:
                assert row["status"] == was["status"], (submission_id, was, row)
            if answers.get(submission_id, "").startswith("2"):
                acknowledged_total += 1
                assert row["submit_count"] == was["submit_count"] + 1, (submission_id, answers, row)
            else:
                in_flight_total += 1
                # cut mid-request (502) or refused while the service was down (503): never a 500 or a hang
                assert answers.get(submission_id) in ("502", "503"), (submission_id, answers)

    def undelivered() -> int:
        return int(system.rows("submissions", "SELECT count(*) FROM outbox_messages WHERE status <> 'delivered'")[0][0])

    wait_for(lambda: undelivered() == 0, timeout=90)
    seconds = time.monotonic() - started
    final = _state(system, ids)
    report.update({"submissions": len(ids), "rounds": rounds, "random_seed": seed,
                   "submits_sent": len(ids) * len(rounds), "acknowledged_2xx": acknowledged_total,
                   "cut_by_the_kill": in_flight_total, "final_rows": final,
                   "outbox_not_delivered_after_restart": undelivered(), "seconds": round(seconds, 1)})

    assert undelivered() == 0
    assert acknowledged_total > 0, "no submit was answered before the kill in any round"
    assert in_flight_total > 0, "the kill never caught a submit in flight"


def _submit_all_and_kill(system: FaultSystem, admin: dict[str, str], etags: dict[str, str], chance: random.Random,
                         *, after_first_answer: bool) -> tuple[dict[str, str], float]:
    """Submit every submission at once from its own thread and SIGKILL the service meanwhile: a random moment
    after the first answer, or after sending. How long a submit takes depends on the machine's load, so a
    fixed delay alone would kill before any commit on a slow machine and after all of them on a fast one."""
    answers: dict[str, str] = {}
    go, first_answer = threading.Event(), threading.Event()

    def submit(submission_id: str) -> None:
        with system.client(timeout=30) as http:
            go.wait()
            try:
                response = http.post(f"/api/submissions/submissions/{submission_id}/submit", json={},
                                     headers={**admin, "If-Match": etags[submission_id]})
                answers[submission_id] = str(response.status_code)
            except httpx.HTTPError as error:
                answers[submission_id] = type(error).__name__
            first_answer.set()

    threads = [threading.Thread(target=submit, args=(i,), daemon=True) for i in etags]
    for thread in threads:
        thread.start()
    delay = chance.uniform(0.0, 0.1) if after_first_answer else chance.uniform(0.05, 0.4)
    go.set()
    if after_first_answer:
        first_answer.wait(timeout=30)
    time.sleep(delay)
    system.kill("submissions")
    for thread in threads:
        thread.join(timeout=40)
    return answers, delay
