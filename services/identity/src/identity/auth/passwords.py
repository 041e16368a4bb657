"""Argon2id password hashing (pwdlib) and the policy every new password meets."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from importlib import resources

import anyio
import anyio.to_thread
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from identity.config import usable_cpus
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
    """Argon2id hashes computed in worker threads, at most `concurrency` at once, never on the event loop.

    A production hash is ~0.3 s of CPU (4 lanes) and holds 64 MiB. On the loop, every other request to identity
    (token refresh, the JWKS and unit tree other services read) would wait behind a morning's queue of sign-ins; in
    unbounded threads a burst of sign-ins would take gigabytes. argon2-cffi releases the GIL, so the threads run
    in parallel, up to the CPUs there are.
    """

    def __init__(self, *, fast: bool = False, min_length: int = 10, concurrency: int | None = None) -> None:
        # The fast parameters exist so a test suite can hash hundreds of passwords; never in production.
        hasher = Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1) if fast else Argon2Hasher()
        self._hash = PasswordHash((hasher,))
        self._min_length = min_length
        self._limiter = anyio.CapacityLimiter(concurrency or usable_cpus())
        # Verified against when the e-mail is unknown, so both cases cost the same time; made by the first such
        # check rather than here, where it would run on the caller's thread (the event loop, at start-up).
        self._dummy: str | None = None

    async def hash(self, password: str) -> str:
        return await anyio.to_thread.run_sync(self._hash.hash, password, limiter=self._limiter)

    async def verify(self, password: str, hashed: str | None) -> bool:
        if hashed is not None:
            return await anyio.to_thread.run_sync(self._hash.verify, password, hashed, limiter=self._limiter)
        if self._dummy is None:
            # Making the dummy costs what verifying against it does: the first unknown address is no quicker.
            self._dummy = await self.hash("edudx-timing-equaliser")
        else:
            await anyio.to_thread.run_sync(self._hash.verify, password, self._dummy, limiter=self._limiter)
        return False

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
