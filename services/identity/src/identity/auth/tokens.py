"""Issuing RS256 access tokens and opaque refresh / password tokens."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import timedelta
from typing import Any

from jose import jwt

from edudx_common.db import utcnow
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

    def issue(self, *, subject: str, kind: str, roles: list[str], lifetime: timedelta,
              extra: dict[str, Any] | None = None) -> str:
        now = utcnow()
        claims: dict[str, Any] = {
            "iss": self._issuer, "aud": self._audience, "sub": subject, "kind": kind, "roles": roles,
            "iat": int(now.timestamp()), "nbf": int(now.timestamp()),
            "exp": int((now + lifetime).timestamp()), "jti": uuid.uuid4().hex, **(extra or {}),
        }
        return str(jwt.encode(claims, self._key.private_pem.decode(), algorithm="RS256",
                              headers={"kid": self._key.kid}))


class SelfIssuedServiceTokens:
    """Identity's own service token, for the calls it makes (delivering its events): signed with its key, no
    HTTP call to itself. Renewed a minute before it expires."""

    def __init__(self, issuer: TokenIssuer, *, lifetime: timedelta) -> None:
        self._issuer = issuer
        self._lifetime = lifetime
        self._token: str | None = None
        self._renew_at = utcnow()

    async def token(self, *, force: bool = False) -> str:
        now = utcnow()
        if force or self._token is None or now >= self._renew_at:
            self._token = self._issuer.issue(subject="service:identity", kind="service", roles=["service"],
                                             lifetime=self._lifetime)
            self._renew_at = now + max(self._lifetime - timedelta(minutes=1), self._lifetime / 2)
        return self._token
