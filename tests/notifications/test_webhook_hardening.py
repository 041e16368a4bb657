"""Webhook hardening (issue 19): signing secrets encrypted at rest, the delivery log's retention, and deliveries
that connect only to the address that was checked (DNS rebinding), against real receivers."""

from __future__ import annotations

import asyncio
import json
import os
import ssl
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiohttp import web
from alembic import command
from cryptography import x509
from pydantic import ValidationError
from sqlalchemy import select, text

from edudx_common.db import create_engine, utcnow
from notifications.config import Settings
from notifications.webhooks.addresses import RefusedAddress, resolve_target
from notifications.webhooks.models import WebhookDelivery, WebhookDeliveryStatus, WebhookSubscription
from notifications.webhooks.sender import post_pinned, webhook_dispatcher
from notifications.webhooks.signing import SIGNATURE_HEADER, verify
from notifications.webhooks.vault import SEALED_PREFIX, SecretVault, UnreadableSecret, new_key
from tests.certificates import self_signed
from tests.common.event_support import eventually
from tests.notifications.builders import publish_campaign
from tests.notifications.conftest import Harness
from tests.support import REPO, alembic_config, database_url, drop_schema_sync, free_port, migrate, on_postgres

WEBHOOKS = "/api/notifications/webhooks"
HOST = "hooks.vinhlong-sgd.test"  # resolvable by no DNS: only the test's resolver knows it


# --- secrets at rest ------------------------------------------------------------------------------------------

def test_a_sealed_secret_opens_with_its_key_and_after_a_rotation_only() -> None:
    old, new = new_key(), new_key()
    sealed = SecretVault([old]).seal("whsec_abc")

    assert sealed.startswith(SEALED_PREFIX) and "whsec_abc" not in sealed
    assert SecretVault([new, old]).open(sealed) == "whsec_abc"  # rotating: the new key first, the old still reads
    resealed = SecretVault([new, old]).reseal(sealed)
    assert SecretVault([new]).open(resealed) == "whsec_abc"  # after `rotate-secrets` the old key can go
    with pytest.raises(UnreadableSecret):
        SecretVault([new]).open(sealed)


def test_the_settings_refuse_a_malformed_key_and_derive_one_when_none_is_set() -> None:
    with pytest.raises(ValidationError, match="WEBHOOKS_SECRET_KEYS"):
        Settings(webhooks_secret_keys="not-a-fernet-key")
    one = Settings(service_client_secret="a-real-secret-of-32-characters-xx").secret_vault()
    other = Settings(service_client_secret="another-secret-of-32-characters-x").secret_vault()
    sealed = one.seal("whsec_x")
    assert one.open(sealed) == "whsec_x"
    with pytest.raises(UnreadableSecret):
        other.open(sealed)


def _sql(url: str, schema: str | None, statement: str, params: dict[str, Any] | None = None) -> Any:
    """Run one statement on the test database; a SELECT's single value."""
    async def run() -> Any:
        engine = create_engine(url, schema=schema)
        try:
            async with engine.begin() as connection:
                result = await connection.execute(text(statement), params or {})
                return result.scalar_one() if result.returns_rows else None
        finally:
            await engine.dispose()

    return asyncio.run(run())


