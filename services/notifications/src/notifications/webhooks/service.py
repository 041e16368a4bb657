"""Webhook subscriptions of an authority's subtree, and the deliveries events call for.

An event accepted by this service (events.service) becomes one delivery per enabled subscription whose unit is
the event's unit or above it: the school for submission events, the issuing authority for campaign and results
events. Each delivery is an outbox message for the `webhooks` receiver, written in the event's transaction, so
the outbox dispatcher retries it with backoff like any event (webhooks.sender does the HTTP call).
"""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from edudx_common.auth import Principal, Role
from edudx_common.errors import Forbidden, NotFound, Unprocessable
from edudx_common.pagination import PageParams
from edudx_common.scope import UnitTree, ensure_in_scope
from edudx_common.tables import audit
from edudx_common.tables.inbox import EventEnvelope
from edudx_common.tables.outbox import add_event
from notifications.errors import WebhookDeliveryNotFound, WebhookNotFound, WebhookStateConflict
from notifications.webhooks import repository
from notifications.webhooks.addresses import RefusedAddress, check_resolved
from notifications.webhooks.models import (
    WebhookDelivery,
    WebhookDeliveryStatus,
    WebhookEventType,
    WebhookSubscription,
)
from notifications.webhooks.schemas import WebhookCreate, WebhookCreated, WebhookRead, WebhookUpdate
from notifications.webhooks.vault import SecretVault

RECEIVER = "webhooks"
DELIVERY_EVENT = "webhook.delivery"
SUBSCRIBABLE = frozenset(t.value for t in WebhookEventType)


class InvalidWebhookUrl(Unprocessable):
    code = "invalid_webhook_url"
    title = "Địa chỉ webhook không được chấp nhận"


def _ensure_admin(principal: Principal) -> None:
    if not (principal.is_system_admin or principal.has_any(Role.AUTHORITY_ADMIN)):
        raise Forbidden("Chỉ quản trị viên của đơn vị quản lý được quản lý webhook.")


async def _ensure_url(url: str, *, allow_loopback: bool) -> None:
    try:
        await check_resolved(url, allow_loopback=allow_loopback)
    except RefusedAddress as exc:
        raise InvalidWebhookUrl(str(exc)) from exc


def _record(session: AsyncSession, subscription: WebhookSubscription, action: str, principal: Principal) -> None:
    audit.record(session, action=action, actor=principal, target_type="webhook_subscription",
                 target_id=subscription.id, unit_id=subscription.unit_id,
                 changes={"url": subscription.url, "event_types": subscription.event_types,
                          "enabled": subscription.enabled})


async def create(session: AsyncSession, principal: Principal, data: WebhookCreate, tree: UnitTree, *,
                 allow_loopback: bool, vault: SecretVault, now: datetime) -> WebhookCreated:
    _ensure_admin(principal)
    unit_id = data.unit_id or principal.unit_id
    if unit_id is None:
        raise InvalidWebhookUrl("Hãy chọn đơn vị của webhook.")
    await ensure_in_scope(principal, unit_id, tree)
    await _ensure_url(str(data.url), allow_loopback=allow_loopback)
    secret = "whsec_" + secrets.token_urlsafe(32)
    subscription = WebhookSubscription(
        unit_id=unit_id, url=str(data.url), description=data.description,
        event_types=sorted({t.value for t in data.event_types}), secret_encrypted=vault.seal(secret),
        created_by=principal.user_id, created_at=now, updated_at=now)
    session.add(subscription)
    await session.flush()
    _record(session, subscription, "webhook.created", principal)
    read = WebhookRead.model_validate(subscription)
    return WebhookCreated(**read.model_dump(), secret=secret)


async def list_subscriptions(session: AsyncSession, principal: Principal, tree: UnitTree, page: PageParams, *,
                             unit_id: uuid.UUID | None) -> tuple[list[WebhookSubscription], int]:
    """The subscriptions of one unit (default: the admin's own); a system admin without `unit_id` sees all."""
    _ensure_admin(principal)
    if unit_id is None and principal.is_system_admin:
        return await repository.list_for_units(session, None, page)
    unit_id = unit_id or principal.unit_id
    if unit_id is None:
        return [], 0
    await ensure_in_scope(principal, unit_id, tree)
    return await repository.list_for_units(session, [unit_id], page)


