"""Webhook signing secrets at rest: encrypted with Fernet (AES-128-CBC and HMAC-SHA256, `cryptography`).

Signing needs the secret itself, so it cannot be hashed like a password; a copy of the database (a backup, a
replica, a leaked dump) must still not let anyone sign deliveries. The key comes from the settings:
`NOTIFICATIONS_WEBHOOKS_SECRET_KEYS`, comma-separated Fernet keys (`python -m notifications.cli webhooks new-key`);
the first encrypts, every one decrypts, so a key is rotated by putting the new one first, running
`python -m notifications.cli webhooks rotate-secrets`, then dropping the old one. Without it the key is derived
(HKDF-SHA256) from NOTIFICATIONS_SERVICE_CLIENT_SECRET, which production refuses to leave a placeholder.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

# Stored values start with this, so a plaintext secret left from before the encryption is recognised.
SEALED_PREFIX = "fernet:"
_DERIVATION_INFO = b"edudx notifications webhook secrets v1"


class UnreadableSecret(ValueError):
    """A stored secret no configured key decrypts (the key was changed without rotating)."""


def derived_key(material: str) -> str:
    """A Fernet key derived from another secret of the settings (the service client secret)."""
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_DERIVATION_INFO).derive(material.encode())
    return base64.urlsafe_b64encode(raw).decode()


def parse_keys(value: str) -> list[str]:
    """The comma-separated keys of the setting; each must be a Fernet key (ValueError otherwise)."""
    keys = [k.strip() for k in value.split(",") if k.strip()]
    for key in keys:
        Fernet(key.encode())  # raises ValueError on a malformed key
    return keys


class SecretVault:
    def __init__(self, keys: list[str]) -> None:
        if not keys:
            raise ValueError("at least one key")
        self._fernet = MultiFernet([Fernet(k.encode()) for k in keys])

    @classmethod
    def from_settings(cls, keys: str, *, fallback_material: str) -> SecretVault:
        return cls(parse_keys(keys) or [derived_key(fallback_material)])

    def seal(self, secret: str) -> str:
        return SEALED_PREFIX + self._fernet.encrypt(secret.encode()).decode()

    def open(self, stored: str) -> str:
        if not stored.startswith(SEALED_PREFIX):
            raise UnreadableSecret("not an encrypted secret")
        try:
            return self._fernet.decrypt(stored.removeprefix(SEALED_PREFIX).encode()).decode()
        except InvalidToken as exc:
            raise UnreadableSecret("no configured key decrypts this secret") from exc

    def reseal(self, stored: str) -> str:
        """The secret encrypted again with the first key (after a rotation); a plaintext one is sealed."""
        secret = self.open(stored) if stored.startswith(SEALED_PREFIX) else stored
        return self.seal(secret)


def new_key() -> str:
    return Fernet.generate_key().decode()
