"""Password reset and invitations, delivered by a real SMTP server."""

from __future__ import annotations

import asyncio
import re
import statistics
import time
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from edudx_common.auth import Role
from identity.config import Settings
from identity.mail import Mailer
from tests.identity.builders import login, make_province, make_user
from tests.smtp import Inbox, smtp_server

LINK = re.compile(r"token=([A-Za-z0-9_\-]+)")


@pytest.fixture
def inbox(identity_app: object, identity_settings: Settings) -> Iterator[Inbox]:
    """Point identity's mailer at a real local SMTP server for the test."""
    with smtp_server() as (inbox, port):
        original = identity_app.state.mailer  # type: ignore[attr-defined]
        settings = identity_settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port,
                                                        "smtp_starttls": False})
        identity_app.state.mailer = Mailer(settings)  # type: ignore[attr-defined]
        yield inbox
        identity_app.state.mailer = original  # type: ignore[attr-defined]


async def _wait_for_mail(inbox: Inbox, address: str, count: int = 1) -> None:
    for _ in range(100):
        if len(inbox.to(address)) >= count:
            return
        await asyncio.sleep(0.05)


async def test_reset_by_email_link(client: httpx.AsyncClient, session: AsyncSession, inbox: Inbox) -> None:
    units = await make_province(session)
    user = await make_user(session, units["s11"], Role.PRINCIPAL, email="hieutruong@vinhlong.edu.vn")

    asked = await client.post("/api/identity/auth/password-reset", json={"email": "HieuTruong@vinhlong.edu.vn"})
    await _wait_for_mail(inbox, user.email)
    [mail] = inbox.to(user.email)
    text = mail.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    html = mail.get_body(preferencelist=("html",)).get_content()  # type: ignore[union-attr]
    token = LINK.search(text).group(1)  # type: ignore[union-attr]

    confirmed = await client.post("/api/identity/auth/password-reset/confirm",
                                  json={"token": token, "new_password": "Song-Tien-chay-7"})
    reused = await client.post("/api/identity/auth/password-reset/confirm",
                               json={"token": token, "new_password": "Cau-My-Thuan-88"})
    new_login = await client.post("/api/identity/auth/login",
                                  json={"email": user.email, "password": "Song-Tien-chay-7"})

    assert asked.status_code == 202
    assert mail["Subject"] == "EduDX: đặt lại mật khẩu"
    assert "Đặt mật khẩu" in html
    assert confirmed.status_code == 204
    assert reused.status_code == 422 and reused.json()["code"] == "invalid_password_token"
    assert new_login.status_code == 200


async def test_reset_for_unknown_email_answers_the_same_and_sends_nothing(
    client: httpx.AsyncClient, inbox: Inbox
) -> None:
    response = await client.post("/api/identity/auth/password-reset", json={"email": "ai-do@vinhlong.edu.vn"})
    await asyncio.sleep(0.3)

    assert response.status_code == 202
    assert inbox.messages == []


async def test_new_user_gets_one_invitation(client: httpx.AsyncClient, session: AsyncSession, inbox: Inbox) -> None:
    units = await make_province(session)
    admin = await make_user(session, units["p1"], Role.AUTHORITY_ADMIN)
    headers = await login(client, admin)
    body = {"email": "cntt.hoabinh@vinhlong.edu.vn", "full_name": "Đặng Thị Mai", "unit_id": str(units["s11"].id),
            "roles": ["school_it_officer"]}

    created = await client.post("/api/identity/users", json=body, headers=headers)
    duplicate = await client.post("/api/identity/users", json=body, headers=headers)
    await _wait_for_mail(inbox, body["email"])
    await asyncio.sleep(0.2)
    [invite] = inbox.to(body["email"])
    token = LINK.search(invite.get_body(preferencelist=("plain",)).get_content()).group(1)  # type: ignore[union-attr]
    activated = await client.post("/api/identity/auth/password-reset/confirm",
                                  json={"token": token, "new_password": "Kich-hoat-2025"})
    first_login = await client.post("/api/identity/auth/login",
                                    json={"email": body["email"], "password": "Kich-hoat-2025"})

    assert created.status_code == 201 and created.json()["has_password"] is False
    assert duplicate.status_code == 409 and duplicate.json()["code"] == "email_taken"
    assert invite["Subject"] == "EduDX: mời kích hoạt tài khoản"
    assert activated.status_code == 204
    assert first_login.status_code == 200


async def test_many_reset_requests_send_one_mail_per_cooldown(
    client: httpx.AsyncClient, session: AsyncSession, inbox: Inbox, identity_app: object
) -> None:
    units = await make_province(session)
    user = await make_user(session, units["s11"], Role.PRINCIPAL)

    answers = await asyncio.gather(*[
        client.post("/api/identity/auth/password-reset", json={"email": user.email}) for _ in range(14)
    ])
    await identity_app.state.password_resets.drained()  # type: ignore[attr-defined]
    await _wait_for_mail(inbox, user.email)
    await asyncio.sleep(0.5)  # a second mail, if one had been made, would have arrived by now

    assert [a.status_code for a in answers] == [202] * 14
    assert len(inbox.to(user.email)) == 1


async def test_reset_answers_take_the_same_time_for_existing_and_unknown_addresses(
    client: httpx.AsyncClient, session: AsyncSession, inbox: Inbox, identity_app: object
) -> None:
    units = await make_province(session)
    users = [await make_user(session, units["s11"], Role.PRINCIPAL) for _ in range(3)]

    async def timed(email: str) -> float:
        started = time.perf_counter()
        response = await client.post("/api/identity/auth/password-reset", json={"email": email})
        assert response.status_code == 202
        return time.perf_counter() - started

    known, unknown = [], []
    for i in range(40):
        known.append(await timed(users[i % 3].email))
        unknown.append(await timed(f"khong-co-{i}@vinhlong.edu.vn"))
        await identity_app.state.password_resets.drained()  # type: ignore[attr-defined]

    ratio = statistics.median(known) / statistics.median(unknown)
    # On main: 12 ms vs 5 ms (a token, an e-mail, a commit for the existing address). Now both only queue.
    assert 1 / 3 < ratio < 3, (statistics.median(known), statistics.median(unknown))
