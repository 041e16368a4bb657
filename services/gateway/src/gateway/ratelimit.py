"""Per-IP limits on the endpoints worth guessing at (login, password reset), and a general limit on every API
request per client address and per signed-in user.

The counters live in a `RateLimitStore` (edudx_common.ratelimit): this process's memory by default (the embedded
system, one gateway), Redis when `GATEWAY_REDIS_URL` is set, so N gateway replicas enforce one limit between them
instead of N × the limit each, and a restarted replica does not forget.
"""

from __future__ import annotations

from fastapi import Request

from edudx_common.auth import Principal
from edudx_common.errors import TooManyRequests
from edudx_common.ratelimit import RateLimitStore, retry_after_seconds
from gateway.config import Settings

WINDOW_SECONDS = 60.0


class RateLimits:
    """Which requests are limited, how much, and the store that counts them."""

    def __init__(self, settings: Settings, store: RateLimitStore) -> None:
        self._trust_forwarded_for = settings.trust_forwarded_for
        self._store = store
        # (method, path) → (key namespace, limit per window)
        self._endpoints = {
            ("POST", "/api/identity/auth/login"): ("login", settings.login_rate_per_minute),
            ("POST", "/api/identity/auth/password-reset"): ("password-reset", settings.password_reset_rate_per_minute),
            # Integration clients' secrets are as guessable as passwords are: the same limit as sign-in.
            ("POST", "/api/identity/oauth/token"): ("oauth-token", settings.login_rate_per_minute),
        }
        self._per_ip = settings.requests_per_minute_per_ip
        self._per_user = settings.requests_per_minute_per_user

    async def check(self, request: Request) -> None:
        """Before the token is looked at: the client address's general limit, then the guessable endpoints'."""
        address = client_address(request, trust_forwarded_for=self._trust_forwarded_for)
        waited = await self._store.hit(f"ip:{address}", limit=self._per_ip, window=WINDOW_SECONDS)
        _refuse_after(waited, self._per_ip, "Có quá nhiều yêu cầu từ địa chỉ mạng của bạn.")
        path = request.scope["path"].rstrip("/")  # not request.url: building the URL costs more than the check
        endpoint = self._endpoints.get((request.method, path))
        if endpoint is not None:
            namespace, limit = endpoint
            waited = await self._store.hit(f"{namespace}:{address}", limit=limit, window=WINDOW_SECONDS)
            _refuse_after(waited, limit, "Bạn đã thử quá nhiều lần.")

    async def check_user(self, principal: Principal | None) -> None:
        """After the token verified: the signed-in user's (or integration client's) limit, from wherever."""
        if principal is not None and principal.kind in ("user", "client"):
            waited = await self._store.hit(f"user:{principal.subject}", limit=self._per_user, window=WINDOW_SECONDS)
            _refuse_after(waited, self._per_user, "Tài khoản của bạn gửi quá nhiều yêu cầu.")


def _refuse_after(retry_after: float | None, limit: int, reason: str) -> None:
    """429 with `Retry-After` and `RateLimit-*` (`limit` per minute, none left, the window over in `retry_after`)."""
    if retry_after is None:
        return
    seconds = retry_after_seconds(retry_after)
    raise TooManyRequests(f"{reason} Vui lòng thử lại sau {seconds} giây.", limit=limit, retry_after=retry_after,
                          extra={"retry_after_seconds": seconds})


def client_address(request: Request, *, trust_forwarded_for: bool) -> str:
    if trust_forwarded_for:
        chain = ",".join(request.headers.getlist("x-forwarded-for"))
        # The last entry was appended by our own proxy; the ones before it are whatever the client claimed.
        last = chain.rsplit(",", 1)[-1].strip()
        if last:
            return last
    return request.client.host if request.client else "unknown"
