"""Webhooks against a real receiver (aiohttp on a free loopback port): signed deliveries of real events, retries
with backoff through the outbox, automatic disabling, and the SSRF guard."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta

import httpx
import pytest
from aiohttp import web
from sqlalchemy import select

from edudx_common.db import utcnow
from notifications.delivery.models import OutgoingEmail
from notifications.webhooks.addresses import RefusedAddress, check_url
from notifications.webhooks.models import WebhookDelivery, WebhookSubscription
from notifications.webhooks.signing import REPLAY_WINDOW_SECONDS, SIGNATURE_HEADER, verify
from tests.common.event_support import eventually
from tests.notifications.builders import publish_campaign, submit_for
from tests.notifications.conftest import Harness, worker_with
from tests.submissions.status_builders import review
from tests.support import free_port

WEBHOOKS = "/api/notifications/webhooks"


@dataclass
class Receiver:
    url: str
    answer_status: int = 200
    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)


@asynccontextmanager
async def receiver(answer_status: int = 200) -> AsyncIterator[Receiver]:
    """An integrator's endpoint: records what it gets and answers `answer_status`."""
    port = free_port()
    got = Receiver(url=f"http://127.0.0.1:{port}/edudx-hook", answer_status=answer_status)

    async def hook(request: web.Request) -> web.Response:
        got.requests.append((dict(request.headers), await request.read()))
        return web.Response(status=got.answer_status, text="đã nhận" if got.answer_status < 300 else "lỗi máy chủ")

    app = web.Application()
    app.router.add_post("/edudx-hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield got
    finally:
        await runner.cleanup()


async def _deliveries(h: Harness) -> list[WebhookDelivery]:
    async with h.databases.notifications() as session:
        return list((await session.execute(select(WebhookDelivery))).scalars())


async def test_a_submissions_approval_reaches_the_receiver_signed_and_verifiable(harness: Harness) -> None:
    h = harness
    district, admin = await h.district(1)
    school = district.schools[0].unit
    async with receiver() as endpoint:
        created = await h.api.post(WEBHOOKS, json={"url": endpoint.url, "event_types": ["submission.approved"]},
                                   headers=admin)
        assert created.status_code == 201, created.text
        secret = created.json()["secret"]
        campaign = await publish_campaign(h.system.submissions.url, admin, due_at=utcnow() + timedelta(days=7))
        submission = await submit_for(h.system.submissions.url, admin, campaign["id"], school.id)
        async with httpx.AsyncClient(base_url=h.system.submissions.url, timeout=30) as http:
            await review(http, admin, submission, "approve")
        await eventually(lambda: _deliveries(h), within=30)
        h.clock.set(utcnow() + timedelta(seconds=1))
        report = await h.worker.run_once(steps=("webhooks",))
        log = await h.api.get(f"{WEBHOOKS}/{created.json()['id']}/deliveries", headers=admin)

    assert report.webhooks_delivered == 1
    assert len(endpoint.requests) == 1  # submitted and published were not subscribed to
    headers, body = endpoint.requests[0]
    assert verify(secret, headers[SIGNATURE_HEADER], body)
    assert not verify(secret, headers[SIGNATURE_HEADER], body.replace(b"approved", b"returned"))
    assert not verify("whsec_another", headers[SIGNATURE_HEADER], body)
    # A captured delivery replayed after the window is refused by the same check.
    assert not verify(secret, headers[SIGNATURE_HEADER], body, now=time.time() + REPLAY_WINDOW_SECONDS + 5)
    sent = json.loads(body)
    assert sent["type"] == "submission.approved" and headers["EduDX-Event"] == "submission.approved"
    assert sent["data"]["submission_id"] == submission["id"] and sent["data"]["unit_id"] == str(school.id)
    assert sent["data"]["campaign_id"] == campaign["id"]
    item = log.json()["items"][0]
    assert log.json()["total"] == 1
    assert (item["status"], item["attempts"], item["last_status_code"]) == ("delivered", 1, 200)
    assert item["last_response_excerpt"] == "đã nhận" and item["event_id"] == sent["id"]


async def test_a_failing_receiver_gets_the_retries_and_the_webhook_is_disabled(harness: Harness) -> None:
    h = harness
    district, admin = await h.district(1)
    h_admin_email = district.phong_admin.email
    async with receiver(answer_status=500) as endpoint, \
            worker_with(h.system, h.databases, h.clock, webhooks_disable_after_failures=3) as worker:
        created = await h.api.post(WEBHOOKS, json={"url": endpoint.url, "event_types": ["campaign.published"]},
                                   headers=admin)
        subscription_id = created.json()["id"]
        await publish_campaign(h.system.submissions.url, admin, due_at=utcnow() + timedelta(days=7))
        await eventually(lambda: _deliveries(h), within=30)
        start = utcnow() + timedelta(seconds=1)
        h.clock.set(start)
        await worker.run_once(steps=("webhooks",))
        await worker.run_once(steps=("webhooks",))  # too early for the retry: the backoff holds it
        after_first = len(endpoint.requests)
        for hours in (1, 2, 3, 4):
            h.clock.set(start + timedelta(hours=hours))
            await worker.run_once(steps=("webhooks",))
        shown = await h.api.get(f"{WEBHOOKS}/{subscription_id}", headers=admin)
        log = await h.api.get(f"{WEBHOOKS}/{subscription_id}/deliveries", headers=admin)
        await worker.run_once(steps=("expand",))
        feed = await h.api.get("/api/notifications/feed", headers=admin)
        redeliver = await h.api.post(
            f"{WEBHOOKS}/{subscription_id}/deliveries/{log.json()['items'][0]['id']}/redeliver", headers=admin)
        enabled_again = await h.api.patch(f"{WEBHOOKS}/{subscription_id}", json={"enabled": True}, headers=admin)

    assert after_first == 1
    assert len(endpoint.requests) == 3  # three attempts, then disabled: the fourth hour sends nothing
    assert all(verify(created.json()["secret"], hdrs[SIGNATURE_HEADER], body) for hdrs, body in endpoint.requests)
    assert len({json.loads(body)["id"] for _, body in endpoint.requests}) == 1  # one event, retried
    assert shown.json()["enabled"] is False and shown.json()["consecutive_failures"] == 3
    assert "3 lần" in shown.json()["disabled_reason"]
    item = log.json()["items"][0]
    assert (item["status"], item["attempts"], item["last_status_code"]) == ("failed", 3, 500)
    assert item["last_response_excerpt"] == "lỗi máy chủ"
    # the admins of the webhook's unit are told: in their feed, and by an e-mail (sent outside quiet hours)
    notice = [i for i in feed.json()["items"] if i["kind"] == "webhook_disabled"]
    assert len(notice) == 1 and endpoint.url in notice[0]["body"]
    async with h.databases.notifications() as session:
        notices = select(OutgoingEmail).where(OutgoingEmail.kind == "webhook_disabled")
        mails = (await session.execute(notices)).scalars().all()
    assert [m.to_addresses for m in mails] == [[h_admin_email]]
    assert redeliver.status_code == 409 and redeliver.json()["code"] == "webhook_state_conflict"
    assert enabled_again.json()["enabled"] is True and enabled_again.json()["consecutive_failures"] == 0


async def test_private_addresses_and_plain_http_are_refused(harness: Harness) -> None:
    h = harness
    district, admin = await h.district(1)
    refused = [await h.api.post(WEBHOOKS, json={"url": url, "event_types": ["results.published"]}, headers=admin)
               for url in ("https://10.1.2.3/hook", "https://169.254.169.254/latest", "http://example.com/hook",
                           "https://user:pw@example.com/hook")]
    school_user = await h.sign_in(district.schools[0].principal)
    by_school = await h.api.post(WEBHOOKS, json={"url": "https://127.0.0.1/h", "event_types": ["results.published"]},
                                 headers=school_user)

    assert [r.status_code for r in refused] == [422, 422, 422, 422]
    assert {r.json()["code"] for r in refused} == {"invalid_webhook_url"}
    assert by_school.status_code == 403
    async with h.databases.notifications() as session:
        assert (await session.execute(select(WebhookSubscription))).first() is None


@pytest.mark.parametrize("url", ["https://127.0.0.1/h", "http://localhost/h", "https://[::1]/h",
                                 "https://192.168.1.10/h", "https://[fd00::1]/h", "https://0.0.0.0/h"])
def test_without_the_allowance_loopback_and_private_ranges_are_refused(url: str) -> None:
    with pytest.raises(RefusedAddress):
        check_url(url, allow_loopback=False)


def test_a_public_https_address_passes_the_form_check() -> None:
    assert check_url("https://hooks.vinhlong.edu.vn/edudx", allow_loopback=False) == ("hooks.vinhlong.edu.vn", 443)