async def get_manageable(session: AsyncSession, principal: Principal, tree: UnitTree,
                         subscription_id: uuid.UUID) -> WebhookSubscription:
    _ensure_admin(principal)
    subscription = await repository.get(session, subscription_id)
    if subscription is None:
        raise WebhookNotFound()
    try:
        await ensure_in_scope(principal, subscription.unit_id, tree)
    except NotFound as exc:  # outside the admin's subtree: as if it did not exist
        raise WebhookNotFound() from exc
    return subscription


async def update(session: AsyncSession, principal: Principal, tree: UnitTree, subscription_id: uuid.UUID,
                 data: WebhookUpdate, *, now: datetime) -> WebhookSubscription:
    subscription = await get_manageable(session, principal, tree, subscription_id)
    if data.event_types is not None:
        subscription.event_types = sorted({t.value for t in data.event_types})
    if data.description is not None:
        subscription.description = data.description
    if data.enabled is not None and data.enabled != subscription.enabled:
        subscription.enabled = data.enabled
        subscription.consecutive_failures = 0
        subscription.disabled_at = None if data.enabled else now
        subscription.disabled_reason = None if data.enabled else "Quản trị viên tạm dừng."
    subscription.updated_at = now
    await session.flush()
    _record(session, subscription, "webhook.updated", principal)
    return subscription


async def delete(session: AsyncSession, principal: Principal, tree: UnitTree, subscription_id: uuid.UUID) -> None:
    """Stop for good: the subscription is disabled (its log stays readable), never sent to again."""
    subscription = await get_manageable(session, principal, tree, subscription_id)
    subscription.enabled = False
    subscription.disabled_reason = "Đã xoá."
    await session.flush()
    _record(session, subscription, "webhook.deleted", principal)


async def list_deliveries(session: AsyncSession, principal: Principal, tree: UnitTree, subscription_id: uuid.UUID,
                          page: PageParams) -> tuple[list[WebhookDelivery], int]:
    await get_manageable(session, principal, tree, subscription_id)
    return await repository.list_deliveries(session, subscription_id, page)


async def redeliver(session: AsyncSession, principal: Principal, tree: UnitTree, subscription_id: uuid.UUID,
                    delivery_id: uuid.UUID) -> WebhookDelivery:
    """Send one delivery again (same event id and body, a fresh signature), whatever became of it before."""
    subscription = await get_manageable(session, principal, tree, subscription_id)
    delivery = await repository.get_delivery(session, delivery_id)
    if delivery is None or delivery.subscription_id != subscription.id:
        raise WebhookDeliveryNotFound("Không tìm thấy lần gửi này của webhook.")
    if not subscription.enabled:
        raise WebhookStateConflict("Webhook đang tắt: hãy bật lại trước khi gửi lại.")
    delivery.status = WebhookDeliveryStatus.PENDING.value
    _schedule(session, delivery)
    await session.flush()
    return delivery


def _schedule(session: AsyncSession, delivery: WebhookDelivery) -> None:
    add_event(session, event_type=DELIVERY_EVENT, payload={"delivery_id": str(delivery.id)}, receivers=[RECEIVER])


def _event_unit(event_type: str, payload: dict[str, Any]) -> uuid.UUID | None:
    """The unit an event is about, for matching subtrees: the school, or the issuing authority."""
    raw = payload.get("unit_id") if event_type.startswith("submission.") else payload.get("issuer_unit_id")
    try:
        return uuid.UUID(str(raw)) if raw else None
    except ValueError:
        return None


async def enqueue_for_event(session: AsyncSession, envelope: EventEnvelope, tree: UnitTree, *,
                            now: datetime) -> int:
    """One delivery per enabled subscription above the event's unit that wants its type; how many."""
    if envelope.type not in SUBSCRIBABLE or not await repository.any_enabled(session):
        return 0
    unit_id = _event_unit(envelope.type, envelope.payload)
    if unit_id is None:
        return 0
    ancestors = await tree.ancestor_ids(unit_id) or []
    count = 0
    for subscription in await repository.enabled_for_units(session, [*ancestors, unit_id]):
        if envelope.type not in subscription.event_types:
            continue
        delivery = WebhookDelivery(subscription_id=subscription.id, event_id=envelope.id, event_type=envelope.type,
                                   occurred_at=envelope.occurred_at, payload=dict(envelope.payload), created_at=now)
        session.add(delivery)
        await session.flush()
        _schedule(session, delivery)
        count += 1
    return count
