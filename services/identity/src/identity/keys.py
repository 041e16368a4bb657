"""The RSA keys that sign access tokens, and the JWKS that publishes their public halves.

`kid` is the RFC 7638 thumbprint, so the same key always has the same id on every replica.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


def _b64url_uint(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def public_jwk(public_key: rsa.RSAPublicKey) -> dict[str, str]:
    numbers = public_key.public_numbers()
    jwk = {"e": _b64url_uint(numbers.e), "kty": "RSA", "n": _b64url_uint(numbers.n)}
    thumbprint = hashlib.sha256(json.dumps(jwk, separators=(",", ":"), sort_keys=True).encode()).digest()
    kid = base64.urlsafe_b64encode(thumbprint).rstrip(b"=").decode()
    return {**jwk, "kid": kid, "alg": "RS256", "use": "sig"}


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_pem: bytes
    jwks: dict[str, Any]


def generate_private_key_pem() -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def ensure_private_key_file(path: str) -> None:
    """Create a signing key at `path` if there is none (embedded run and tests; production mounts one)."""
    file = Path(path)
    if file.exists():
        return
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_bytes(generate_private_key_pem())
    file.chmod(0o600)


def _public_key(pem: bytes, name: str) -> rsa.RSAPublicKey:
    """The public key of a PEM file holding either half: an operator may keep the old private key file."""
    if b"PRIVATE KEY" in pem:
        private = serialization.load_pem_private_key(pem, password=None)
        if not isinstance(private, rsa.RSAPrivateKey):
            raise ValueError(f"{name} is not an RSA key")
        return private.public_key()
    public = serialization.load_pem_public_key(pem)
    if not isinstance(public, rsa.RSAPublicKey):
        raise ValueError(f"{name} is not an RSA key")
    return public


def load_signing_key(private_key_file: str, previous_public_key_files: list[str]) -> SigningKey:
    private_pem = Path(private_key_file).read_bytes()
    private_key = serialization.load_pem_private_key(private_pem, password=None)
    if not isinstance(private_key, rsa.RSAPrivateKey):
        raise ValueError("the token signing key must be an RSA key")
    current = public_jwk(private_key.public_key())
    keys = [current]
    for file in previous_public_key_files:
        keys.append(public_jwk(_public_key(Path(file).read_bytes(), file)))
    return SigningKey(kid=current["kid"], private_pem=private_pem, jwks={"keys": keys})
