"""Evidence's own Prometheus counters (the HTTP ones come from edudx_common.metrics)."""

from __future__ import annotations

from prometheus_client import Counter

EVIDENCE_UPLOAD_BYTES = Counter(
    "edudx_evidence_upload_bytes_total", "Bytes of evidence files stored (evidence; a file already there is not"
    " counted again).",
)
