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
              extra: dict[str, Any] | None = None, audience: str | None = None) -> str:
        """A signed token; `audience` overrides the shared one (service tokens name the service they call)."""
        now = utcnow()
        claims: dict[str, Any] = {
            "iss": self._issuer, "aud": audience or self._audience, "sub": subject, "kind": kind, "roles": roles,
            "iat": int(now.timestamp()), "nbf": int(now.timestamp()),
            "exp": int((now + lifetime).timestamp()), "jti": uuid.uuid4().hex, **(extra or {}),
        }
        return str(jwt.encode(claims, self._key.private_pem.decode(), algorithm="RS256",
                              headers={"kid": self._key.kid}))
