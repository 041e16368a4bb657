"""Identity's own e-mails (invitations, password resets) while the SMTP server is down.

The mail is recorded in the transaction that creates its one-time link (identity.mail, receiver `mail` of the
outbox); the dispatcher retries with backoff until the server takes it, once, and then erases its body."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from edudx_common.auth import Role
from edudx_common.db import utcnow
from edudx_common.tables.outbox import OutboxMessage, OutboxStatus
from edudx_common.tables.outbox_dispatcher import ClaimedMessage
from identity.config import Settings
from identity.mail import MAIL_EVENT, MAIL_RECEIVER, Mailer, mail_deliverer
from tests.identity.builders import login, make_province, make_user
from tests.smtp import smtp_server
from tests.support import free_port


@pytest.fixture
def smtp_port_nobody_listens_on(identity_app: object, identity_settings: Settings) -> Iterator[int]:
    port = free_port()
    original = identity_app.state.mailer  # type: ignore[attr-defined]
    settings = identity_settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port,
                                                    "smtp_starttls": False, "smtp_timeout_seconds": 2.0})
    identity_app.state.mailer = Mailer(settings)  # type: ignore[attr-defined]
    yield port
    identity_app.state.mailer = original  # type: ignore[attr-defined]


async def outbox_rows(identity_app: object) -> list[OutboxMessage]:
    async with identity_app.state.session_factory() as db:  # type: ignore[attr-defined]
        return list((await db.execute(select(OutboxMessage))).scalars())


async def test_invitation_asked_for_while_smtp_is_down_arrives_once_when_it_is_back(
        identity_app: object, client: httpx.AsyncClient, session: AsyncSession,
        smtp_port_nobody_listens_on: int) -> None:
    units = await make_province(session)
    admin = await make_user(session, units["p1"], Role.AUTHORITY_ADMIN)
    headers = await login(client, admin)
    body = {"email": "cntt.hoabinh@vinhlong.edu.vn", "full_name": "Đặng Thị Mai", "unit_id": str(units["s11"].id),
            "roles": ["school_it_officer"]}

    created = await client.post("/api/identity/users", json=body, headers=headers)
    assert created.status_code == 201
    # The first attempt (right after the response) found no server: the mail waits, with its reason.
    [waiting] = await outbox_rows(identity_app)
    assert (waiting.status, waiting.receiver, waiting.attempts) == ("pending", "mail", 1)
    assert waiting.last_error and "MailServerUnavailable" in waiting.last_error
    assert body["email"] in waiting.payload["to"]

    with smtp_server(port=smtp_port_nobody_listens_on) as (inbox, _port):  # the server is back
        for _ in range(300):  # the dispatcher's next attempt comes after a backoff of about 2 s
            if inbox.to(body["email"]):
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(2.5)  # a further round of the dispatcher must not send it again
        received = inbox.to(body["email"])

    assert [m["Subject"] for m in received] == ["EduDX: mời kích hoạt tài khoản"]
    [sent] = await outbox_rows(identity_app)
    assert sent.status == "delivered" and sent.attempts >= 2
    assert sent.payload == {}  # the body held the one-time link: erased once sent
    assert received[0]["Message-ID"] == f"<{sent.event_id}@identity.edudx>"


async def test_a_refused_request_queues_no_mail(identity_app: object, client: httpx.AsyncClient,
                                                session: AsyncSession) -> None:
    units = await make_province(session)
    admin = await make_user(session, units["p1"], Role.AUTHORITY_ADMIN)
    headers = await login(client, admin)
    refused = await client.post("/api/identity/users", headers=headers, json={
        "email": "x@vinhlong.edu.vn", "full_name": "X", "unit_id": str(units["s11"].id), "roles": ["no_such_role"]})
    assert refused.status_code == 422
    assert await outbox_rows(identity_app) == []


async def test_a_mail_that_cannot_be_built_fails_for_good_and_the_next_one_is_sent(
        identity_settings: Settings) -> None:
    def claimed(subject: str, to: str) -> ClaimedMessage:
        return ClaimedMessage(id=uuid.uuid4(), event_id=uuid.uuid4(), event_type=MAIL_EVENT, receiver=MAIL_RECEIVER,
                              payload={"to": to, "subject": subject, "text": "Nội dung", "html": "<p>Nội dung</p>"},
                              created_at=utcnow(), attempts=0)

    with smtp_server() as (inbox, port):
        mailer = Mailer(identity_settings.model_copy(update={
            "smtp_host": "127.0.0.1", "smtp_port": port, "smtp_starttls": False, "smtp_timeout_seconds": 5.0}))
        deliver = mail_deliverer(lambda: mailer)
        broken = await deliver(claimed("Mời kích hoạt\r\nBcc: ai-do@example.com", "a@vinhlong.edu.vn"))
        fine = await deliver(claimed("EduDX: mời kích hoạt tài khoản", "b@vinhlong.edu.vn"))
        received_a, received_b = inbox.to("a@vinhlong.edu.vn"), inbox.to("b@vinhlong.edu.vn")

    assert broken.status == OutboxStatus.FAILED and "UnbuildableMail" in (broken.error or "")
    assert fine.status == OutboxStatus.DELIVERED
    assert received_a == [] and len(received_b) == 1
