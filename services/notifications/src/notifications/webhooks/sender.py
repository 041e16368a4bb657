"""Delivering one webhook: the outbox dispatcher's deliverer for the `webhooks` receiver.

Each attempt is signed anew (webhooks.signing) and logged on the delivery (status code, the start of the answer).
A 2xx delivers. Anything else — an error status, a refused address, a timeout — counts one consecutive failure of
the subscription and is tried again with the dispatcher's exponential backoff; at
NOTIFICATIONS_WEBHOOKS_DISABLE_AFTER_FAILURES the subscription is disabled and its pending deliveries given up.
"""

from __future__ import annotations

import json
import ssl
import uuid
from datetime import datetime

import httpx
import structlog
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from edudx_common.tables.outbox import OutboxStatus
from edudx_common.tables.outbox_dispatcher import ClaimedMessage, Deliverer, DeliveryOutcome, OutboxDispatcher
from notifications.config import Settings
from notifications.delivery import service as delivery_service
from notifications.timing import Clock
from notifications.webhooks import repository
from notifications.webhooks.addresses import RefusedAddress, Resolver, Target, resolve_target, system_resolver
from notifications.webhooks.models import WebhookDelivery, WebhookDeliveryStatus, WebhookSubscription
from notifications.webhooks.schemas import WebhookBody
from notifications.webhooks.service import RECEIVER
from notifications.webhooks.signing import SIGNATURE_HEADER, signature_header
from notifications.webhooks.vault import UnreadableSecret

log = structlog.get_logger("notifications.webhooks")

EXCERPT_LENGTH = 500


def webhook_body(delivery: WebhookDelivery) -> bytes:
    body = WebhookBody.model_validate({"id": delivery.event_id, "type": delivery.event_type,
                                       "occurred_at": delivery.occurred_at, "delivery_id": delivery.id,
                                       "data": delivery.payload})
    return json.dumps(body.model_dump(mode="json"), ensure_ascii=False, separators=(",", ":")).encode()


async def post_pinned(target: Target, body: bytes, headers: dict[str, str], *, timeout_seconds: float,
                      verify: ssl.SSLContext | bool = True) -> httpx.Response:
    """POST to the address `target` was checked at, never resolving its name again: the name goes in `Host` and,
    over HTTPS, in the TLS SNI, against which the certificate is verified."""
    async with httpx.AsyncClient(timeout=timeout_seconds, follow_redirects=False, verify=verify,
                                 trust_env=False) as http:
        return await http.post(target.connect_url, content=body,
                               headers={**headers, "Host": target.host_header},
                               extensions={"sni_hostname": target.host})


