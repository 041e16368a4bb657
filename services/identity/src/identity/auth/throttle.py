"""Identity's own brakes on guessing, counted in this process or — with `IDENTITY_REDIS_URL` — in Redis, shared by
every identity replica.

Two mechanisms, both keyed so that nobody can use them against someone else:

- `LoginThrottle`: failed sign-ins counted per (e-mail as typed, client address). After a few free failures each
  further one makes that pair wait longer (doubling up to a cap). The key is the address string, whether or not an
  account has it, so the answer never tells which addresses exist; and the owner's correct password from any other
  client address still works — there is no account lock that a stranger can trigger.
- `AddressLimit`: at most N refused attempts per client address per minute on the endpoints worth guessing at
  (sign-in, refresh, service credentials, reset links; every reset request counts), whether or not a gateway
  stands in front. Only refusals count, so a school's staff behind one address sign in freely while someone
  trying passwords or tokens across many accounts from that address is stopped. Counted in the shared
  rate-limit store (edudx_common.ratelimit), the gateway's.

In process memory (the embedded default) N identity replicas would give a client up to N × the limits, and a
restart forgets; in Redis the replicas count together. A Redis that cannot be reached falls back to this
process's memory (the per-replica limit still holds) and is tried again a few seconds later.
"""

from __future__ import annotations

import ipaddress
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from fastapi import Request

from edudx_common.ratelimit import RateLimitStore

if TYPE_CHECKING:
    from redis.asyncio import Redis

logger = logging.getLogger(__name__)


class LoginThrottle(Protocol):
    async def retry_after(self, email: str, address: str) -> float | None:
        """Seconds this pair must still wait, or None when it may try now."""
        ...

    async def failed(self, email: str, address: str) -> None: ...

    async def succeeded(self, email: str, address: str) -> None: ...

    async def close(self) -> None: ...


@dataclass
class _Failures:
    count: int
    blocked_until: float
    last_at: float


