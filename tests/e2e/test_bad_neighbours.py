"""One user's malformed requests never fail another user's, through the gateway, with every service running.

The attacker's requests used to answer 500 and close the service's keep-alive connection, which the gateway's
pool then handed to the victim's next request (502). Now each is a 4xx problem and the victim sees 0 errors.
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import RunningSystem, embedded_system
from tests.evidence.samples import pdf_bytes

ROUNDS = 6
BOUNDARY = "xyz"


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSystem]:
    # Its own system with a patient start: the shared machine may take minutes to migrate and start everything.
    with embedded_system(tmp_path_factory.mktemp("neighbours"), start_timeout=300) as running:
        yield running


def _draft(http: httpx.Client, headers: dict[str, str]) -> dict[str, Any]:
    campaign = http.get("/api/submissions/campaigns", headers=headers).json()["items"][0]
    draft = http.post(f"/api/submissions/campaigns/{campaign['id']}/submissions", headers=headers)
    assert draft.status_code in (200, 201), draft.text
    return dict(draft.json())


def test_a_burst_of_bad_requests_fails_none_of_another_users_requests(system: RunningSystem) -> None:
    attacker = system.login("hieutruong.longphuoc@vinhlong.edu.vn")
    victim = system.login("cntt.hoabinh@vinhlong.edu.vn")
    with system.client() as http:
        attacker_draft = _draft(http, attacker)["id"]
        victim_draft = _draft(http, system.login("hieutruong.hoabinh@vinhlong.edu.vn"))["id"]

    def bad(http: httpx.Client, round_: int) -> list[httpx.Response]:
        scores = f"/api/scoring/submissions/{attacker_draft}/self-scores"
        multipart = {**attacker, "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
        return [
            http.patch(scores, headers={**attacker, "Content-Type": "application/json"},
                       content=b'{"scores": [{"criterion_code": "1.1", "points": NaN}]}'),
            http.post("/api/evidence/files", headers=multipart,
                      content=(f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"submission_id\"\r\n\r\n"
                               f"{attacker_draft}\r\n--{BOUNDARY}\r\n\x00garbage").encode()),
            http.post("/api/evidence/files", headers=attacker, data={"submission_id": attacker_draft},
                      files={"file": ("a" * 4996 + ".pdf", pdf_bytes(), "application/pdf")}),
            http.get("/api/submissions/campaigns", headers=attacker, params={"offset": str(2**63)}),
            http.post("/api/submissions/campaigns", headers=attacker, json={"title": f"Đợt {round_}\r\nBcc: x@y"}),
        ]

    def good(http: httpx.Client, round_: int) -> list[httpx.Response]:
        return [
            http.patch(f"/api/scoring/submissions/{victim_draft}/self-scores", headers=victim,
                       json={"scores": [{"criterion_code": "1.1", "points": round_ % 4}]}),
            http.post("/api/evidence/files", headers=victim, data={"submission_id": victim_draft},
                      files={"file": (f"minh-chung-{round_}.pdf", pdf_bytes(f"vong {round_}"), "application/pdf")}),
            http.get(f"/api/scoring/submissions/{victim_draft}/scores", headers=victim),
            http.get("/api/submissions/campaigns", headers=victim),
        ]

    def good_reads(http: httpx.Client, round_: int) -> list[httpx.Response]:
        # a second victim connection that does not write the same score sheet at the same moment (two writers
        # of one sheet may meet a legitimate 409 concurrent_change)
        return [
            http.get(f"/api/scoring/submissions/{victim_draft}/scores", headers=victim),
            http.get("/api/submissions/campaigns", headers=victim),
            http.get(f"/api/evidence/submissions/{victim_draft}/files", headers=victim),
            http.get("/api/scoring/rubrics", headers=victim),
        ]

    def run(side: Any) -> list[httpx.Response]:
        with system.client() as http:
            return [r for round_ in range(ROUNDS) for r in side(http, round_)]

    with ThreadPoolExecutor(max_workers=4) as pool:
        attacks = [pool.submit(run, bad) for _ in range(2)]
        victims = [pool.submit(run, good), pool.submit(run, good_reads)]
        bad_answers = [r for f in attacks for r in f.result()]
        good_answers = [r for f in victims for r in f.result()]

    failed = [(r.request.method, r.request.url.path, r.status_code, r.text[:200]) for r in good_answers
              if r.status_code >= 300]
    assert failed == []
    assert len(good_answers) == 2 * ROUNDS * 4
    server_errors = [(r.request.url.path, r.status_code, r.text[:200]) for r in bad_answers if r.status_code >= 500]
    assert server_errors == []
    assert {r.status_code for r in bad_answers} <= {400, 403, 422}
    assert all(r.headers["content-type"].startswith("application/problem+json") for r in bad_answers)


def test_no_redirect_to_an_internal_address_and_huge_heads_are_refused(system: RunningSystem) -> None:
    headers = system.login("cntt.so@vinhlong.edu.vn")
    with system.client() as http:
        slashed = http.get("/api/identity/units/", headers=headers)
        listed = http.get("/api/identity/units", headers=headers)
    with socket.create_connection(("127.0.0.1", int(system.gateway.rsplit(":", 1)[1])), timeout=30) as sock:
        sock.sendall(b"GET /api/identity/units HTTP/1.1\r\nHost: x\r\nX-Big: ")
        try:
            for _ in range(128):
                sock.sendall(b"a" * 65536)  # 8 MB, if the gateway kept reading
        except (BrokenPipeError, ConnectionResetError):
            pass
        answer = b""
        with contextlib.suppress(ConnectionResetError, TimeoutError):
            while chunk := sock.recv(65536):
                answer += chunk

    assert slashed.status_code == 404 and "location" not in slashed.headers
    assert slashed.headers["content-type"].startswith("application/problem+json")
    assert listed.status_code == 200 and listed.headers["cache-control"] == "no-store"
    assert answer.startswith(b"HTTP/1.1 431 ")
