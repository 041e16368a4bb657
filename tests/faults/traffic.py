"""Steady traffic through the gateway from a few threads, recording every answer: reads of each service and
draft saves whose acknowledged values are later looked for in the database."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.faults.system import FaultSystem

# A request that takes longer than this counts as hung (the client gives up and records it).
REQUEST_BOUND_SECONDS = 20.0


@dataclass
class Answer:
    what: str
    status: int | None  # None: no HTTP answer at all (refused, reset, timed out)
    content_type: str = ""
    error: str = ""
    seconds: float = 0.0


@dataclass
class Saves:
    """One draft's saves, in the order sent: the text saved and whether a 2xx acknowledged it."""

    submission_id: str
    sent: list[tuple[str, bool]] = field(default_factory=list)

    def last_acknowledged(self) -> str | None:
        return next((value for value, ok in reversed(self.sent) if ok), None)

    def unacknowledged_after_last_ack(self) -> list[str]:
        values: list[str] = []
        for value, ok in reversed(self.sent):
            if ok:
                break
            values.append(value)
        return values


@dataclass
class Traffic:
    answers: list[Answer] = field(default_factory=list)
    saves: dict[str, Saves] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, answer: Answer) -> None:
        with self.lock:
            self.answers.append(answer)

    def by_status(self, since: int = 0) -> dict[str, int]:
        return dict(Counter(str(a.status) for a in self.answers[since:]))

    def slowest_seconds(self) -> float:
        return round(max((a.seconds for a in self.answers), default=0.0), 2)

    def failures(self, since: int = 0) -> list[Answer]:
        return [a for a in self.answers[since:] if a.status is None or a.status >= 400]


def _send(http: httpx.Client, traffic: Traffic, what: str, method: str, url: str,
          **kwargs: Any) -> httpx.Response | None:
    started = time.monotonic()
    try:
        response = http.request(method, url, **kwargs)
    except httpx.HTTPError as error:
        traffic.record(Answer(what, None, error=type(error).__name__, seconds=time.monotonic() - started))
        return None
    traffic.record(Answer(what, response.status_code, response.headers.get("content-type", ""),
                          response.text[:300] if response.status_code >= 400 else "", time.monotonic() - started))
    return response


def reader(system: FaultSystem, traffic: Traffic, headers: dict[str, str], submission_id: str) -> Callable[[], None]:
    """One round of reads: a page of every service (identity, submissions, evidence, scoring, notifications)."""
    reads = [("identity.me", "/api/identity/me"), ("submissions.page", f"/api/submissions/submissions/{submission_id}"),
             ("evidence.list", f"/api/evidence/submissions/{submission_id}/files"),
             ("scoring.rubrics", "/api/scoring/rubrics"), ("notifications.feed", "/api/notifications/feed")]

    def one_round(http: httpx.Client) -> None:
        for what, url in reads:
            _send(http, traffic, what, "GET", url, headers=headers)

    return lambda: _loop(system, one_round)


def saver(system: FaultSystem, traffic: Traffic, headers: dict[str, str], draft: dict[str, Any]) -> Callable[[], None]:
    """Saves of one draft, one after another, each with a new text; after a failure it reads the draft again
    (the failed save may or may not have been written) to get the version to send next."""
    saves = traffic.saves.setdefault(draft["id"], Saves(draft["id"]))
    state = {"etag": f'"{draft["version"]}"', "n": 0}

    def one_round(http: httpx.Client) -> None:
        state["n"] += 1
        value = f"Lần lưu số {state['n']}"
        response = _send(http, traffic, "submissions.save", "PATCH", f"/api/submissions/submissions/{draft['id']}",
                         json={"values": {"s1_result": value}}, headers={**headers, "If-Match": state["etag"]})
        ok = response is not None and response.is_success
        saves.sent.append((value, ok))
        if ok and response is not None:
            state["etag"] = response.headers["etag"]
            return
        time.sleep(0.1)
        fresh = _send(http, traffic, "submissions.page", "GET", f"/api/submissions/submissions/{draft['id']}",
                      headers=headers)
        if fresh is not None and fresh.is_success:
            state["etag"] = fresh.headers["etag"]

    return lambda: _loop(system, one_round)


def _loop(system: FaultSystem, one_round: Callable[[httpx.Client], None]) -> None:
    with system.client(timeout=REQUEST_BOUND_SECONDS) as http:
        while not system.stop_traffic.is_set():
            one_round(http)
            time.sleep(0.05)


def run_traffic(system: FaultSystem, workers: list[Callable[[], None]], during: Callable[[], Any]) -> Any:
    """Run the workers, call `during` (the fault and its repair) while they run, then stop them."""
    system.stop_traffic.clear()
    threads = [threading.Thread(target=work, daemon=True) for work in workers]
    for thread in threads:
        thread.start()
    try:
        return during()
    finally:
        system.stop_traffic.set()
        for thread in threads:
            thread.join(timeout=REQUEST_BOUND_SECONDS + 10)