class WebhookSender:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], settings: Settings, *, clock: Clock,
                 resolver: Resolver = system_resolver, verify: ssl.SSLContext | bool = True) -> None:
        self._sessions = sessions
        self._settings = settings
        self._clock = clock
        self._vault = settings.secret_vault()
        self._resolver = resolver
        self._verify = verify

    async def deliver(self, message: ClaimedMessage) -> DeliveryOutcome:
        async with self._sessions() as session:
            delivery = await repository.get_delivery(session, uuid.UUID(str(message.payload["delivery_id"])))
            subscription = await repository.get(session, delivery.subscription_id) if delivery else None
        if delivery is None or subscription is None or delivery.status == WebhookDeliveryStatus.DELIVERED:
            return DeliveryOutcome(OutboxStatus.DELIVERED)
        if not subscription.enabled:
            await self._give_up(delivery.id, "Webhook đã tắt.")
            return DeliveryOutcome(OutboxStatus.FAILED, "subscription disabled")
        status_code, excerpt, error = await self._post(subscription, delivery)
        if status_code is not None and 200 <= status_code < 300:
            await self._record(subscription, delivery, status_code, excerpt, None, delivered=True)
            return DeliveryOutcome(OutboxStatus.DELIVERED)
        error = error or f"HTTP {status_code}"
        disabled = await self._record(subscription, delivery, status_code, excerpt, error, delivered=False)
        if disabled:
            return DeliveryOutcome(OutboxStatus.FAILED, f"{error}; webhook disabled")
        return DeliveryOutcome(OutboxStatus.PENDING, error)

    async def _post(self, subscription: WebhookSubscription,
                    delivery: WebhookDelivery) -> tuple[int | None, str | None, str | None]:
        try:
            target = await resolve_target(subscription.url, allow_loopback=self._settings.webhooks_allow_loopback,
                                          resolver=self._resolver)
        except RefusedAddress as exc:
            return None, None, str(exc)
        try:
            secret = self._vault.open(subscription.secret_encrypted)
        except UnreadableSecret:
            log.error("webhook_secret_unreadable", subscription_id=str(subscription.id))
            return None, None, "Không giải mã được khoá ký (NOTIFICATIONS_WEBHOOKS_SECRET_KEYS đã đổi?)."
        body = webhook_body(delivery)
        headers = {"Content-Type": "application/json", "User-Agent": "EduDX-Webhooks/1",
                   SIGNATURE_HEADER: signature_header(secret, body),
                   "EduDX-Event": delivery.event_type, "EduDX-Event-Id": str(delivery.event_id),
                   "EduDX-Delivery": str(delivery.id)}
        try:
            response = await post_pinned(target, body, headers, verify=self._verify,
                                         timeout_seconds=self._settings.webhooks_timeout_seconds)
        except httpx.HTTPError as exc:
            return None, None, f"{type(exc).__name__}: {exc}"[:EXCERPT_LENGTH]
        return response.status_code, response.text[:EXCERPT_LENGTH], None

    async def _record(self, subscription: WebhookSubscription, delivery: WebhookDelivery, status_code: int | None,
                      excerpt: str | None, error: str | None, *, delivered: bool) -> bool:
        """Log the attempt; on a failure count it and disable the subscription at the limit. True if disabled."""
        now: datetime = self._clock()
        async with self._sessions() as session, session.begin():
            values: dict[str, object] = {"attempts": col(WebhookDelivery.attempts) + 1, "last_attempt_at": now,
                                         "last_status_code": status_code, "last_response_excerpt": excerpt,
                                         "last_error": error}
            if delivered:
                values |= {"status": WebhookDeliveryStatus.DELIVERED.value, "delivered_at": now}
            await session.execute(update(WebhookDelivery).where(col(WebhookDelivery.id) == delivery.id)
                                  .values(**values))
            if delivered:
                await session.execute(update(WebhookSubscription)
                                      .where(col(WebhookSubscription.id) == subscription.id)
                                      .values(consecutive_failures=0))
                return False
            failures = (await session.execute(
                update(WebhookSubscription).where(col(WebhookSubscription.id) == subscription.id)
                .values(consecutive_failures=col(WebhookSubscription.consecutive_failures) + 1)
                .returning(col(WebhookSubscription.consecutive_failures)))).scalar_one()
            limit = self._settings.webhooks_disable_after_failures
            if failures < limit:
                return False
            reason = f"Tự động tắt sau {failures} lần gửi thất bại liên tiếp ({error})."[:500]
            turned_off = await session.execute(
                update(WebhookSubscription).where(col(WebhookSubscription.id) == subscription.id,
                                                  col(WebhookSubscription.enabled))
                .values(enabled=False, disabled_at=now, updated_at=now, disabled_reason=reason))
            if turned_off.rowcount == 1:  # type: ignore[attr-defined]  # this attempt turned it off: tell once
                await delivery_service.webhook_disabled(session, unit_id=subscription.unit_id,
                                                        subscription_id=subscription.id, url=subscription.url,
                                                        reason=reason, now=now)
            await session.execute(
                update(WebhookDelivery).where(col(WebhookDelivery.subscription_id) == subscription.id,
                                              col(WebhookDelivery.status) == WebhookDeliveryStatus.PENDING.value)
                .values(status=WebhookDeliveryStatus.FAILED.value))
        log.warning("webhook_disabled", subscription_id=str(subscription.id), url=subscription.url,
                    failures=failures, error=error)
        return True

    async def _give_up(self, delivery_id: uuid.UUID, reason: str) -> None:
        async with self._sessions() as session, session.begin():
            await session.execute(update(WebhookDelivery).where(col(WebhookDelivery.id) == delivery_id)
                                  .values(status=WebhookDeliveryStatus.FAILED.value, last_error=reason))


def webhook_dispatcher(settings: Settings, sessions: async_sessionmaker[AsyncSession], *, clock: Clock,
                       resolver: Resolver = system_resolver,
                       verify: ssl.SSLContext | bool = True) -> OutboxDispatcher:
    """The outbox dispatcher serving only the `webhooks` receiver, with the webhooks' backoff. `resolver` and
    `verify` (the certificate authorities) are the system's unless a test brings its own DNS and CA."""
    deliverer: Deliverer = WebhookSender(sessions, settings, clock=clock, resolver=resolver, verify=verify).deliver
    return OutboxDispatcher(sessions, {}, deliverers={RECEIVER: deliverer}, clock=clock,
                            lease_seconds=settings.webhooks_timeout_seconds * 2 + 10,
                            backoff_base_seconds=settings.webhooks_retry_base_seconds,
                            backoff_max_seconds=settings.webhooks_retry_max_seconds)
