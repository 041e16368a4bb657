"""How a delivery is signed, and the check a receiver makes (the integrators' page shows the same in Python).

`EduDX-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`. A receiver recomputes v1 over
the raw body it got and refuses a `t` older than the replay window (REPLAY_WINDOW_SECONDS), so a captured delivery
cannot be replayed later.
"""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "EduDX-Signature"
REPLAY_WINDOW_SECONDS = 300


def signature(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()


def signature_header(secret: str, body: bytes, *, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"


def verify(secret: str, header: str, body: bytes, *, now: float | None = None,
           window_seconds: int = REPLAY_WINDOW_SECONDS) -> bool:
    """What a receiver does: the signature matches the body and the timestamp is within the window."""
    parts = dict(item.split("=", 1) for item in header.split(",") if "=" in item)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs((time.time() if now is None else now) - timestamp) > window_seconds:
        return False
    return hmac.compare_digest(parts.get("v1", ""), signature(secret, timestamp, body))
