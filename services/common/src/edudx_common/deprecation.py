"""How an operation on its way out says so on every answer (docs/api/deprecation.md):

    @router.get("/old", deprecated=True, dependencies=[sunset(since=…, until=…)])

`Deprecation: @<unix time>` (RFC 9745) from `since`, `Sunset: <HTTP-date>` (RFC 8594) at `until` (at least six
months later), and a `Link` to the changelog that says what replaces it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

from fastapi import Depends, Response

CHANGELOG_URL = "https://edudx.vn/docs/api/CHANGELOG"
MINIMUM_NOTICE = timedelta(days=182)


def deprecation_headers(since: datetime, until: datetime) -> dict[str, str]:
    if until - since < MINIMUM_NOTICE:
        raise ValueError("an operation lives at least six months after its deprecation is announced")
    return {
        "Deprecation": f"@{int(since.timestamp())}",
        "Sunset": format_datetime(until.astimezone(UTC), usegmt=True),
        "Link": f'<{CHANGELOG_URL}>; rel="deprecation"',
    }


def sunset(*, since: datetime, until: datetime) -> Any:
    """A route dependency adding the deprecation headers to the route's answers."""
    headers = deprecation_headers(since, until)

    async def announce(response: Response) -> None:
        response.headers.update(headers)

    return Depends(announce)
