"""Issuing RS256 access tokens and opaque refresh / password tokens."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import timedelta
from typing import Any

import jwt
from cachetools import TTLCache

from edudx_common.db import utcnow
from edudx_common.http import MAX_AUDIENCES
from edudx_common.jwt import service_audience
from identity.keys import SigningKey


def random_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class TokenIssuer:
    def __init__(self, key: SigningKey, *, issuer: str, audience: str) -> None:
        self._key = key
        self._issuer = issuer
        self._audience = audience

    @property
    def audience(self) -> str:
        """The shared audience users' tokens carry; service tokens add the service they call to it."""
        return self._audience

    def issue(self, *, subject: str, kind: str, roles: list[str], lifetime: timedelta,
              extra: dict[str, Any] | None = None, audience: str | None = None) -> str:
        """A signed token; `audience` overrides the shared one (service tokens name the service they call)."""
        now = utcnow()
        claims: dict[str, Any] = {
            "iss": self._issuer, "aud": audience or self._audience, "sub": subject, "kind": kind, "roles": roles,
            "iat": int(now.timestamp()), "nbf": int(now.timestamp()),
            "exp": int((now + lifetime).timestamp()), "jti": uuid.uuid4().hex, **(extra or {}),
        }
        return jwt.encode(claims, self._key.private_pem, algorithm="RS256", headers={"kid": self._key.kid})


class SelfIssuedServiceTokens:
    """Identity's own service token, for the calls it makes (delivering its events): signed with its key, no
    HTTP call to itself. Renewed a minute before it expires."""

    def __init__(self, issuer: TokenIssuer, *, lifetime: timedelta) -> None:
        self._issuer = issuer
        self._lifetime = lifetime
        renew_after = max(lifetime - timedelta(minutes=1), lifetime / 2)
        # audience → token, one per service called.
        self._tokens: TTLCache[str, str] = TTLCache(maxsize=MAX_AUDIENCES, ttl=renew_after.total_seconds())

    async def token(self, *, audience: str, force: bool = False) -> str:
        """A token for the one service named by `audience`, as identity's token endpoint would issue it."""
        cached = None if force else self._tokens.get(audience)
        if cached is None:
            cached = self._tokens[audience] = self._issuer.issue(
                subject="service:identity", kind="service", roles=["service"], lifetime=self._lifetime,
                audience=service_audience(self._issuer.audience, audience))
        return cached
