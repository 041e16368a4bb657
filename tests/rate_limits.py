"""What every 429 must carry, whichever limiter sent it (issue 19): `Retry-After` and the `RateLimit-*` headers."""

from __future__ import annotations

import httpx


def assert_rate_limit_headers(refused: httpx.Response, *, limit: int, max_wait: int) -> int:
    """The refusal's headers agree with each other and with the limiter's `limit`; returns the seconds to wait."""
    assert refused.status_code == 429
    retry_after = int(refused.headers["retry-after"])
    assert 1 <= retry_after <= max_wait
    assert int(refused.headers["ratelimit-limit"]) == limit
    assert int(refused.headers["ratelimit-remaining"]) == 0
    assert int(refused.headers["ratelimit-reset"]) == retry_after
    return retry_after
