"""Sliding-window rate-limit counters behind one interface, in this process or shared by every replica in Redis.

`RateLimitStore.hit(key, limit=…, window=…)` counts one hit and answers None (allowed) or the seconds until the
next hit would be allowed. The in-process store is the embedded default (no Redis needed); with several replicas
of a service each would count only what it saw, so a client got up to N × the limit. `RedisRateLimitStore` keeps
one log of hit times per key in Redis, checked and appended in one atomic script timed by the Redis server's
clock, so every replica sees the same count. If Redis cannot be reached the store falls back to counting in this
process (the per-replica limit still holds) rather than letting every request through or refusing them all,
and tries Redis again only a few seconds later, so that a hung Redis does not slow every request.
"""

from __future__ import annotations

import logging
import math
import time
import uuid
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from redis.asyncio import Redis

logger = logging.getLogger(__name__)


class RateLimitStore(Protocol):
    async def hit(self, key: str, *, limit: int, window: float) -> float | None:
        """Count one hit on `key`. None when allowed; otherwise the seconds until a hit would be allowed."""
        ...

    async def blocked(self, key: str, *, limit: int, window: float) -> float | None:
        """Without counting: None when a hit on `key` would be allowed now, else the seconds until it would be."""
        ...

    async def close(self) -> None: ...


class MemoryRateLimitStore:
    """At most `limit` hits per key in any `window` seconds, counted in this process (a log of hit times per key).

    Memory stays bounded under a flood of distinct keys: idle keys go first, then the least recently seen.
    """

    def __init__(self, *, max_keys: int = 100_000, clock: Callable[[], float] = time.monotonic) -> None:
        self._max_keys = max_keys
        self._clock = clock
        self._hits: OrderedDict[str, deque[float]] = OrderedDict()
        self._longest_window = 0.0

    def __len__(self) -> int:
        return len(self._hits)

    async def hit(self, key: str, *, limit: int, window: float) -> float | None:
        return self.hit_now(key, limit=limit, window=window)

    def hit_now(self, key: str, *, limit: int, window: float) -> float | None:
        now = self._clock()
        self._longest_window = max(self._longest_window, window)
        hits = self._hits.get(key)
        if hits is None:
            self._make_room(now)
            hits = self._hits[key] = deque()
        else:
            self._hits.move_to_end(key)
        while hits and hits[0] <= now - window:
            hits.popleft()
        if len(hits) >= limit:
            return hits[-limit] + window - now
        hits.append(now)
        return None

    async def blocked(self, key: str, *, limit: int, window: float) -> float | None:
        hits = self._hits.get(key)
        if hits is None:
            return None
        now = self._clock()
        while hits and hits[0] <= now - window:
            hits.popleft()
        return hits[-limit] + window - now if len(hits) >= limit else None

    async def close(self) -> None:
        self._hits.clear()

    def _make_room(self, now: float) -> None:
        if len(self._hits) < self._max_keys:
            return
        idle_before = now - self._longest_window
        for key in [k for k, hits in self._hits.items() if not hits or hits[-1] <= idle_before]:
            del self._hits[key]
        while len(self._hits) >= self._max_keys:
            self._hits.popitem(last=False)


# KEYS[1] the key's log (a sorted set of hit ids scored by time in µs); ARGV limit, window in µs, a unique hit id.
# Returns -1 when the hit was counted, otherwise the µs until the oldest counted hit leaves the window.
_SLIDING_WINDOW_SCRIPT = """
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
if count >= limit then
  local oldest = redis.call('ZRANGE', KEYS[1], count - limit, count - limit, 'WITHSCORES')
  return math.max(1, tonumber(oldest[2]) + window - now)
end
redis.call('ZADD', KEYS[1], now, ARGV[3])
redis.call('PEXPIRE', KEYS[1], math.ceil(window / 1000))
return -1
"""

