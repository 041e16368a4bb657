"""Revoked sessions: how a service learns, within seconds, that an unexpired access token must stop working.

Access tokens are verified locally and live 15 minutes. Identity records when a session ends early — logout,
a password change or reset, reuse of a refresh token (a stolen copy), deactivation of the account or its unit,
a change of roles or unit — and lists the sessions ended within the tokens' lifetime at
`GET /api/identity/auth/revoked-sessions`. Every service polls that list every `revocation_poll_seconds` and
refuses a token whose `sid` claim is on it (401, like an expired token).

If identity cannot be reached the last list is kept and polling goes on: tokens keep working as they did before
the outage (no worse than without this list), and the service itself stays up.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import httpx
import structlog
from sqlalchemy.exc import SQLAlchemyError

from edudx_common.errors import ProblemError
from edudx_common.http import ServiceClient

log = structlog.get_logger("edudx.revocation")

REVOKED_SESSIONS_PATH = "/api/identity/auth/revoked-sessions"

# What a refresh may fail with: identity unreachable or failing (problems, HTTP errors), a malformed answer,
# or — at identity itself — its database.
REFRESH_FAILURES = (ProblemError, httpx.HTTPError, KeyError, TypeError, ValueError, OSError, SQLAlchemyError)

SessionSource = Callable[[], Awaitable[Iterable[uuid.UUID | str]]]


class RevokedSessions:
    """The set of revoked session ids, refreshed in the background from `source`."""

    def __init__(self, source: SessionSource, *, poll_seconds: float = 5.0) -> None:
        self._source = source
        self._poll_seconds = poll_seconds
        self._sessions: frozenset[str] = frozenset()
        self.refreshed_at: float | None = None  # monotonic time of the last successful refresh

    def is_revoked(self, claims: dict[str, Any]) -> bool:
        sid = claims.get("sid")
        # Integration clients' tokens carry the client's id as `sid`: revoking the client lists it here.
        return claims.get("kind") in ("user", "client") and isinstance(sid, str) and sid in self._sessions

    async def refresh(self) -> None:
        self._sessions = frozenset(str(s) for s in await self._source())
        self.refreshed_at = time.monotonic()

    async def run(self) -> None:
        """Refresh now and then every `poll_seconds`, until cancelled."""
        while True:
            try:
                await self.refresh()
            except REFRESH_FAILURES as exc:  # identity away or answering badly: keep the last list, try again
                log.warning("revoked sessions not refreshed", error=f"{type(exc).__name__}: {exc}")
            await asyncio.sleep(self._poll_seconds)


def from_identity(identity: ServiceClient) -> SessionSource:
    """Ask identity (with this service's own service token) for the sessions revoked recently."""

    async def fetch() -> list[str]:
        response = await identity.get(REVOKED_SESSIONS_PATH)
        response.raise_for_status()
        return [str(s) for s in response.json()["sessions"]]

    return fetch
