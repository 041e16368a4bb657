"""Deadline calendars that phones subscribe to: secret URLs, revocable and regenerable.

Calendar apps fetch without a login, so the token in the URL is the credential: 32 random bytes, of which
only the SHA-256 is stored. A unit feed shows the unit's open campaigns with its own deadlines (extensions,
resubmission deadlines) and, for an authority, the deadlines of the campaigns it issued. A user feed shows the
same for the user's current unit, and stops working when identity no longer lists the account as active.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from edudx_common.auth import Principal, Role
from edudx_common.scope import UnitTree, ensure_in_scope, is_in_scope
from edudx_common.timezone import format_vn
from notifications.calendar_feeds import repository
from notifications.calendar_feeds.ics import CalendarEvent, calendar
from notifications.calendar_feeds.models import CalendarFeed, FeedScope
from notifications.calendar_feeds.schemas import CalendarFeedCreate
from notifications.campaigns import repository as campaigns_repository
from notifications.campaigns.models import TargetState
from notifications.clients.identity import IdentityClient
from notifications.delivery.compose import Links
from notifications.directory.service import Directory
from notifications.errors import CalendarFeedNotFound, NotAllowed

TOKEN_BYTES = 32
MANAGERS = (Role.PRINCIPAL, Role.AUTHORITY_ADMIN)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def feed_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/api/notifications/calendar/{token}.ics"


def _new_token(feed: CalendarFeed) -> str:
    token = secrets.token_urlsafe(TOKEN_BYTES)
    feed.token_hash, feed.token_hint = hash_token(token), token[:6]
    return token


async def create_feed(session: AsyncSession, principal: Principal, tree: UnitTree, data: CalendarFeedCreate, *,
                      now: datetime) -> tuple[CalendarFeed, str]:
    assert principal.user_id is not None
    if principal.unit_id is None:
        raise NotAllowed("Tài khoản chưa gắn với đơn vị nào.")
    if data.scope == FeedScope.USER:
        feed = CalendarFeed(scope=FeedScope.USER.value, unit_id=principal.unit_id, user_id=principal.user_id,
                            name=data.name, created_by=principal.user_id, created_at=now, token_hash="", token_hint="")
    else:
        unit_id = data.unit_id or principal.unit_id
        await ensure_in_scope(principal, unit_id, tree)
        feed = CalendarFeed(scope=FeedScope.UNIT.value, unit_id=unit_id, name=data.name, created_by=principal.user_id,
                            created_at=now, token_hash="", token_hint="")
    token = _new_token(feed)
    session.add(feed)
    await session.flush()
    return feed, token


async def list_feeds(session: AsyncSession, principal: Principal) -> list[CalendarFeed]:
    assert principal.user_id is not None
    sees_unit_feeds = principal.has_any(*MANAGERS)
    return await repository.visible(session, user_id=principal.user_id,
                                    unit_id=principal.unit_id if sees_unit_feeds else None)


async def _managed(session: AsyncSession, principal: Principal, tree: UnitTree, feed_id: uuid.UUID) -> CalendarFeed:
    """The caller's own feeds, and unit feeds of units a principal or authority admin is responsible for."""
    feed = await repository.get(session, feed_id)
    if feed is None or feed.revoked_at is not None:
        raise CalendarFeedNotFound()
    if principal.user_id in (feed.created_by, feed.user_id) or principal.is_system_admin:
        return feed
    if (feed.scope == FeedScope.UNIT.value and principal.has_any(*MANAGERS)
            and await is_in_scope(principal, feed.unit_id, tree)):
        return feed
    raise CalendarFeedNotFound()


async def regenerate(session: AsyncSession, principal: Principal, tree: UnitTree,
                     feed_id: uuid.UUID) -> tuple[CalendarFeed, str]:
    """A new secret for the same feed: the old URL stops working at once."""
    feed = await _managed(session, principal, tree, feed_id)
    token = _new_token(feed)
    await session.flush()
    return feed, token


async def revoke(session: AsyncSession, principal: Principal, tree: UnitTree, feed_id: uuid.UUID, *,
                 now: datetime) -> None:
    feed = await _managed(session, principal, tree, feed_id)
    feed.revoked_at = now
    await session.flush()


async def render(session: AsyncSession, token: str, *, identity: IdentityClient, directory: Directory, base_url: str,
                 domain: str, now: datetime) -> str:
    """The ICS text of the feed the token opens (events link to the SPA at `base_url`); 404 for an unknown or
    revoked token, or a deactivated user."""
    links = Links(base_url)
    feed = await repository.by_token_hash(session, hash_token(token))
    if feed is None:
        raise CalendarFeedNotFound()
    unit_id = feed.unit_id
    if feed.scope == FeedScope.USER.value:
        assert feed.user_id is not None
        user = await identity.user(feed.user_id)
        if user is None or not user.active:
            raise CalendarFeedNotFound()
        unit_id = user.unit_id
    if feed.last_used_at is None or now - feed.last_used_at > timedelta(minutes=10):
        feed.last_used_at = now  # coarse, so a phone polling does not write on every fetch
    unit = (await directory.units([unit_id], now=now)).get(unit_id)
    unit_name = unit.name if unit else "đơn vị"
    events = []
    for campaign, target in await campaigns_repository.unit_deadlines(session, unit_id):
        returned = target.state == TargetState.RETURNED.value
        done = target.state in (TargetState.SUBMITTED.value, TargetState.APPROVED.value)
        label = "Hạn nộp lại" if returned else "Hạn nộp"
        url = links.absolute(links.submission(target.submission_id) if target.submission_id
                             else links.campaign(campaign.id))
        events.append(CalendarEvent(
            uid=f"{campaign.id}-{unit_id}@{domain}",
            summary=f"{'[Đã nộp] ' if done else ''}{label}: {campaign.title}",
            description=f"{label}: {format_vn(target.due_at)}\nĐơn vị: {unit_name}\n{url}",
            start=target.due_at - timedelta(hours=1), end=target.due_at, sequence=target.revision, url=url,
            alarms_minutes_before=() if done else (24 * 60, 120)))
    for campaign in await campaigns_repository.issued_by(session, unit_id):
        url = links.absolute(links.campaign(campaign.id))
        events.append(CalendarEvent(
            uid=f"{campaign.id}-issued@{domain}", summary=f"Hạn nộp (đơn vị ban hành): {campaign.title}",
            description=f"Hạn nộp của các đơn vị: {format_vn(campaign.due_at)}\n{url}",
            start=campaign.due_at - timedelta(hours=1), end=campaign.due_at, sequence=campaign.revision, url=url,
            alarms_minutes_before=()))
    return calendar(f"EduDX – Hạn nộp báo cáo – {unit_name}", events, now=now)