class MemoryLoginThrottle:
    """Growing delays for failed sign-ins of one (account, client address) pair, in this process."""

    def __init__(self, *, free_failures: int, base_seconds: float, max_seconds: float, max_keys: int = 100_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._free = free_failures
        self._base = base_seconds
        self._max = max_seconds
        self._max_keys = max_keys
        self._clock = clock
        self._entries: OrderedDict[tuple[str, str], _Failures] = OrderedDict()

    async def retry_after(self, email: str, address: str) -> float | None:
        entry = self._entries.get((email, address))
        if entry is None:
            return None
        wait = entry.blocked_until - self._clock()
        return wait if wait > 0 else None

    async def failed(self, email: str, address: str) -> None:
        now = self._clock()
        key = (email, address)
        entry = self._entries.get(key)
        if entry is None or now - entry.last_at > self._max:  # quiet for a whole cap: start afresh
            self._make_room(now)
            entry = self._entries[key] = _Failures(count=0, blocked_until=0.0, last_at=now)
        else:
            self._entries.move_to_end(key)
        entry.count += 1
        entry.last_at = now
        if entry.count >= self._free:
            delay = min(self._base * 2 ** (entry.count - self._free), self._max)
            entry.blocked_until = now + delay

    async def succeeded(self, email: str, address: str) -> None:
        self._entries.pop((email, address), None)

    def reset(self) -> None:
        """Forget every pair (an operator's reset, or between tests sharing one app)."""
        self._entries.clear()

    async def close(self) -> None:
        self._entries.clear()

    def _make_room(self, now: float) -> None:
        if len(self._entries) < self._max_keys:
            return
        for key in [k for k, e in self._entries.items() if now - e.last_at > self._max]:
            del self._entries[key]
        while len(self._entries) >= self._max_keys:
            self._entries.popitem(last=False)


# KEYS[1] one pair's hash (count, last_at, blocked_until in µs of the Redis server's clock); ARGV free failures,
# base and cap in µs. The same rule as MemoryLoginThrottle.failed, atomic across replicas.
_FAILED_SCRIPT = """
local free = tonumber(ARGV[1])
local base = tonumber(ARGV[2])
local cap = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local stored = redis.call('HMGET', KEYS[1], 'count', 'last_at', 'blocked_until')
local count = tonumber(stored[1]) or 0
local blocked_until = tonumber(stored[3]) or 0
if count == 0 or now - tonumber(stored[2]) > cap then
  count = 0
  blocked_until = 0
end
count = count + 1
if count >= free then
  blocked_until = now + math.min(base * 2 ^ (count - free), cap)
end
redis.call('HSET', KEYS[1], 'count', count, 'last_at', now, 'blocked_until', string.format('%d', blocked_until))
redis.call('PEXPIRE', KEYS[1], math.ceil(cap / 1000))
return count
"""
# -1 when the pair may try now, otherwise the µs it must still wait.
_RETRY_AFTER_SCRIPT = """
local blocked_until = tonumber(redis.call('HGET', KEYS[1], 'blocked_until'))
if not blocked_until then
  return -1
end
local t = redis.call('TIME')
local wait = blocked_until - (tonumber(t[1]) * 1000000 + tonumber(t[2]))
if wait <= 0 then
  return -1
end
return wait
"""


class RedisLoginThrottle:
    """The same growing delays, one small hash per pair in Redis, shared by every identity replica."""

    def __init__(self, redis: Redis, *, prefix: str, free_failures: int, base_seconds: float, max_seconds: float,
                 retry_after_failure: float = 5.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._redis = redis
        self._prefix = prefix
        self._args = [free_failures, int(base_seconds * 1_000_000), int(max_seconds * 1_000_000)]
        self._failed = redis.register_script(_FAILED_SCRIPT)
        self._retry_after = redis.register_script(_RETRY_AFTER_SCRIPT)
        self._fallback = MemoryLoginThrottle(free_failures=free_failures, base_seconds=base_seconds,
                                             max_seconds=max_seconds)
        self._retry_after_failure = retry_after_failure
        self._clock = clock
        self._skip_until = 0.0

    def _key(self, email: str, address: str) -> str:
        return f"{self._prefix}{address}|{email}"  # an address holds no "|"; the e-mail as typed may

    async def retry_after(self, email: str, address: str) -> float | None:
        if self._reachable():
            try:
                waited_us = int(await self._retry_after(keys=[self._key(email, address)]))
                return None if waited_us < 0 else waited_us / 1_000_000
            except Exception as exc:  # noqa: BLE001 - RedisError or OSError: fall back, never refuse everyone
                self._unreachable(exc)
        return await self._fallback.retry_after(email, address)

    async def failed(self, email: str, address: str) -> None:
        if self._reachable():
            try:
                await self._failed(keys=[self._key(email, address)], args=self._args)
                return
            except Exception as exc:  # noqa: BLE001
                self._unreachable(exc)
        await self._fallback.failed(email, address)

    async def succeeded(self, email: str, address: str) -> None:
        await self._fallback.succeeded(email, address)
        if self._reachable():
            try:
                await self._redis.delete(self._key(email, address))
            except Exception as exc:  # noqa: BLE001
                self._unreachable(exc)

    async def close(self) -> None:
        await self._redis.aclose()

    def _reachable(self) -> bool:
        return self._clock() >= self._skip_until

    def _unreachable(self, exc: Exception) -> None:
        if self._skip_until == 0.0 or self._clock() >= self._skip_until:
            logger.warning("login-throttle store unreachable, counting in this process: %s", exc)
        self._skip_until = self._clock() + self._retry_after_failure


def create_login_throttle(redis_url: str, *, prefix: str, free_failures: int, base_seconds: float,
                          max_seconds: float) -> LoginThrottle:
    """Redis when `redis_url` is set (identity replicas share their counts), otherwise this process's memory."""
    if not redis_url:
        return MemoryLoginThrottle(free_failures=free_failures, base_seconds=base_seconds, max_seconds=max_seconds)
    from redis.asyncio import Redis

    client = Redis.from_url(redis_url, socket_connect_timeout=0.5, socket_timeout=0.5, health_check_interval=30)
    return RedisLoginThrottle(client, prefix=prefix, free_failures=free_failures, base_seconds=base_seconds,
                              max_seconds=max_seconds)


class AddressLimit:
    """At most `limit` counted hits per client address in any `window` seconds, in the shared store."""

    def __init__(self, store: RateLimitStore, limit: int, *, window: float = 60.0) -> None:
        self.store = store
        self.limit = limit
        self.window = window

    async def blocked(self, address: str) -> float | None:
        """Without counting: None when a hit would be allowed now, else the seconds until it would be."""
        return await self.store.blocked(address, limit=self.limit, window=self.window)

    async def hit(self, address: str) -> float | None:
        """Count one hit. None when allowed; otherwise the seconds until the next hit would be allowed."""
        return await self.store.hit(address, limit=self.limit, window=self.window)


def client_address(request: Request, trusted_proxies: list[str]) -> str:
    """The caller's address: the TCP peer, or — when the peer is a trusted proxy (the gateway) — the address that
    proxy saw, which it appends last to `X-Forwarded-For`. Entries further left are the client's own claims."""
    peer = request.client.host if request.client else "unknown"
    if not _is_trusted(peer, trusted_proxies):
        return peer
    chain = ",".join(request.headers.getlist("x-forwarded-for"))
    hops = [hop.strip() for hop in chain.split(",") if hop.strip()]
    return hops[-1][:64] if hops else peer


def _is_trusted(peer: str, trusted_proxies: list[str]) -> bool:
    try:
        address = ipaddress.ip_address(peer)
    except ValueError:
        return False
    for entry in trusted_proxies:
        try:
            if address in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False
