"""Identity's own Prometheus counters (the HTTP ones come from edudx_common.metrics)."""

from __future__ import annotations

from prometheus_client import Counter

AUTH_FAILURES = Counter(
    "edudx_auth_failures_total", "Logins and service-token requests refused (identity), by reason.", ["reason"],
)
