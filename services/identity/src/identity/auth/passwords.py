"""Argon2id password hashing (pwdlib)."""

from __future__ import annotations

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from identity.errors import WeakPassword


class Passwords:
    def __init__(self, *, fast: bool = False, min_length: int = 8) -> None:
        # The fast parameters exist so a test suite can hash hundreds of passwords; never in production.
        hasher = Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1) if fast else Argon2Hasher()
        self._hash = PasswordHash((hasher,))
        self._min_length = min_length
        # Verified against when the e-mail is unknown, so both cases cost the same time.
        self._dummy = self._hash.hash("edudx-timing-equaliser")

    def hash(self, password: str) -> str:
        return self._hash.hash(password)

    def verify(self, password: str, hashed: str | None) -> bool:
        if hashed is None:
            self._hash.verify(password, self._dummy)
            return False
        return self._hash.verify(password, hashed)

    def check_strength(self, password: str, *, email: str | None = None) -> None:
        if len(password) < self._min_length:
            raise WeakPassword(f"Mật khẩu phải có ít nhất {self._min_length} ký tự.")
        if password.isdigit() or password.isalpha():
            raise WeakPassword("Mật khẩu phải có cả chữ và số hoặc ký tự đặc biệt.")
        if email and password.lower() in email.lower():
            raise WeakPassword("Mật khẩu không được trùng với e-mail.")
