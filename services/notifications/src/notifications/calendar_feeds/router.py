from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response, status

from edudx_common.auth import CurrentPerson
from edudx_common.db import SessionDep
from edudx_common.downloads import content_disposition
from edudx_common.errors import PROBLEM_RESPONSES
from edudx_common.pagination import Page, PageParamsDep, page_of
from notifications.calendar_feeds import service
from notifications.calendar_feeds.schemas import CalendarFeedCreate, CalendarFeedCreated, CalendarFeedRead
from notifications.deps import IdentityDep, NowDep, SettingsDep, UnitTreeDep

router = APIRouter(tags=["calendar"], responses=PROBLEM_RESPONSES)


def _created(feed: CalendarFeedRead, token: str, base_url: str) -> CalendarFeedCreated:
    url = service.feed_url(base_url, token)
    webcal = "webcal://" + url.split("://", 1)[-1]
    return CalendarFeedCreated(**feed.model_dump(), url=url, webcal_url=webcal)


@router.post("/calendar-feeds", response_model=CalendarFeedCreated, status_code=status.HTTP_201_CREATED)
async def create_calendar_feed(body: CalendarFeedCreate, session: SessionDep, user: CurrentPerson, tree: UnitTreeDep,
                               settings: SettingsDep, now: NowDep) -> CalendarFeedCreated:
    """A secret calendar URL of deadlines to subscribe to on a phone. The URL is shown only now: keep it, or
    regenerate the feed later. A unit feed is for the caller's unit or a unit below it."""
    feed, token = await service.create_feed(session, user, tree, body, now=now)
    return _created(CalendarFeedRead.model_validate(feed), token, settings.app_base_url)


@router.get("/calendar-feeds", response_model=Page[CalendarFeedRead])
async def list_calendar_feeds(session: SessionDep, user: CurrentPerson,
                              page: PageParamsDep) -> Page[CalendarFeedRead]:
    """The caller's active feeds and (principals, authority admins) those of their unit. URLs are not shown."""
    return page_of(CalendarFeedRead, await service.list_feeds(session, user), page)


@router.post("/calendar-feeds/{feed_id}/regenerate", response_model=CalendarFeedCreated)
async def regenerate_calendar_feed(feed_id: uuid.UUID, session: SessionDep, user: CurrentPerson, tree: UnitTreeDep,
                                   settings: SettingsDep) -> CalendarFeedCreated:
    """A new secret URL for the feed; the old one stops working at once."""
    feed, token = await service.regenerate(session, user, tree, feed_id)
    return _created(CalendarFeedRead.model_validate(feed), token, settings.app_base_url)


@router.delete("/calendar-feeds/{feed_id}", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_calendar_feed(feed_id: uuid.UUID, session: SessionDep, user: CurrentPerson, tree: UnitTreeDep,
                               now: NowDep) -> None:
    """Revoke a feed: its URL stops working at once."""
    await service.revoke(session, user, tree, feed_id, now=now)


@router.get(
    "/calendar/{token}.ics",
    response_class=Response,
    responses={200: {"description": "Lịch iCalendar (RFC 5545)", "content": {"text/calendar": {"schema": {
        "type": "string"}}}}},
)
async def get_calendar(token: Annotated[str, Path(min_length=20, max_length=100, pattern=r"^[A-Za-z0-9_-]+$")],
                       request: Request, session: SessionDep, identity: IdentityDep, settings: SettingsDep,
                       now: NowDep) -> Response:
    """The feed's calendar, fetched by calendar apps without a login: the secret token in the URL is the
    credential. 404 for an unknown or revoked token."""
    body = await service.render(session, token, identity=identity, directory=request.app.state.directory,
                                base_url=settings.app_base_url, domain=settings.mail_domain, now=now)
    return Response(body, media_type="text/calendar; charset=utf-8", headers={
        "Content-Disposition": content_disposition("edudx-han-nop.ics", inline=True),
        "Cache-Control": "private, max-age=300",
    })
