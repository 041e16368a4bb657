"""Revoked sessions: how a service learns, within seconds, that an unexpired access token must stop working.

Access tokens are verified locally and live 15 minutes. Identity records when a session ends early — logout,
a password change or reset, reuse of a refresh token (a stolen copy), deactivation of the account or its unit,
a change of roles or unit — and lists the sessions ended within the tokens' lifetime at
`GET /api/identity/auth/revoked-sessions`. Every service polls that list every `revocation_poll_seconds` and
refuses a token whose `sid` claim is on it (401, like an expired token).

If identity cannot be reached the last list is kept and polling goes on: tokens keep working as they did before
the outage (no worse than without this list), and the service itself stays up.

Replicas that agree at once: with `<SVC>_REDIS_URL` set, identity also announces each revocation on a Redis
channel right after the transaction that recorded it commits (before the request that caused it is answered),
and every process subscribed to the channel adds the session ids to its list as the message arrives — every
replica of every service refuses the token within a message's delivery, not within a poll. The same channel tells
them when identity's signing keys changed (a rotation): their cached JWKS is dropped and fetched again. Polling
goes on beside it, so a message lost while Redis was away costs at most one poll interval, as without Redis;
after a reconnect the list is refreshed at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Any

import httpx
import structlog
from sqlalchemy.exc import SQLAlchemyError

from edudx_common.errors import ProblemError
from edudx_common.http import ServiceClient

if TYPE_CHECKING:
    from redis.asyncio import Redis
    from sqlalchemy.ext.asyncio import AsyncSession

log = structlog.get_logger("edudx.revocation")

REVOKED_SESSIONS_PATH = "/api/identity/auth/revoked-sessions"

# What a refresh may fail with: identity unreachable or failing (problems, HTTP errors), a malformed answer,
# or — at identity itself — its database.
REFRESH_FAILURES = (ProblemError, httpx.HTTPError, KeyError, TypeError, ValueError, OSError, SQLAlchemyError)

SessionSource = Callable[[], Awaitable[Iterable[uuid.UUID | str]]]


class RevokedSessions:
    """The set of revoked session ids, refreshed in the background from `source`."""

    def __init__(self, source: SessionSource, *, poll_seconds: float = 5.0,
                 channel: RevocationChannel | None = None, on_keys_changed: Callable[[], None] | None = None,
                 ) -> None:
        self._source = source
        self._poll_seconds = poll_seconds
        self._sessions: frozenset[str] = frozenset()
        # Announced on the channel (session id → monotonic time it arrived), kept until a poll that started
        # after it arrived has answered: the list identity serves then holds them already.
        self._announced: dict[str, float] = {}
        self._channel = channel
        self._on_keys_changed = on_keys_changed
        self.refreshed_at: float | None = None  # monotonic time of the last successful refresh

    def is_revoked(self, claims: dict[str, Any]) -> bool:
        sid = claims.get("sid")
        # Integration clients' tokens carry the client's id as `sid`: revoking the client lists it here.
        return (claims.get("kind") in ("user", "client") and isinstance(sid, str)
                and (sid in self._sessions or sid in self._announced))

    def add(self, sessions: Iterable[str]) -> None:
        """Sessions announced revoked (by identity, on the channel): refused from now on."""
        now = time.monotonic()
        for sid in sessions:
            self._announced[str(sid)] = now

    async def refresh(self) -> None:
        started = time.monotonic()
        self._sessions = frozenset(str(s) for s in await self._source())
        self._announced = {sid: at for sid, at in self._announced.items() if at >= started}
        self.refreshed_at = time.monotonic()

    async def _refresh_logged(self) -> None:
        try:
            await self.refresh()
        except REFRESH_FAILURES as exc:  # identity away or answering badly: keep the last list, try again
            log.warning("revoked sessions not refreshed", error=f"{type(exc).__name__}: {exc}")

    async def _poll(self) -> None:
        while True:
            await self._refresh_logged()
            await asyncio.sleep(self._poll_seconds)

    async def run(self) -> None:
        """Refresh now and then every `poll_seconds`, and follow the channel if there is one, until cancelled."""
        if self._channel is None:
            await self._poll()
            return
        async with asyncio.TaskGroup() as tasks:
            tasks.create_task(self._poll())
            tasks.create_task(self._channel.listen(on_sessions=self.add, on_keys_changed=self._keys_changed,
                                                   on_connected=self._refresh_logged))

    def _keys_changed(self) -> None:
        if self._on_keys_changed is not None:
            self._on_keys_changed()


class RevocationChannel:
    """Identity's announcements to every replica, on one Redis pub/sub channel: sessions just revoked, and that
    the signing keys changed. Publishing never fails the caller (the poll remains); listening reconnects."""

    def __init__(self, redis_url: str, *, prefix: str, retry_seconds: float = 1.0) -> None:
        from redis.asyncio import Redis

        self.name = prefix + "revocations"
        self._url = redis_url
        self._retry_seconds = retry_seconds
        # Short timeouts for publishing (it runs before a request is answered); the subscriber has its own
        # connection that waits for messages without a read timeout.
        self._redis: Redis = Redis.from_url(redis_url, socket_connect_timeout=0.5, socket_timeout=0.5)
        # This process's own listener hears what it publishes at once, not after the round trip through Redis.
        self._here: Callable[[list[str]], None] | None = None

    async def _publish(self, message: dict[str, Any]) -> None:
        from redis.exceptions import RedisError

        try:
            await self._redis.publish(self.name, json.dumps(message))
        except (RedisError, OSError) as exc:
            log.warning("revocation not announced; replicas learn it by polling",
                        error=f"{type(exc).__name__}: {exc}")

    async def publish_sessions(self, sessions: Iterable[uuid.UUID | str]) -> None:
        if listed := sorted({str(s) for s in sessions}):
            if self._here is not None:
                self._here(listed)
            await self._publish({"sessions": listed})

    async def publish_keys_changed(self) -> None:
        await self._publish({"keys": "changed"})

    async def listen(self, *, on_sessions: Callable[[list[str]], None], on_keys_changed: Callable[[], None],
                     on_connected: Callable[[], Awaitable[None]]) -> None:
        """Follow the channel until cancelled; after each (re)subscription `on_connected` (catch up)."""
        from redis.asyncio import Redis
        from redis.exceptions import RedisError

        self._here = on_sessions
        while True:
            subscriber: Redis = Redis.from_url(self._url, socket_connect_timeout=0.5, health_check_interval=30)
            try:
                async with subscriber.pubsub(ignore_subscribe_messages=True) as pubsub:
                    await pubsub.subscribe(self.name)
                    await on_connected()
                    async for message in pubsub.listen():
                        self._dispatch(message, on_sessions, on_keys_changed)
            except (RedisError, OSError) as exc:
                log.warning("revocation channel lost; polling only until it is back",
                            error=f"{type(exc).__name__}: {exc}")
            finally:
                with contextlib.suppress(RedisError, OSError):
                    await subscriber.aclose()
            await asyncio.sleep(self._retry_seconds)

    @staticmethod
    def _dispatch(message: dict[str, Any], on_sessions: Callable[[list[str]], None],
                  on_keys_changed: Callable[[], None]) -> None:
        if message.get("type") != "message":
            return
        try:
            body = json.loads(message["data"])
        except (ValueError, TypeError):
            log.warning("unreadable revocation announcement ignored")
            return
        if not isinstance(body, dict):
            return
        sessions = body.get("sessions")
        if isinstance(sessions, list):
            on_sessions([str(s) for s in sessions])
        if body.get("keys") == "changed":
            on_keys_changed()

    async def close(self) -> None:
        await self._redis.aclose()


# Where a session's channel sits (its factory's `info`) and what it should announce once committed.
CHANNEL_INFO = "edudx.revocation_channel"
_PENDING_INFO = "edudx.revoked_pending"


def note_revoked(session: AsyncSession, sessions: Iterable[uuid.UUID | str]) -> None:
    """Record, in identity's unit of work, sessions it has just revoked: announced once the transaction commits
    (`announce_committed`), never before — a rolled-back revocation is not announced."""
    if session.info.get(CHANNEL_INFO) is not None:
        session.info.setdefault(_PENDING_INFO, set()).update(str(s) for s in sessions)


def forget_revoked(session: AsyncSession) -> None:
    session.info.pop(_PENDING_INFO, None)


async def announce_committed(session: AsyncSession) -> None:
    """After a commit: announce what `note_revoked` recorded in it (nothing without a channel)."""
    pending = session.info.pop(_PENDING_INFO, None)
    channel: RevocationChannel | None = session.info.get(CHANNEL_INFO)
    if pending and channel is not None:
        await channel.publish_sessions(pending)


def from_identity(identity: ServiceClient) -> SessionSource:
    """Ask identity (with this service's own service token) for the sessions revoked recently."""

    async def fetch() -> list[str]:
        response = await identity.get(REVOKED_SESSIONS_PATH)
        response.raise_for_status()
        return [str(s) for s in response.json()["sessions"]]

    return fetch
