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
# How long a verified token is remembered when its key source cannot say how long its keys stay as they are.
DEFAULT_REMEMBER_SECONDS = 60.0


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
        # Moves on whenever a key we had may be gone (a refetch without it, `invalidate()`): what was verified with
        # the keys of an earlier generation is verified again (TokenVerifier).
        self.generation = 0

    async def get_key(self, kid: str) -> dict[str, Any] | None:
        now = time.monotonic()
        stale = now - self._fetched_at > self._ttl
        if kid in self._keys and not stale:
            return self._keys[kid]
        if stale or now - self._fetched_at > self._min_refetch:
            await self._refresh(force_after=self._fetched_at)
        return self._keys.get(kid)

    def fresh_for(self) -> float:
        """Seconds until these keys are due to be fetched again (<= 0: due now)."""
        return self._fetched_at + self._ttl - time.monotonic()

    def invalidate(self) -> None:
        """Identity announced new keys: the next token fetches the JWKS again, whatever its age."""
        self._fetched_at = float("-inf")
        self.generation += 1

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
                keys = {k["kid"]: k for k in response.json().get("keys", []) if "kid" in k}
                if any(keys.get(kid) != key for kid, key in self._keys.items()):
                    self.generation += 1
                self._keys = keys
            except (httpx.HTTPError, ValueError):
                # Keep the keys we had: identity being briefly down must not reject valid tokens.
                pass
            self._fetched_at = time.monotonic()


class TokenVerifier:
    """Checks a token's signature and claims once, then remembers the claims while its key is sure to be valid.

    A client sends the same token with every request until it expires, and each request passes two
    verifications (gateway, service): the RSA check and the claim parsing cost ~0.3–1.5 ms each time on this
    hardware (bench/RESULTS.md, deadline day). A remembered token is still refused the moment it expires. It is
    remembered no longer than the keys it was verified with are: with identity's JWKS (`RemoteJWKS`), until that is
    due to be fetched again (at most its 10 minutes) and not once a refetch or `invalidate()` finds a key changed
    or gone — so a withdrawn key stops working no later than it does without this memory. With keys that cannot
    say (`StaticKeys`), for `remember_seconds` (default 60 s). `remember_seconds`, when given, caps both. Beyond
    `max_remembered` tokens the least recently used is forgotten.
    """

    def __init__(self, keys: KeySource, *, issuer: str, audience: str, service_audience: str | None = None,
                 remember_seconds: float | None = None, max_remembered: int = 20_000,
                 clock: Callable[[], float] = time.time) -> None:
        self.keys = keys
        self.issuer = issuer
        # User tokens carry the shared `audience`; another service's token must name this service
        # (`service_audience`, e.g. "edudx:notifications"), so a token obtained to call one service is
        # refused by every other. None: no service token is accepted (the gateway).
        self.audience = audience
        self.service_audience = service_audience
        self._remember_seconds = remember_seconds
        fresh_for: Callable[[], float] | None = getattr(keys, "fresh_for", None)
        self._keys_fresh_for = fresh_for
        # token → (verified claims, generation of the keys), each until the time `_remembered_until` says.
        self._remembered: TLRUCache[str, tuple[dict[str, Any], int]] = TLRUCache(
            maxsize=max_remembered, ttu=self._remembered_until, timer=clock)

    def _remembered_until(self, _token: str, entry: tuple[dict[str, Any], int], now: float) -> float:
        if self._keys_fresh_for is not None:
            seconds = self._keys_fresh_for()
            if self._remember_seconds is not None:
                seconds = min(seconds, self._remember_seconds)
        else:
            seconds = DEFAULT_REMEMBER_SECONDS if self._remember_seconds is None else self._remember_seconds
        return min(now + seconds, float(entry[0]["exp"]))

    def _keys_generation(self) -> int:
        return int(getattr(self.keys, "generation", 0))

    def forget(self) -> None:
        """Forget every remembered token (the keys changed): each is verified again on its next use."""
        self._remembered.clear()

    async def verify(self, token: str) -> dict[str, Any]:
        generation = self._keys_generation()
        entry = self._remembered.get(token)
        if entry is not None and entry[1] == generation:
            return dict(entry[0])
        claims = await self._verify(token)
        # The generation from before the keys were looked up: one that moved meanwhile only verifies once more.
        self._remembered[token] = (claims, generation)
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
