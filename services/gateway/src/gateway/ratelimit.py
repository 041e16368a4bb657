"""Per-IP limits on the endpoints worth guessing at: login and password reset.

The counters live in this process's memory on purpose: no extra moving part for a few thousand schools.
The price: with N gateway replicas a client gets up to N × the limit, and a restart forgets. Identity's
per-account lockout stands behind this either way; a shared store is the step up if that ever matters.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict, deque
from collections.abc import Callable

from fastapi import Request

from edudx_common.errors import TooManyRequests
from gateway.config import Settings

WINDOW_SECONDS = 60.0


class SlidingWindowLimiter:
    """At most `limit` hits per key in any `window` seconds (a log of hit times per key)."""

    def __init__(
        self,
        limit: int,
        *,
        window: float = WINDOW_SECONDS,
        max_keys: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.window = window
        self._max_keys = max_keys
        self._clock = clock
        self._hits: OrderedDict[str, deque[float]] = OrderedDict()

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
        # Bounded memory under a flood of distinct addresses: drop idle keys, then the least recently seen.
        if len(self._hits) < self._max_keys:
            return
        for key in [k for k, hits in self._hits.items() if not hits or hits[-1] <= now - self.window]:
            del self._hits[key]
        while len(self._hits) >= self._max_keys:
            self._hits.popitem(last=False)


class RateLimits:
    """Which requests are limited, and the limiter of each."""

    def __init__(self, settings: Settings) -> None:
        self._trust_forwarded_for = settings.trust_forwarded_for
        self._limiters = {
            ("POST", "/api/identity/auth/login"): SlidingWindowLimiter(settings.login_rate_per_minute),
            ("POST", "/api/identity/auth/password-reset"): SlidingWindowLimiter(
                settings.password_reset_rate_per_minute
            ),
        }

    def check(self, request: Request) -> None:
        path = request.url.path.rstrip("/")
        limiter = self._limiters.get((request.method, path))
        if limiter is None:
            return
        retry_after = limiter.hit(client_address(request, trust_forwarded_for=self._trust_forwarded_for))
        if retry_after is not None:
            seconds = max(1, math.ceil(retry_after))
            raise TooManyRequests(
                f"Bạn đã thử quá nhiều lần. Vui lòng thử lại sau {seconds} giây.",
                headers={"Retry-After": str(seconds)},
                extra={"retry_after_seconds": seconds},
            )


def client_address(request: Request, *, trust_forwarded_for: bool) -> str:
    if trust_forwarded_for:
        chain = ",".join(request.headers.getlist("x-forwarded-for"))
        # The last entry was appended by our own proxy; the ones before it are whatever the client claimed.
        last = chain.rsplit(",", 1)[-1].strip()
        if last:
            return last
    return request.client.host if request.client else "unknown"
