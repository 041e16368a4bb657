from __future__ import annotations

import uuid

from fastapi import APIRouter

from edudx_common.auth import CurrentPerson
from edudx_common.db import SessionDep
from edudx_common.errors import PROBLEM_RESPONSES
from edudx_common.pagination import Page, PageParamsDep, make_page
from notifications.deps import NowDep
from notifications.feed import service
from notifications.feed.schemas import FeedItemRead, MarkedRead, UnreadCount

router = APIRouter(prefix="/feed", tags=["feed"], responses=PROBLEM_RESPONSES)


@router.get("", response_model=Page[FeedItemRead])
async def list_feed(session: SessionDep, user: CurrentPerson, page: PageParamsDep,
                    unread_only: bool = False) -> Page[FeedItemRead]:
    """The signed-in user's notifications, newest first. Everything is here, including the kinds of e-mail the
    user muted."""
    items, total = await service.list_feed(session, user, page, unread_only=unread_only)
    return make_page(FeedItemRead, items, total, page)


@router.get("/unread-count", response_model=UnreadCount)
async def get_unread_count(session: SessionDep, user: CurrentPerson) -> UnreadCount:
    """How many of the user's notifications are unread (the badge on the bell)."""
    return UnreadCount(unread=await service.unread_count(session, user))


@router.post("/{item_id}/read", response_model=FeedItemRead)
async def mark_read(item_id: uuid.UUID, session: SessionDep, user: CurrentPerson, now: NowDep) -> FeedItemRead:
    """Mark one of the user's notifications read (again: no change). 404 for anybody else's."""
    return FeedItemRead.model_validate(await service.mark_read(session, user, item_id, now=now))


@router.post("/{item_id}/unread", response_model=FeedItemRead)
async def mark_unread(item_id: uuid.UUID, session: SessionDep, user: CurrentPerson) -> FeedItemRead:
    """Mark one of the user's notifications unread."""
    return FeedItemRead.model_validate(await service.mark_unread(session, user, item_id))


@router.post("/read-all", response_model=MarkedRead)
async def mark_all_read(session: SessionDep, user: CurrentPerson, now: NowDep) -> MarkedRead:
    """Mark every unread notification of the user read."""
    return MarkedRead(updated=await service.mark_all_read(session, user, now=now))
