"""The sample dashboard, alert rules and scrape configuration in deploy/observability/ ask only for metrics
the services expose (names from edudx_common.metrics, as the text format writes them)."""

from __future__ import annotations

import json
import re

import yaml
from prometheus_client import REGISTRY

from edudx_common import metrics
from tests.support import REPO

OBSERVABILITY = REPO / "deploy" / "observability"
METRIC_NAME = re.compile(r"\bedudx_[a-z_]+\b")


def exposed_names() -> set[str]:
    """Every sample name the services can write: counters with `_total`, histograms' series, the outbox gauges."""
    names = {metrics.OUTBOX_PENDING, metrics.OUTBOX_FAILED, metrics.OUTBOX_OLDEST_PENDING}
    for family in REGISTRY.collect():
        if not family.name.startswith("edudx_"):
            continue
        if family.type == "counter":
            names.add(f"{family.name}_total")
        elif family.type == "histogram":
            names |= {f"{family.name}_bucket", f"{family.name}_sum", f"{family.name}_count"}
        else:
            names.add(family.name)
    return names


def expressions(node: object) -> list[str]:
    if isinstance(node, dict):
        return [e for key, value in node.items()
                for e in ([value] if key in ("expr", "query") and isinstance(value, str) else expressions(value))]
    if isinstance(node, list):
        return [e for item in node for e in expressions(item)]
    return []


def test_every_metric_the_dashboard_queries_is_exposed() -> None:
    dashboard = json.loads((OBSERVABILITY / "grafana-dashboard.json").read_text(encoding="utf-8"))
    queried = {name for expr in expressions(dashboard) for name in METRIC_NAME.findall(expr)}

    assert queried - exposed_names() == set()
    # The dashboard shows what the issue asks for: rates, latency, errors, outbox, e-mails, uploads, logins.
    assert {"edudx_http_requests_total", "edudx_http_request_duration_seconds_bucket",
            "edudx_outbox_pending_messages", "edudx_notification_emails_sent_total",
            "edudx_evidence_upload_bytes_total", "edudx_auth_failures_total"} <= queried
    assert all(panel["datasource"]["uid"] == "${datasource}" for panel in dashboard["panels"])


def test_alert_rules_and_scrape_config_use_exposed_metrics() -> None:
    rules = yaml.safe_load((OBSERVABILITY / "edudx-alerts.yml").read_text(encoding="utf-8"))
    scrape = yaml.safe_load((OBSERVABILITY / "prometheus.yml").read_text(encoding="utf-8"))
    queried = {name for expr in expressions(rules) for name in METRIC_NAME.findall(expr)}

    assert queried and queried - exposed_names() == set()
    jobs = {job["job_name"]: job for job in scrape["scrape_configs"]}
    assert set(jobs) == {"edudx-services", "edudx-gateway"}
    assert jobs["edudx-gateway"]["authorization"]["type"] == "Bearer"  # the gateway's /metrics needs its token
    assert scrape["rule_files"] == ["edudx-alerts.yml"]
