"""Forged and broken access tokens, for proving that every service rejects them."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization

from identity.keys import generate_private_key_pem

BAD_TOKEN_KINDS = ["tampered", "expired", "none", "hs256", "audience", "issuer", "unknown_kid", "garbage"]


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def forge(kind: str, good_token: str, private_pem: bytes) -> str:
    """A token of the given kind of badness, built from a valid one and the real signing key."""
    header = jwt.get_unverified_header(good_token)
    claims = jwt.decode(good_token, options={"verify_signature": False})
    key = private_pem.decode()
    if kind == "tampered":  # valid signature of other claims: change the roles after signing
        head, _payload, signature = good_token.split(".")
        return ".".join([head, _b64({**claims, "roles": ["system_admin"]}), signature])
    if kind == "expired":
        past = int(time.time()) - 3600
        return str(jwt.encode({**claims, "iat": past - 900, "nbf": past - 900, "exp": past}, key, algorithm="RS256",
                              headers={"kid": header["kid"]}))
    if kind == "none":
        return f"{_b64({'alg': 'none', 'typ': 'JWT', 'kid': header['kid']})}.{_b64(claims)}."
    if kind == "hs256":  # the classic confusion: HMAC keyed with the public key
        public_pem = serialization.load_pem_private_key(private_pem, None).public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        import hashlib
        import hmac

        head = _b64({"alg": "HS256", "typ": "JWT", "kid": header["kid"]})
        body = _b64(claims)
        mac = hmac.new(public_pem, f"{head}.{body}".encode(), hashlib.sha256).digest()
        return f"{head}.{body}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"
    if kind == "audience":
        return str(jwt.encode({**claims, "aud": "another-system"}, key, algorithm="RS256",
                              headers={"kid": header["kid"]}))
    if kind == "issuer":
        return str(jwt.encode({**claims, "iss": "https://evil.example"}, key, algorithm="RS256",
                              headers={"kid": header["kid"]}))
    if kind == "unknown_kid":  # signed by a key identity never published
        return str(jwt.encode(claims, generate_private_key_pem().decode(), algorithm="RS256",
                              headers={"kid": "not-a-published-key"}))
    if kind == "garbage":
        return "eyJhbGciOi.not-a-token.at-all"
    raise ValueError(kind)
