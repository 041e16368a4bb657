from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import AnyUrl, BaseModel, ConfigDict, Field

from edudx_common.types import PartialUpdate, RequestModel
from notifications.webhooks.models import WebhookDeliveryStatus, WebhookEventType


class WebhookCreate(RequestModel):

    url: AnyUrl = Field(description="Địa chỉ HTTPS nhận sự kiện (không thuộc dải mạng nội bộ)")
    event_types: list[WebhookEventType] = Field(min_length=1, max_length=len(WebhookEventType))
    unit_id: uuid.UUID | None = Field(default=None, description="Gốc phạm vi; mặc định là đơn vị của người tạo")
    description: str | None = Field(default=None, max_length=300)


class WebhookUpdate(PartialUpdate):
    """Change what is sent, or turn the subscription back on (which clears its failure count)."""


    event_types: list[WebhookEventType] | None = Field(default=None, min_length=1, max_length=len(WebhookEventType))
    enabled: bool | None = None
    description: str | None = Field(default=None, max_length=300)


class WebhookRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    unit_id: uuid.UUID
    url: str
    description: str | None
    event_types: list[WebhookEventType]
    enabled: bool
    consecutive_failures: int
    disabled_at: datetime | None
    disabled_reason: str | None
    created_at: datetime
    updated_at: datetime


class WebhookCreated(WebhookRead):
    secret: str = Field(description="Khoá ký HMAC-SHA256, chỉ hiển thị một lần")


class WebhookDeliveryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    subscription_id: uuid.UUID
    event_id: uuid.UUID
    event_type: WebhookEventType
    occurred_at: datetime
    status: WebhookDeliveryStatus
    attempts: int
    last_attempt_at: datetime | None
    last_status_code: int | None
    last_response_excerpt: str | None
    last_error: str | None
    delivered_at: datetime | None
    created_at: datetime


class WebhookBody(BaseModel):
    """What an endpoint receives (JSON, signed): `data` is the event's payload as its producer's JSON Schema
    (`events/<producer>/<type>.json`) describes it."""

    id: uuid.UUID = Field(description="The event's id: the same on a retry or a redelivery (de-duplicate by it)")
    type: WebhookEventType
    occurred_at: datetime
    delivery_id: uuid.UUID
    data: dict[str, Any]
