from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, Response, status

from edudx_common.auth import CurrentPerson
from edudx_common.db import SessionDep
from edudx_common.errors import PROBLEM_RESPONSES
from edudx_common.pagination import Page, PageParamsDep
from notifications.deps import NowDep, SettingsDep, UnitTreeDep
from notifications.webhooks import service
from notifications.webhooks.schemas import (
    WebhookCreate,
    WebhookCreated,
    WebhookDeliveryRead,
    WebhookRead,
    WebhookUpdate,
)

router = APIRouter(tags=["webhooks"], responses=PROBLEM_RESPONSES)


@router.post("/webhooks", response_model=WebhookCreated, status_code=status.HTTP_201_CREATED)
async def create_webhook(body: WebhookCreate, session: SessionDep, user: CurrentPerson, tree: UnitTreeDep,
                         settings: SettingsDep, now: NowDep, request: Request,
                         response: Response) -> WebhookCreated:
    """Subscribe an HTTPS endpoint to events of a unit's subtree (authority admins). The answer carries the
    signing `secret` this once. Private, loopback and reserved addresses are refused (422 `invalid_webhook_url`).
    Each delivery is a JSON `WebhookBody` signed in `EduDX-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "t.body">`."""
    created = await service.create(session, user, body, tree, allow_loopback=settings.webhooks_allow_loopback,
                                   vault=settings.secret_vault(), now=now)
    response.headers["Location"] = str(request.url_for("get_webhook", subscription_id=created.id).path)
    return created


@router.get("/webhooks", response_model=Page[WebhookRead])
async def list_webhooks(session: SessionDep, user: CurrentPerson, tree: UnitTreeDep, page: PageParamsDep,
                        unit_id: uuid.UUID | None = None) -> Page[WebhookRead]:
    """The webhooks of a unit of the admin's subtree (default: the admin's own unit), newest first."""
    items, total = await service.list_subscriptions(session, user, tree, page, unit_id=unit_id)
    return Page[WebhookRead](items=[WebhookRead.model_validate(s) for s in items], total=total, limit=page.limit,
                             offset=page.offset)


@router.get("/webhooks/{subscription_id}", response_model=WebhookRead)
async def get_webhook(subscription_id: uuid.UUID, session: SessionDep, user: CurrentPerson,
                      tree: UnitTreeDep) -> WebhookRead:
    """One webhook of the admin's subtree; 404 otherwise."""
    return WebhookRead.model_validate(await service.get_manageable(session, user, tree, subscription_id))


@router.patch("/webhooks/{subscription_id}", response_model=WebhookRead)
async def update_webhook(subscription_id: uuid.UUID, body: WebhookUpdate, session: SessionDep, user: CurrentPerson,
                         tree: UnitTreeDep, now: NowDep) -> WebhookRead:
    """Change the event types, pause, or turn a disabled webhook back on (its failure count starts again)."""
    return WebhookRead.model_validate(await service.update(session, user, tree, subscription_id, body, now=now))


@router.delete("/webhooks/{subscription_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_webhook(subscription_id: uuid.UUID, session: SessionDep, user: CurrentPerson,
                         tree: UnitTreeDep) -> Response:
    """Stop sending to this webhook. Its delivery log stays readable."""
    await service.delete(session, user, tree, subscription_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/webhooks/{subscription_id}/deliveries", response_model=Page[WebhookDeliveryRead])
async def list_webhook_deliveries(subscription_id: uuid.UUID, session: SessionDep, user: CurrentPerson,
                                  tree: UnitTreeDep, page: PageParamsDep) -> Page[WebhookDeliveryRead]:
    """The delivery log, newest first: attempts, the last status code and the start of the last answer."""
    items, total = await service.list_deliveries(session, user, tree, subscription_id, page)
    return Page[WebhookDeliveryRead](items=[WebhookDeliveryRead.model_validate(d) for d in items], total=total,
                                     limit=page.limit, offset=page.offset)


@router.post("/webhooks/{subscription_id}/deliveries/{delivery_id}/redeliver", response_model=WebhookDeliveryRead,
             status_code=status.HTTP_202_ACCEPTED)
async def redeliver_webhook(subscription_id: uuid.UUID, delivery_id: uuid.UUID, session: SessionDep,
                            user: CurrentPerson, tree: UnitTreeDep) -> WebhookDeliveryRead:
    """Send a delivery again (same event id and body, new signature). 409 while the webhook is disabled."""
    return WebhookDeliveryRead.model_validate(await service.redeliver(session, user, tree, subscription_id,
                                                                      delivery_id))
