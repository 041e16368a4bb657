"""Argon2id password hashing (pwdlib) and the policy every new password meets."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from importlib import resources

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from identity.errors import WeakPassword


def normalise(password: str) -> str:
    """The form compared with the list: lower case, no diacritics (đ → d), letters and digits only.

    `Mật-Khẩu@123`, `matkhau123` and `MATKHAU 123` are one password to an attacker's dictionary, so to us too.
    """
    text = unicodedata.normalize("NFKD", password.replace("đ", "d").replace("Đ", "D"))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return re.sub(r"[^0-9a-z]", "", text)


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """Common and breached passwords, English and Vietnamese, shipped as `data/common_passwords.txt`."""
    text = resources.files("identity.auth").joinpath("data/common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


class Passwords:
    def __init__(self, *, fast: bool = False, min_length: int = 10) -> None:
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
        """Refuse a new password that is short, a common or breached one (with or without digits appended),
        or the e-mail address. Seeded demo accounts are hashed directly and bypass this on purpose."""
        if len(password) < self._min_length:
            raise WeakPassword(f"Mật khẩu phải có ít nhất {self._min_length} ký tự.")
        if password.isdigit() or password.isalpha():
            raise WeakPassword("Mật khẩu phải có cả chữ và số hoặc ký tự đặc biệt.")
        folded = normalise(password)
        listed = common_passwords()
        if folded in listed or re.sub(r"\d+$", "", folded) in listed or len(set(folded)) < 4:
            raise WeakPassword("Mật khẩu này quá phổ biến hoặc đã từng bị lộ. Vui lòng chọn mật khẩu khác.")
        if email:
            local = normalise(email.split("@", 1)[0])
            if password.lower() in email.lower() or (len(local) >= 4 and local in folded):
                raise WeakPassword("Mật khẩu không được chứa e-mail của bạn.")
