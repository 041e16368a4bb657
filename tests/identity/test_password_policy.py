"""New passwords meet the policy (F14): 10+ characters, not on the common/breached list (English and Vietnamese,
compared without case or diacritics), not the e-mail, and not the current or a recent password."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from edudx_common.auth import Role
from edudx_common.db import create_engine, session_factory
from identity import cli
from identity.auth.passwords import Passwords, common_passwords, normalise
from identity.errors import WeakPassword
from identity.users.models import User
from tests.identity.builders import login, make_province, make_user
from tests.support import migrated_database

CHANGE = "/api/identity/me/password"
POLICY = Passwords(fast=True)


@pytest.mark.parametrize("password", [
    "Password1", "matkhau123", "EduDX@2025", "Mật-Khẩu@123", "ANHYEUEM2024", "Vietnam@2025!", "qwertyuiop",
    "1234567890", "Hanoi@12345", "Matkhau99999", "aaaaaaaaaa1",
])
def test_common_and_short_passwords_are_refused(password: str) -> None:
    with pytest.raises(WeakPassword):
        POLICY.check_strength(password, email="co.giao@vinhlong.edu.vn")


@pytest.mark.parametrize("password", ["Ngựa-vằn-đạp-xe-42", "tram!Nam#sau|ong", "Correct-Horse-Pin-7"])
def test_uncommon_long_passwords_are_accepted(password: str) -> None:
    POLICY.check_strength(password, email="co.giao@vinhlong.edu.vn")


def test_password_containing_the_mailbox_name_is_refused() -> None:
    with pytest.raises(WeakPassword):
        POLICY.check_strength("nguyenthimai-2025!", email="nguyenthimai@vinhlong.edu.vn")


def test_the_shipped_list_is_large_and_normalised() -> None:
    listed = common_passwords()
    assert len(listed) > 3000
    assert all(entry == normalise(entry) for entry in listed)
    assert {"matkhau", "anhyeuem", "password", "123456789", "edudx2025"} <= listed
    assert normalise("Đăng-Nhập 123") == "dangnhap123"


async def test_changing_to_a_common_password_or_back_to_a_recent_one_is_refused(
        client: httpx.AsyncClient, session: AsyncSession) -> None:
    units = await make_province(session)
    start = "Bien-xanh-cat-trang-3"
    user = await make_user(session, units["s11"], Role.PRINCIPAL, password=start)
    headers = await login(client, user, start)

    async def change(current: str, new: str) -> httpx.Response:
        nonlocal headers
        response = await client.post(CHANGE, json={"current_password": current, "new_password": new},
                                     headers=headers)
        if response.status_code == 204:  # a new password ends every session: sign in again
            response_login = await client.post("/api/identity/auth/login", json={"email": user.email, "password": new})
            headers = {"Authorization": f"Bearer {response_login.json()['access_token']}"}
        return response

    demo = await change(start, "EduDX@2025")
    same = await change(start, start)
    first = await change(start, "Ngua-van-dap-xe-42")
    back = await change("Ngua-van-dap-xe-42", start)
    second = await change("Ngua-van-dap-xe-42", "Tram-nam-sau-nua-7")

    assert demo.status_code == 422 and demo.json()["code"] == "weak_password"
    assert same.status_code == 422 and same.json()["code"] == "weak_password"
    assert first.status_code == 204
    assert back.status_code == 422 and "gần nhất" in back.json()["detail"]
    assert second.status_code == 204


def test_bootstrap_admin_holds_the_configured_minimum_length(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first administrator's password meets the installation's policy (`IDENTITY_PASSWORD_MIN_LENGTH`), not the
    default 10 characters: the command built its policy without the setting."""
    url, schema = migrated_database(tmp_path, "identity", "bootstrap_policy")
    settings = {"IDENTITY_ENVIRONMENT": "test", "IDENTITY_DATABASE_URL": url, "IDENTITY_PASSWORD_HASH_FAST": "true",
                "IDENTITY_PASSWORD_MIN_LENGTH": "16"} | ({"IDENTITY_DATABASE_SCHEMA": schema} if schema else {})
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    command = ["bootstrap-admin", "--unit-code", "SGD-CHINHSACH", "--unit-name", "Sở GDĐT thử chính sách",
               "--email", "quantri@chinhsach.edu.vn", "--password"]

    with pytest.raises(WeakPassword, match="16"):
        cli.main([*command, "Cay-Tre-Xanh-26"])  # 15 characters: enough by default, short for this installation
    cli.main([*command, "Cay-Tre-Xanh-2026"])  # 17

    async def admins() -> list[str]:
        engine = create_engine(url, schema=schema)
        async with session_factory(engine)() as session:
            emails = list((await session.execute(select(User.email))).scalars())
        await engine.dispose()
        return emails

    assert asyncio.run(admins()) == ["quantri@chinhsach.edu.vn"]
