"""Shared SMTP sending against a real server that requires STARTTLS and a login: the message arrives with its
plain-text and HTML parts and our Message-ID; a refused login, like no server at all, is a transient failure of
the server, not of the message."""

from __future__ import annotations

import ipaddress
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509

from edudx_common.mail import (
    Mail,
    MailServerUnavailable,
    SmtpConfig,
    SmtpSender,
    build_message,
    send_one,
)
from tests.certificates import self_signed
from tests.smtp import Inbox
from tests.support import free_port

USER, PASSWORD = "edudx", "mat-khau-smtp-2026"


def _certificate(directory: Path) -> tuple[Path, Path]:
    return self_signed(directory, "127.0.0.1", [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))], stem="smtp")


def _authenticate(_server: Any, _session: Any, _envelope: Any, mechanism: str, data: Any) -> AuthResult:
    ok = isinstance(data, LoginPassword) and data.login.decode() == USER and data.password.decode() == PASSWORD
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def secure_server(tmp_path: Path) -> Iterator[tuple[Inbox, int, ssl.SSLContext]]:
    cert, key = _certificate(tmp_path)
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)
    client_context = ssl.create_default_context(cafile=str(cert))
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, tls_context=server_context,
                            require_starttls=True, authenticator=_authenticate, auth_required=True,
                            auth_require_tls=True)
    controller.start()
    try:
        yield inbox, port, client_context
    finally:
        controller.stop()


def _mail() -> Mail:
    return Mail(to=["hieutruong@thcshoabinh.edu.vn"], cc=["thcshoabinh@vinhlong.edu.vn"],
                subject="[EduDX] Nhắc hạn nộp báo cáo (còn 3 ngày)", text="Hạn nộp: 15/12/2026 17:00",
                html="<p>Hạn nộp: <strong>15/12/2026 17:00</strong></p>",
                message_id="<abc.def@edudx.vn>")


async def test_starttls_and_login_then_both_parts_arrive_with_our_message_id(
    secure_server: tuple[Inbox, int, ssl.SSLContext],
) -> None:
    inbox, port, context = secure_server
    config = SmtpConfig(host="127.0.0.1", port=port, username=USER, password=PASSWORD, starttls=True,
                        tls_context=context, timeout=10)
    sender = SmtpSender(config)
    try:
        await sender.send(build_message(_mail(), sender="EduDX <thongbao@edudx.vn>"))
        await sender.send(build_message(_mail(), sender="EduDX <thongbao@edudx.vn>"))  # the connection is reused
    finally:
        await sender.close()

    assert len(inbox.messages) == 2
    message = inbox.messages[0]
    assert message["Message-ID"] == "<abc.def@edudx.vn>" and message["Subject"].startswith("[EduDX] Nhắc hạn")
    assert message["Cc"] == "thcshoabinh@vinhlong.edu.vn" and message["Auto-Submitted"] == "auto-generated"
    assert message.get_body(preferencelist=("plain",)).get_content().strip() == "Hạn nộp: 15/12/2026 17:00"
    assert "<strong>" in message.get_body(preferencelist=("html",)).get_content()


async def test_a_refused_login_or_no_server_is_the_server_being_unavailable_not_the_message_failing(
    secure_server: tuple[Inbox, int, ssl.SSLContext],
) -> None:
    inbox, port, context = secure_server
    wrong = SmtpConfig(host="127.0.0.1", port=port, username=USER, password="sai-mat-khau", tls_context=context,
                       timeout=10)
    nowhere = SmtpConfig(host="127.0.0.1", port=free_port(), timeout=5)
    message = build_message(_mail(), sender="EduDX <thongbao@edudx.vn>")

    with pytest.raises(MailServerUnavailable, match="535"):  # our settings are wrong: every message must wait
        await send_one(wrong, message)
    with pytest.raises(MailServerUnavailable):
        await send_one(nowhere, message)
    assert inbox.messages == []
