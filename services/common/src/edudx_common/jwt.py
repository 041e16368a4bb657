"""Access-token verification: RS256 only, pinned audience and issuer, keys from identity's JWKS.

Every PyJWT failure becomes `InvalidToken`, so a malformed token can never surface as a 500.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any, Protocol

import httpx
import jwt
from cachetools import TLRUCache

ALGORITHM = "RS256"


def service_audience(audience: str, service: str) -> str:
    """The audience of service tokens meant for `service`: "edudx:notifications"."""
    return f"{audience}:{service}"


class InvalidToken(Exception):
    """The token is not one we issued, or no longer valid. The message is for logs, not for users."""


class KeySource(Protocol):
    async def get_key(self, kid: str) -> dict[str, Any] | None: ...


class StaticKeys:
    """Keys known in-process (identity verifies its own tokens without calling itself)."""

    def __init__(self, jwks: dict[str, Any]) -> None:
        self._keys = {k["kid"]: k for k in jwks.get("keys", [])}

    async def get_key(self, kid: str) -> dict[str, Any] | None:
        return self._keys.get(kid)


class RemoteJWKS:
    """Identity's JWKS, cached; refetched when it is old or a token names a `kid` we have not seen.

    Refetches on unknown `kid` are spaced by `min_refetch_seconds`, so a flood of forged tokens
    with random `kid`s cannot turn into a flood of calls to identity.
    """

    def __init__(
        self,
        url: str,
        *,
        client: httpx.AsyncClient | None = None,
        ttl_seconds: float = 600,
        min_refetch_seconds: float = 5,
    ) -> None:
        self.url = url
        self._client = client
        self._ttl = ttl_seconds
        self._min_refetch = min_refetch_seconds
        self._keys: dict[str, dict[str, Any]] = {}
        self._fetched_at = 0.0
        self._lock = asyncio.Lock()

    async def get_key(self, kid: str) -> dict[str, Any] | None:
        now = time.monotonic()
        stale = now - self._fetched_at > self._ttl
        if kid in self._keys and not stale:
            return self._keys[kid]
        if stale or now - self._fetched_at > self._min_refetch:
            await self._refresh(force_after=self._fetched_at)
        return self._keys.get(kid)

    def invalidate(self) -> None:
        """Identity announced new keys: the next token fetches the JWKS again, whatever its age."""
        self._fetched_at = float("-inf")

    async def _refresh(self, *, force_after: float) -> None:
        async with self._lock:
            if self._fetched_at > force_after:  # another task refreshed while we waited
                return
            try:
                if self._client is not None:
                    response = await self._client.get(self.url, timeout=5)
                else:
                    # trust_env=False: a host-wide HTTP(S)_PROXY must not sit between us and our keys.
                    async with httpx.AsyncClient(timeout=5, trust_env=False) as client:
                        response = await client.get(self.url)
                response.raise_for_status()
                self._keys = {k["kid"]: k for k in response.json().get("keys", []) if "kid" in k}
            except (httpx.HTTPError, ValueError):
                # Keep the keys we had: identity being briefly down must not reject valid tokens.
                pass
            self._fetched_at = time.monotonic()


class TokenVerifier:
    """Checks a token's signature and claims once, then remembers the claims for a short while.

    A client sends the same token with every request until it expires, and each request passes two
    verifications (gateway, service): the RSA check and the claim parsing cost ~0.3–1.5 ms each time on this
    hardware (bench/RESULTS.md, deadline day). A remembered token is still refused the moment it expires, and
    is forgotten after `remember_seconds` — far shorter than the 10 minutes the JWKS itself is cached, so a
    withdrawn key stops working no later than it does without this cache. Beyond `max_remembered` tokens the
    least recently used is forgotten.
    """

    def __init__(self, keys: KeySource, *, issuer: str, audience: str, service_audience: str | None = None,
                 remember_seconds: float = 60, max_remembered: int = 20_000,
                 clock: Callable[[], float] = time.time) -> None:
        self.keys = keys
        self.issuer = issuer
        # User tokens carry the shared `audience`; another service's token must name this service
        # (`service_audience`, e.g. "edudx:notifications"), so a token obtained to call one service is
        # refused by every other. None: no service token is accepted (the gateway).
        self.audience = audience
        self.service_audience = service_audience
        self._remember_seconds = remember_seconds
        # token → verified claims, each until `remember_seconds` after it was verified or its `exp`, if sooner.
        self._remembered: TLRUCache[str, dict[str, Any]] = TLRUCache(
            maxsize=max_remembered, ttu=self._remembered_until, timer=clock)

    def _remembered_until(self, _token: str, claims: dict[str, Any], now: float) -> float:
        return min(now + self._remember_seconds, float(claims["exp"]))

    def forget(self) -> None:
        """Forget every remembered token (the keys changed): each is verified again on its next use."""
        self._remembered.clear()

    async def verify(self, token: str) -> dict[str, Any]:
        if (claims := self._remembered.get(token)) is not None:
            return dict(claims)
        claims = await self._verify(token)
        self._remembered[token] = claims
        return dict(claims)

    async def _verify(self, token: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise InvalidToken(f"malformed header: {exc}") from exc
        except Exception as exc:  # any parse failure of attacker input is a bad token, never a 500
            raise InvalidToken(f"malformed token: {type(exc).__name__}") from exc
        if header.get("alg") != ALGORITHM:
            raise InvalidToken(f"algorithm {header.get('alg')!r} not accepted")
        kid = header.get("kid")
        if not isinstance(kid, str):
            raise InvalidToken("no kid")
        key = await self.keys.get_key(kid)
        if key is None:
            raise InvalidToken(f"unknown kid {kid!r}")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                jwt.PyJWK(key, algorithm=ALGORITHM),
                algorithms=[ALGORITHM],
                issuer=self.issuer,
                # the audience depends on the token's kind: checked below
                options={"require": ["exp", "iat", "sub", "iss"], "verify_aud": False},
            )
        except jwt.PyJWTError as exc:
            raise InvalidToken(str(exc)) from exc
        except Exception as exc:
            raise InvalidToken(f"undecodable token: {type(exc).__name__}") from exc
        self._check_audience(claims)
        return claims

    def _check_audience(self, claims: dict[str, Any]) -> None:
        aud = claims.get("aud")
        audiences = [aud] if isinstance(aud, str) else [a for a in aud if isinstance(a, str)] \
            if isinstance(aud, list) else []
        wanted = self.service_audience if claims.get("kind") == "service" else self.audience
        if wanted is None or wanted not in audiences:
            raise InvalidToken(f"audience {aud!r} not accepted here")
