"""Per-IP limits on the endpoints worth guessing at (login, password reset), and a general limit on every API
request per client address and per signed-in user.

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

from edudx_common.auth import Principal
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
        self._per_ip = SlidingWindowLimiter(settings.requests_per_minute_per_ip)
        self._per_user = SlidingWindowLimiter(settings.requests_per_minute_per_user)

    def check(self, request: Request) -> None:
        """Before the token is looked at: the client address's general limit, then the guessable endpoints'."""
        address = client_address(request, trust_forwarded_for=self._trust_forwarded_for)
        _refuse_after(self._per_ip.hit(address), "Có quá nhiều yêu cầu từ địa chỉ mạng của bạn.")
        path = request.url.path.rstrip("/")
        limiter = self._limiters.get((request.method, path))
        if limiter is not None:
            _refuse_after(limiter.hit(address), "Bạn đã thử quá nhiều lần.")

    def check_user(self, principal: Principal | None) -> None:
        """After the token verified: the signed-in user's limit, wherever the user connects from."""
        if principal is not None and principal.kind == "user":
            _refuse_after(self._per_user.hit(principal.subject), "Tài khoản của bạn gửi quá nhiều yêu cầu.")


def _refuse_after(retry_after: float | None, reason: str) -> None:
    if retry_after is None:
        return
    seconds = max(1, math.ceil(retry_after))
    raise TooManyRequests(
        f"{reason} Vui lòng thử lại sau {seconds} giây.",
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
