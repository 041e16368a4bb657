"""Identity's own brakes on guessing, in this process's memory (an optional shared store is a later step).

Two mechanisms, both keyed so that nobody can use them against someone else:

- `LoginThrottle`: failed sign-ins counted per (e-mail as typed, client address). After a few free failures each
  further one makes that pair wait longer (doubling up to a cap). The key is the address string, whether or not an
  account has it, so the answer never tells which addresses exist; and the owner's correct password from any other
  client address still works — there is no account lock that a stranger can trigger.
- `SlidingWindowLimiter`: at most N refused attempts per client address per minute on the endpoints worth
  guessing at (sign-in, refresh, service credentials, reset links; every reset request counts), whether or not a
  gateway stands in front. Only refusals count, so a school's staff behind one address sign in freely while
  someone trying passwords or tokens across many accounts from that address is stopped.

The price of process memory: with N identity replicas a client gets up to N × the limits, and a restart forgets.
"""

from __future__ import annotations

import ipaddress
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import Request


@dataclass
class _Failures:
    count: int
    blocked_until: float
    last_at: float


class LoginThrottle:
    """Growing delays for failed sign-ins of one (account, client address) pair."""

    def __init__(self, *, free_failures: int, base_seconds: float, max_seconds: float, max_keys: int = 100_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._free = free_failures
        self._base = base_seconds
        self._max = max_seconds
        self._max_keys = max_keys
        self._clock = clock
        self._entries: OrderedDict[tuple[str, str], _Failures] = OrderedDict()

    def retry_after(self, email: str, address: str) -> float | None:
        """Seconds this pair must still wait, or None when it may try now."""
        entry = self._entries.get((email, address))
        if entry is None:
            return None
        wait = entry.blocked_until - self._clock()
        return wait if wait > 0 else None

    def failed(self, email: str, address: str) -> None:
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

    def succeeded(self, email: str, address: str) -> None:
        self._entries.pop((email, address), None)

    def reset(self) -> None:
        """Forget every pair (an operator's reset, or between tests sharing one app)."""
        self._entries.clear()

    def _make_room(self, now: float) -> None:
        if len(self._entries) < self._max_keys:
            return
        for key in [k for k, e in self._entries.items() if now - e.last_at > self._max]:
            del self._entries[key]
        while len(self._entries) >= self._max_keys:
            self._entries.popitem(last=False)


class SlidingWindowLimiter:
    """At most `limit` hits per key in any `window` seconds (a log of hit times per key, bounded in keys)."""

    def __init__(self, limit: int, *, window: float = 60.0, max_keys: int = 100_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self._max_keys = max_keys
        self._clock = clock
        self._hits: OrderedDict[str, deque[float]] = OrderedDict()

    def blocked(self, key: str) -> float | None:
        """Without counting: None when a hit would be allowed now, else the seconds until it would be."""
        hits = self._hits.get(key)
        if hits is None:
            return None
        now = self._clock()
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        return hits[0] + self.window - now if len(hits) >= self.limit else None

    def hit(self, key: str) -> float | None:
        """Count one hit. None when allowed; otherwise the seconds until the next hit would be allowed."""
        now = self._clock()
        hits = self._hits.get(key)
        if hits is None:
            self._make_room(now)
            hits = self._hits[key] = deque()
        else:
            self._hits.move_to_end(key)
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        if len(hits) >= self.limit:
            return hits[0] + self.window - now
        hits.append(now)
        return None

    def _make_room(self, now: float) -> None:
        if len(self._hits) < self._max_keys:
            return
        for key in [k for k, hits in self._hits.items() if not hits or hits[-1] <= now - self.window]:
            del self._hits[key]
        while len(self._hits) >= self._max_keys:
            self._hits.popitem(last=False)


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
