"""Times shown to a person are dd/mm/yyyy HH:mm in Vietnam time (`edudx_common.timezone.format_vn`): never ISO
8601, never UTC. Tests pass problems, e-mails and exports through `iso_timestamps`."""

from __future__ import annotations

import re

# 2026-12-06T17:40:22+00:00, 2026-12-06 17:40, 2026-12-06T17:40Z …
ISO_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
SHOWN_TIME = re.compile(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}")


def iso_timestamps(text: str) -> list[str]:
    return ISO_TIMESTAMP.findall(text)
