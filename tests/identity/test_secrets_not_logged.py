"""Passwords and e-mail addresses never reach the log: every log line of sign-ins (good and bad), a password
change and a reset, as the service writes them, is searched for them."""

from __future__ import annotations

import logging

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from edudx_common.auth import Role
from edudx_common.logging import mask_email
from tests.identity.builders import PASSWORD, login, make_province, make_user

WRONG = "Sai-Mat-Khau-7731"
NEW = "Cau-Rach-Mieu-5512"


async def test_passwords_and_addresses_are_not_logged(client: httpx.AsyncClient, session: AsyncSession,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    units = await make_province(session)
    user = await make_user(session, units["s11"], Role.PRINCIPAL, email="hieutruong.nhatky@vinhlong.edu.vn")
    with caplog.at_level(logging.DEBUG):
        headers = await login(client, user)
        failed = await client.post("/api/identity/auth/login", json={"email": user.email, "password": WRONG})
        unknown = await client.post("/api/identity/auth/login",
                                    json={"email": "khong-co.nhatky@vinhlong.edu.vn", "password": WRONG})
        changed = await client.post("/api/identity/me/password", headers=headers,
                                    json={"current_password": PASSWORD, "new_password": NEW})
        reset = await client.post("/api/identity/auth/password-reset", json={"email": user.email})
        refused = await client.post("/api/identity/me/password", headers=headers,
                                    json={"current_password": WRONG, "new_password": NEW})
    assert (failed.status_code, unknown.status_code, changed.status_code, reset.status_code) == (401, 401, 204, 202)
    assert refused.status_code == 401  # the change revoked the session's refresh tokens, not this access token

    # Every line, with every field the handlers would render (structlog's event dicts included).
    logged = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert any("/api/identity/auth/login" in str(r.__dict__) for r in caplog.records)  # the request log was seen
    for secret in (PASSWORD, WRONG, NEW, "hieutruong.nhatky", "khong-co.nhatky"):
        assert secret not in logged


def test_addresses_are_masked_to_their_domain() -> None:
    assert mask_email("nguyen.van.a@vinhlong.edu.vn") == "n***@vinhlong.edu.vn"
    assert mask_email("khong-phai-email") == "***"
    assert mask_email(None) is None