def test_the_migration_encrypts_the_existing_secrets_and_the_downgrade_decrypts_them(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key = new_key()
    monkeypatch.setenv("NOTIFICATIONS_WEBHOOKS_SECRET_KEYS", key)
    url, schema = database_url(tmp_path, "notifications_webhook_secrets")
    if schema:
        drop_schema_sync(url, schema)
    migrate("notifications", url, schema, revision="h19b_0003")
    subscription_id, unit_id = uuid.uuid4(), uuid.uuid4()
    ident = (lambda u: u) if on_postgres() else (lambda u: u.hex)
    _sql(url, schema,
         "INSERT INTO webhook_subscriptions (id, unit_id, url, event_types, secret, enabled, consecutive_failures,"
         " created_at, updated_at) VALUES (:id, :unit, 'https://hooks.example.vn/h', '[]', 'whsec_cu', :t, 0,"
         " :now, :now)", {"id": ident(subscription_id), "unit": ident(unit_id), "t": True, "now": utcnow()})

    command.upgrade(alembic_config("notifications", url, schema), "h19d_0004")
    stored = _sql(url, schema, "SELECT secret_encrypted FROM webhook_subscriptions")
    command.downgrade(alembic_config("notifications", url, schema), "h19b_0003")
    restored = _sql(url, schema, "SELECT secret FROM webhook_subscriptions")

    assert stored.startswith(SEALED_PREFIX) and "whsec_cu" not in stored
    assert SecretVault([key]).open(stored) == "whsec_cu"
    assert restored == "whsec_cu"


async def test_the_database_holds_only_the_encrypted_secret(harness: Harness) -> None:
    h = harness
    _district, admin = await h.district(1)
    created = await h.api.post(WEBHOOKS, json={"url": "https://127.0.0.1/h", "event_types": ["results.published"]},
                               headers=admin)
    async with h.databases.notifications() as session:
        stored = (await session.execute(select(WebhookSubscription))).scalar_one().secret_encrypted
    shown = await h.api.get(f"{WEBHOOKS}/{created.json()['id']}", headers=admin)

    secret = created.json()["secret"]
    assert created.status_code == 201 and secret.startswith("whsec_")
    assert secret not in stored and stored.startswith(SEALED_PREFIX)
    assert h.system.settings.secret_vault().open(stored) == secret
    assert "secret" not in shown.json()  # shown once, at creation


# --- the delivery log's retention -----------------------------------------------------------------------------

async def _log_with_ages(h: Harness) -> dict[str, uuid.UUID]:
    """A subscription's log: deliveries delivered, given up and still waiting, 40 days old, and a recent one."""
    _district, admin = await h.district(1)
    created = await h.api.post(WEBHOOKS, json={"url": "https://127.0.0.1/h", "event_types": ["results.published"]},
                               headers=admin)
    subscription_id = uuid.UUID(created.json()["id"])
    now = h.clock()
    ages = {"old_delivered": (40, WebhookDeliveryStatus.DELIVERED), "old_failed": (40, WebhookDeliveryStatus.FAILED),
            "old_pending": (40, WebhookDeliveryStatus.PENDING), "recent": (2, WebhookDeliveryStatus.DELIVERED)}
    ids = {}
    async with h.databases.notifications() as session, session.begin():
        for name, (days, status) in ages.items():
            delivery = WebhookDelivery(subscription_id=subscription_id, event_id=uuid.uuid4(),
                                       event_type="results.published", occurred_at=now - timedelta(days=days),
                                       status=status.value, created_at=now - timedelta(days=days))
            session.add(delivery)
            ids[name] = delivery.id
    return ids


async def _remaining(h: Harness, ids: dict[str, uuid.UUID]) -> set[str]:
    async with h.databases.notifications() as session:
        kept = set((await session.execute(select(WebhookDelivery.id))).scalars())
    return {name for name, delivery_id in ids.items() if delivery_id in kept}


async def test_the_workers_retention_step_purges_old_finished_deliveries_only(harness: Harness) -> None:
    ids = await _log_with_ages(harness)

    report = await harness.worker.run_once(steps=("retention",))

    assert report.webhook_deliveries_purged == 2
    assert await _remaining(harness, ids) == {"old_pending", "recent"}


async def test_the_purge_command_takes_the_age_it_is_given(harness: Harness) -> None:
    ids = await _log_with_ages(harness)
    settings = harness.system.settings
    env = {**os.environ, "NOTIFICATIONS_DATABASE_URL": settings.database_url,
           "NOTIFICATIONS_DATABASE_SCHEMA": settings.database_schema or ""}

    done = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-m", "notifications.cli", "webhooks", "purge", "--older-than", "1d"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=False)

    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"purged": 3}
    assert await _remaining(harness, ids) == {"old_pending"}


# --- DNS rebinding ----------------------------------------------------------------------------------------------

class Resolver:
    """An outside DNS server the test controls: answers from `answers` and counts the questions."""

    def __init__(self, *answers: list[str]) -> None:
        self.answers = list(answers)
        self.asked = 0

    async def __call__(self, host: str, port: int) -> list[str]:
        answer = self.answers[min(self.asked, len(self.answers) - 1)]
        self.asked += 1
        return answer


@pytest.mark.parametrize("addresses", [["203.0.113.7", "10.0.0.5"], ["169.254.169.254"], ["127.0.0.1"],
                                       ["::ffff:192.168.1.4"], ["fd00::8"]])
async def test_a_name_resolving_to_any_private_address_is_refused(addresses: list[str]) -> None:
    with pytest.raises(RefusedAddress):
        await resolve_target(f"https://{HOST}/h", allow_loopback=False, resolver=Resolver(addresses))


async def test_loopback_passes_only_with_the_test_allowance() -> None:
    target = await resolve_target(f"https://{HOST}:8443/h", allow_loopback=True, resolver=Resolver(["127.0.0.1"]))

    assert (target.address, target.connect_url, target.host_header) == (
        "127.0.0.1", "https://127.0.0.1:8443/h", f"{HOST}:8443")


