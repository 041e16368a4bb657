"""The production-like topology (`scripts/run_production.py`) on PostgreSQL: every service its own uvicorn
process, migrations as their own step, the notifications API without its loops plus two worker processes,
e-mail over a real SMTP server (aiosmtpd). The year-end scenario runs through its gateway; then the JSON logs
carry one request's id in every service it touched, and each service's `/metrics` shows what happened."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import RunningSystem, running_script
from tests.e2e.year_end_scenario import PRINCIPAL, SCHOOL_OFFICER, ScenarioOutcome, check_year_end, run_year_end
from tests.smtp import Inbox, smtp_server
from tests.support import POSTGRES_URL, SCHEMA_PREFIX, on_postgres

# Start-up counts towards the first test: some fifteen processes on a machine other tests keep busy.
pytestmark = [pytest.mark.postgres, pytest.mark.timeout(900),
              pytest.mark.skipif(not on_postgres(), reason="the production topology runs on PostgreSQL")]

METRICS_TOKEN = "metrics-token-for-the-e2e-test"


@pytest.fixture(scope="module")
def production(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RunningSystem, Inbox]]:
    var = tmp_path_factory.mktemp("production")
    with smtp_server() as (inbox, smtp_port):
        args = ["--postgres-url", POSTGRES_URL, "--seed", "--smtp-host", "127.0.0.1", "--smtp-port", str(smtp_port),
                "--schema-prefix", f"{SCHEMA_PREFIX}prod_",
                # Two workers of one service, as a replica set scales it: they share its metrics and database.
                "--workers", "1,submissions=2",
                # No quiet hours: the test may run at night in Vietnam. Workers look for work often.
                "--set", "NOTIFICATIONS_QUIET_HOURS_START=00:00", "--set", "NOTIFICATIONS_QUIET_HOURS_END=00:00",
                "--set", "NOTIFICATIONS_IDLE_SECONDS=0.2", "--set", f"GATEWAY_METRICS_TOKEN={METRICS_TOKEN}"]
        with running_script("run_production.py", var, args, emptied_schema_prefix=f"{SCHEMA_PREFIX}prod_",
                            start_timeout=300) as system:
            yield system, inbox


@pytest.fixture(scope="module")
def scenario(production: tuple[RunningSystem, Inbox]) -> ScenarioOutcome:
    return run_year_end(production[0])


def log_records(var: Path) -> dict[str, list[dict[str, object]]]:
    """process name → its JSON log lines (lines that are not JSON, such as uvicorn's start-up, are left out)."""
    records: dict[str, list[dict[str, object]]] = {}
    for path in sorted((var / "logs").glob("*.log")):
        lines = records.setdefault(path.stem, [])
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("{"):
                try:
                    lines.append(json.loads(line))
                except json.JSONDecodeError:
                    continue
    return records


def processes_with(records: dict[str, list[dict[str, object]]], request_id: str) -> set[str]:
    return {name for name, lines in records.items() if any(r.get("request_id") == request_id for r in lines)}


def test_year_end_scenario_and_its_emails_once_each(production: tuple[RunningSystem, Inbox],
                                                     scenario: ScenarioOutcome) -> None:
    system, inbox = production
    check_year_end(scenario)

    expected = {(SCHOOL_OFFICER, kind) for kind in ("campaign_published", "submission_returned",
                                                    "submission_approved", "results_published")}
    deadline = time.monotonic() + 90
    while not expected <= _delivered(inbox) and time.monotonic() < deadline:
        time.sleep(0.5)
    time.sleep(2)  # a duplicate, if a second worker were to send one, would arrive in this time
    message_ids = [m["Message-ID"] for m in inbox.messages]

    assert expected <= _delivered(inbox), sorted(_delivered(inbox))
    assert (PRINCIPAL, "submission_returned") in _delivered(inbox)
    assert len(message_ids) == len(set(message_ids)), "an e-mail was delivered twice"
    workers = [name for name in log_records(system.var) if name.startswith("notifications-worker-")]
    assert sorted(workers) == ["notifications-worker-1", "notifications-worker-2"]
    assert system.process.poll() is None


def _delivered(inbox: Inbox) -> set[tuple[str, str]]:
    return {(str(address).strip(), str(m["X-EduDX-Kind"])) for m in list(inbox.messages)
            for address in str(m["To"]).split(",")}


def test_one_request_id_in_the_logs_of_every_service_it_touched(production: tuple[RunningSystem, Inbox],
                                                                scenario: ScenarioOutcome) -> None:
    system, _inbox = production
    returned, uploaded = scenario.request_ids["return"], scenario.request_ids["upload"]
    deadline = time.monotonic() + 30  # the events reach scoring and notifications after the response
    wanted = {"gateway", "submissions", "scoring", "notifications"}
    while not wanted <= processes_with(log_records(system.var), returned) and time.monotonic() < deadline:
        time.sleep(0.5)
    records = log_records(system.var)

    assert wanted <= processes_with(records, returned)
    assert {"gateway", "evidence", "submissions"} <= processes_with(records, uploaded)
    # A line of the receiving service is about the event it took in under that id, not only a request line: the
    # batch route's line per event (or, for an event posted alone, that request's own line).
    notifications = [r for r in records["notifications"] if r.get("request_id") == returned]
    assert any((r.get("event") == "event received" and r.get("outcome") == "done")
               or r.get("path") == "/api/notifications/events" for r in notifications)
    assert all(r.get("service") == "notifications" for r in notifications)


def test_each_service_exposes_its_metrics_and_they_move(production: tuple[RunningSystem, Inbox],
                                                        scenario: ScenarioOutcome) -> None:
    system, _inbox = production
    before = {name: _metrics(url) for name, url in system.services.items()}
    refused = httpx.post(f"{system.gateway}/api/identity/auth/login", timeout=30,
                         json={"email": SCHOOL_OFFICER, "password": "not-the-password-1"})
    after = {name: _metrics(url) for name, url in system.services.items()}

    assert refused.status_code == 401
    for name, text in after.items():
        assert "edudx_http_request_duration_seconds_bucket" in text, name
        assert not re.search(r'route="[^"]*[0-9a-f]{8}-[0-9a-f]{4}', text), f"{name}: an id in a route label"
        assert 'route="/metrics"' not in text, f"{name}: scrapes are not counted as requests"
    route = 'route="/api/identity/auth/login"'
    assert _value(after["identity"], "edudx_http_requests_total", route, 'status="401"') == \
        _value(before["identity"], "edudx_http_requests_total", route, 'status="401"') + 1
    assert _value(after["identity"], "edudx_auth_failures_total", 'reason="bad_credentials"') == \
        _value(before["identity"], "edudx_auth_failures_total", 'reason="bad_credentials"') + 1
    assert _value(after["evidence"], "edudx_evidence_upload_bytes_total") == scenario.evidence["size"] > 0
    assert 'edudx_outbox_pending_messages{receiver="notifications",service="submissions"}' in after["submissions"]
    assert 'edudx_outbox_pending_messages{receiver="notifications",service="scoring"}' in after["scoring"]
    # Sent by the two worker processes, reported by the notifications API (multiprocess mode).
    kinds = ("campaign_published", "submission_returned", "submission_approved", "results_published")
    deadline = time.monotonic() + 60
    while True:
        sent = {kind: _value(_metrics(system.services["notifications"]), "edudx_notification_emails_sent_total",
                             f'kind="{kind}"') for kind in kinds}
        if all(sent.values()) or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert all(count >= 1 for count in sent.values()), sent


def test_metrics_are_not_reachable_through_the_gateway_without_its_token(
        production: tuple[RunningSystem, Inbox]) -> None:
    system, _inbox = production
    anonymous = httpx.get(f"{system.gateway}/metrics", timeout=30)
    wrong = httpx.get(f"{system.gateway}/metrics", headers={"Authorization": "Bearer wrong"}, timeout=30)
    scraped = httpx.get(f"{system.gateway}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"},
                        timeout=30)
    service_paths = [httpx.get(f"{system.gateway}/api/{name}/metrics", timeout=30) for name in system.services]

    assert anonymous.status_code == wrong.status_code == 404
    assert scraped.status_code == 200 and 'service="gateway"' in scraped.text
    # Through the gateway everything is one route; the services label their own templates.
    assert 'route="/api/{service}/{path}"' in scraped.text
    assert all(r.status_code in (401, 404) and "edudx_" not in r.text for r in service_paths)


def _metrics(base_url: str) -> str:
    response = httpx.get(f"{base_url}/metrics", timeout=30)
    assert response.status_code == 200, response.text
    return response.text


def _value(text: str, name: str, *labels: str) -> float:
    """The sum of `name`'s samples whose labels include every one of `labels`."""
    total = 0.0
    for line in text.splitlines():
        sample, _, value = line.rpartition(" ")
        if sample.split("{")[0] == name and all(label in sample for label in labels):
            total += float(value)
    return total
