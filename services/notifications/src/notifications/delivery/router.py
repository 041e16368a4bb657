from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query

from edudx_common.auth import CurrentUser
from edudx_common.db import SessionDep
from edudx_common.errors import PROBLEM_RESPONSES
from edudx_common.pagination import Page, PageParamsDep, make_page
from notifications.delivery import service
from notifications.delivery.schemas import DeliveryRead, DeliverySummary, EmailStatus, ResendReportRead, ResendRequest
from notifications.deps import NowDep, SettingsDep

router = APIRouter(prefix="/deliveries", tags=["deliveries"], responses=PROBLEM_RESPONSES)


@router.get("", response_model=Page[DeliveryRead])
async def list_deliveries(
    session: SessionDep, user: CurrentUser, page: PageParamsDep,
    status: Annotated[list[EmailStatus] | None, Query(description="Lọc theo trạng thái (lặp lại để chọn nhiều), "
                                                                  "ví dụ failed")] = None,
    campaign_id: uuid.UUID | None = None,
) -> Page[DeliveryRead]:
    """E-mails to units in the authority admin's subtree, newest first: `status=failed` lists what could not be
    delivered (refused addresses, units without any address, mail not accepted for days). 403 for others."""
    items, total = await service.list_deliveries(session, user, page, statuses=status or [], campaign_id=campaign_id)
    return make_page(DeliveryRead, items, total, page)


@router.get("/summary", response_model=DeliverySummary)
async def get_delivery_summary(session: SessionDep, user: CurrentUser) -> DeliverySummary:
    """How many e-mails in the admin's subtree are waiting, sent, failed or cancelled."""
    return DeliverySummary(**await service.summary(session, user))


@router.post("/resend-failed", response_model=ResendReportRead)
async def resend_failed_deliveries(body: ResendRequest, session: SessionDep, user: CurrentUser, settings: SettingsDep,
                                   now: NowDep) -> ResendReportRead:
    """Send a campaign's failed e-mails again (authority admins: units in their subtree; system admins: all).
    Those refused by the mail server are queued again; those that failed because a unit had nobody to write to
    are composed again from the units' current accounts and contacts (new accounts get their feed items too)."""
    report = await service.resend_failed(session, user, body.campaign_id, now=now,
                                         give_up_after=timedelta(hours=settings.give_up_after_hours))
    return ResendReportRead(sent_again=report.sent_again, composed_again=report.composed_again)


@router.post("/{delivery_id}/retry", response_model=DeliveryRead)
async def retry_delivery(delivery_id: uuid.UUID, session: SessionDep, user: CurrentUser, settings: SettingsDep,
                         now: NowDep) -> DeliveryRead:
    """Send a failed e-mail again. 409 for one that did not fail, or that has no recipient at all (those are
    composed again when the unit's contacts change, or with `resend-failed`)."""
    email = await service.retry(session, user, delivery_id, now=now,
                                give_up_after=timedelta(hours=settings.give_up_after_hours))
    return DeliveryRead.model_validate(email)