def _certificate(directory: Path) -> tuple[Path, Path]:
    """A certificate for HOST only (no IP address in it): verifying it against 127.0.0.1 would fail."""
    return self_signed(directory, HOST, [x509.DNSName(HOST)], stem="hook")


@asynccontextmanager
async def tls_receiver(tmp_path: Path) -> AsyncIterator[tuple[int, list[dict[str, str]], ssl.SSLContext]]:
    """An integrator's HTTPS endpoint on loopback serving HOST's certificate; records each request's Host, the
    SNI the client sent, and the signature. Yields (port, records, a client context trusting the certificate)."""
    cert_path, key_path = _certificate(tmp_path)
    records: list[dict[str, str]] = []
    sni: list[str] = []
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert_path, key_path)
    server.sni_callback = lambda _obj, name, _ctx: sni.append(name or "") and None  # type: ignore[func-returns-value]

    async def hook(request: web.Request) -> web.Response:
        records.append({"host": request.headers["Host"], "sni": sni[-1] if sni else "",
                        "signature": request.headers.get(SIGNATURE_HEADER, ""),
                        "body": (await request.read()).decode()})
        return web.Response(text="đã nhận")

    app = web.Application()
    app.router.add_post("/edudx-hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port, ssl_context=server).start()
    client = ssl.create_default_context(cafile=str(cert_path))
    try:
        yield port, records, client
    finally:
        await runner.cleanup()


async def test_the_delivery_connects_to_the_checked_address_with_the_original_name(tmp_path: Path) -> None:
    async with tls_receiver(tmp_path) as (port, records, trust):
        # First answer checked, later answers point inside: a client resolving again would go to 10.0.0.5.
        resolver = Resolver(["127.0.0.1"], ["10.0.0.5"])
        target = await resolve_target(f"https://{HOST}:{port}/edudx-hook", allow_loopback=True, resolver=resolver)
        answer = await post_pinned(target, b'{"id":"1"}', {"Content-Type": "application/json"}, verify=trust,
                                   timeout_seconds=10)

    assert answer.status_code == 200 and answer.text == "đã nhận"
    assert resolver.asked == 1
    assert records == [{"host": f"{HOST}:{port}", "sni": HOST, "signature": "", "body": '{"id":"1"}'}]


async def test_the_certificate_is_checked_against_the_original_name(tmp_path: Path) -> None:
    async with tls_receiver(tmp_path) as (port, records, trust):
        other = await resolve_target(f"https://hooks.elsewhere.test:{port}/edudx-hook", allow_loopback=True,
                                     resolver=Resolver(["127.0.0.1"]))
        with pytest.raises(httpx.ConnectError, match=r"(?i)certificate|hostname"):
            await post_pinned(other, b"{}", {}, verify=trust, timeout_seconds=10)

    assert records == []


async def test_a_subscription_delivery_is_signed_over_the_pinned_connection(harness: Harness, tmp_path: Path) -> None:
    """The worker's own sender: the name is resolved by the resolver once and the delivery verifies."""
    h = harness
    district, admin = await h.district(1)
    async with tls_receiver(tmp_path) as (port, records, trust):
        resolver = Resolver(["127.0.0.1"])
        url = f"https://{HOST}:{port}/edudx-hook"
        # Saving checks the name with the system resolver, which does not know HOST: the admin gets a 422.
        unknown = await h.api.post(WEBHOOKS, json={"url": url, "event_types": ["campaign.published"]}, headers=admin)
        async with h.databases.notifications() as session, session.begin():
            secret = "whsec_pinned"
            session.add(WebhookSubscription(unit_id=district.phong.id, url=url, event_types=["campaign.published"],
                                            secret_encrypted=h.system.settings.secret_vault().seal(secret)))
        await publish_campaign(h.system.submissions.url, admin, due_at=utcnow() + timedelta(days=7))

        async def pending() -> list[WebhookDelivery]:
            async with h.databases.notifications() as session:
                return list((await session.execute(select(WebhookDelivery))).scalars())

        await eventually(pending, within=30)
        h.clock.set(utcnow() + timedelta(seconds=1))
        dispatcher = webhook_dispatcher(h.system.settings, h.databases.notifications, clock=h.clock,
                                        resolver=resolver, verify=trust)
        delivered = await dispatcher.deliver_due()

    assert unknown.status_code == 422 and unknown.json()["code"] == "invalid_webhook_url"
    assert delivered == 1 and resolver.asked == 1
    assert records[0]["host"] == f"{HOST}:{port}" and records[0]["sni"] == HOST
    assert verify(secret, records[0]["signature"], records[0]["body"].encode())