# The same log, read only: -1 when a hit would be counted now, otherwise the µs until it would be.
_PEEK_SCRIPT = """
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local count = redis.call('ZCOUNT', KEYS[1], '(' .. (now - window), '+inf')
if count < limit then
  return -1
end
local oldest = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. (now - window), '+inf', 'WITHSCORES', 'LIMIT',
                          count - limit, 1)
return math.max(1, tonumber(oldest[2]) + window - now)
"""


class RedisRateLimitStore:
    """The same sliding window, one log per key in Redis, shared by every replica that uses the same prefix."""

    def __init__(self, redis: Redis, *, prefix: str, fallback: MemoryRateLimitStore | None = None,
                 retry_after_failure: float = 5.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._redis = redis
        self._prefix = prefix
        self._script = redis.register_script(_SLIDING_WINDOW_SCRIPT)
        self._peek = redis.register_script(_PEEK_SCRIPT)
        self._fallback = fallback or MemoryRateLimitStore()
        self._retry_after_failure = retry_after_failure
        self._clock = clock
        self._failing = False
        self._skip_until = 0.0

    async def hit(self, key: str, *, limit: int, window: float) -> float | None:
        return await self._run(self._script, self._fallback.hit, key, limit=limit, window=window,
                               hit_id=uuid.uuid4().hex)

    async def blocked(self, key: str, *, limit: int, window: float) -> float | None:
        return await self._run(self._peek, self._fallback.blocked, key, limit=limit, window=window)

    async def _run(self, script: Any, fallback: Callable[..., Awaitable[float | None]], key: str, *, limit: int,
                   window: float, hit_id: str | None = None) -> float | None:
        from redis.exceptions import RedisError

        if self._failing and self._clock() < self._skip_until:
            # Redis failed a moment ago: do not make every request wait for its timeout again.
            return await fallback(key, limit=limit, window=window)
        args: list[int | str] = [limit, int(window * 1_000_000)] + ([hit_id] if hit_id is not None else [])
        try:
            waited_us = int(await script(keys=[self._prefix + key], args=args))
        except (RedisError, OSError) as exc:
            if not self._failing:
                logger.warning("rate-limit store unreachable, counting in this process: %s", exc)
                self._failing = True
            self._skip_until = self._clock() + self._retry_after_failure
            return await fallback(key, limit=limit, window=window)
        if self._failing:
            logger.info("rate-limit store reachable again")
            self._failing = False
        return None if waited_us < 0 else waited_us / 1_000_000

    async def close(self) -> None:
        await self._redis.aclose()


def create_rate_limit_store(redis_url: str, *, prefix: str) -> RateLimitStore:
    """Redis when `redis_url` is set (replicas share their counts), otherwise this process's memory."""
    if not redis_url:
        return MemoryRateLimitStore()
    from redis.asyncio import Redis

    # Short timeouts: a limiter that waits on a sick Redis would hold up every request; the fallback answers.
    client = Redis.from_url(redis_url, socket_connect_timeout=0.5, socket_timeout=0.5, health_check_interval=30)
    return RedisRateLimitStore(client, prefix=prefix)


def retry_after_seconds(waited: float) -> int:
    """Whole seconds for a Retry-After header: never 0, so a client that obeys it does not hammer."""
    return max(1, math.ceil(waited))


# The header names of draft-ietf-httpapi-ratelimit-headers-06 (three separate fields; later drafts fold them into
# `RateLimit` and `RateLimit-Policy`), which clients and proxies widely read. Sent with every 429.
RATE_LIMIT_HEADERS = ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset")


def rate_limit_headers(*, limit: int, waited: float, remaining: int = 0) -> dict[str, str]:
    """`Retry-After` and the `RateLimit-*` headers of a refusal: `limit` hits per window, `remaining` of them left
    (0 when refused), the window (or the wait) over in `waited` seconds."""
    seconds = retry_after_seconds(waited)
    return {"Retry-After": str(seconds), "RateLimit-Limit": str(max(0, limit)),
            "RateLimit-Remaining": str(max(0, remaining)), "RateLimit-Reset": str(seconds)}
