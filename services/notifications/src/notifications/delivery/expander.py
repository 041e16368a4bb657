"""From planned notifications to e-mails and feed items.

A batch is claimed (with a lease), everything its composition reads is loaded — local facts, then the people
from the directory (which may ask identity: no transaction is open meanwhile) — and each notification's
e-mails and feed items are written in one transaction together with its new status, on condition that this
worker still holds it. So a notification is expanded exactly once, even with several replicas and crashes.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from edudx_common.errors import ProblemError
from notifications.campaigns import repository as campaigns_repository
from notifications.campaigns.sync import reconcile
from notifications.clients.submissions import SubmissionsClient
from notifications.delivery import repository
from notifications.delivery.compose import Delivery, Links, World, compose
from notifications.delivery.models import NO_RECIPIENTS, EmailStatus, Notification, NotificationStatus, OutgoingEmail
from notifications.delivery.payloads import DigestData, data_of, issuer_of
from notifications.delivery.templates import render_html, render_text
from notifications.directory.service import Directory
from notifications.feed.models import FeedItem
from notifications.kinds import NotificationKind
from notifications.preferences import repository as preferences_repository
from notifications.preferences.categories import MUTE_COLUMN, Category
from notifications.sql import insert_ignoring_existing
from notifications.timing import QuietHours

log = structlog.get_logger("notifications.expander")

# Kinds a commune official with a Sở's `reminders` grant receives for the commune's schools.
COMMUNE_KINDS = frozenset({NotificationKind.DEADLINE_REMINDER, NotificationKind.MANUAL_REMINDER,
                           NotificationKind.OVERDUE_ESCALATION})
# Kinds whose recipients are the units that have not submitted yet.
OUTSTANDING_KINDS = {NotificationKind.DEADLINE_REMINDER, NotificationKind.OVERDUE_ESCALATION}
UNIT_KINDS = {NotificationKind.DEADLINE_REMINDER, NotificationKind.CAMPAIGN_PUBLISHED,
              NotificationKind.DEADLINE_CHANGED, NotificationKind.EXTENSION_CHANGED,
              NotificationKind.SUBMISSION_RETURNED, NotificationKind.SUBMISSION_APPROVED,
              NotificationKind.RESULTS_PUBLISHED, NotificationKind.MANUAL_REMINDER}


class Expander:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], directory: Directory,
                 submissions: SubmissionsClient, *, links: Links,
                 quiet_hours: QuietHours, mail_domain: str, owner: str, batch_size: int = 200,
                 lease_seconds: float = 120.0, give_up_after_hours: float = 72.0, read_owners: bool = True) -> None:
        """`read_owners=False` trusts the local copies (contacts, who has submitted) as they are: only for measuring
        the expansion alone (bench/notifications_planning.py); decisions are made on fresh reads otherwise."""
        self._sessions = sessions
        self._directory = directory
        self._submissions = submissions
        self._links = links
        self._quiet = quiet_hours
        self._domain = mail_domain
        self._owner = owner
        self._batch = batch_size
        self._lease = timedelta(seconds=lease_seconds)
        self._give_up = timedelta(hours=give_up_after_hours)
        self._read_owners = read_owners

    async def expand_due(self, now: datetime) -> int:
        """One batch. Returns how many notifications were claimed (expanded or skipped)."""
        async with self._sessions() as session, session.begin():
            claimed = await repository.claim_notifications(session, owner=self._owner, now=now, lease=self._lease,
                                                           limit=self._batch)
        if not claimed:
            return 0
        try:
            world = await self._load(claimed, now)
        except ProblemError as exc:  # identity or our database unavailable: try again in a minute
            async with self._sessions() as session, session.begin():
                await repository.release_notifications(session, [n.id for n in claimed], owner=self._owner,
                                                       error=str(exc.detail or exc),
                                                       retry_at=now + timedelta(minutes=1))
            log.warning("expansion_postponed", error=str(exc.detail or exc), count=len(claimed))
            return 0
        composed = [(notification, compose(notification, world)) for notification in claimed]
        async with self._sessions() as session, session.begin():
            held = await repository.finish_notifications(session, [
                (n.id, NotificationStatus.SKIPPED if c.skipped else NotificationStatus.EXPANDED, c.skipped)
                for n, c in composed], owner=self._owner, now=now)
            emails, feed = [], []
            for notification, composition in composed:
                if notification.id not in held:
                    log.warning("notification_taken_over", notification_id=str(notification.id))
                    continue
                for delivery in composition.deliveries:
                    if email := self._email_row(notification, delivery, now):
                        emails.append(email)
                    feed += [_feed_row(notification, delivery, user_id, now)
                             for user_id in dict.fromkeys(delivery.feed_users)]
            await insert_ignoring_existing(session, OutgoingEmail, emails, key=["message_id"])
            await insert_ignoring_existing(session, FeedItem, feed, key=["notification_id", "user_id"])
        return len(claimed)

    async def _bring_up_to_date(self, claimed: list[Notification], now: datetime) -> None:
        """Reminders and escalations go to the units that have not submitted: who has is read afresh from
        submissions (the owner) for each campaign not compared with it since its notifications were decided, so a
        school that submitted a moment ago is not reminded on the strength of an event still on its way."""
        decided: dict[uuid.UUID, datetime] = {}
        for n in claimed if self._read_owners else []:
            if n.campaign_id and NotificationKind(n.kind) in OUTSTANDING_KINDS:
                decided[n.campaign_id] = max(n.created_at, decided.get(n.campaign_id, n.created_at))
        if not decided:
            return
        async with self._sessions() as session:
            known = await campaigns_repository.campaigns(session, list(decided))
        for campaign_id, at in decided.items():
            synced = known[campaign_id].synced_at if campaign_id in known else None
            if synced is None or synced <= at:
                await reconcile(self._sessions, self._submissions, campaign_id, now=now)

    async def _load(self, claimed: list[Notification], now: datetime) -> World:
        await self._bring_up_to_date(claimed, now)
        campaign_ids = {n.campaign_id for n in claimed if n.campaign_id}
        kinds = {NotificationKind(n.kind) for n in claimed}
        async with self._sessions() as session:
            if NotificationKind.REVIEWER_DIGEST in kinds:
                campaign_ids |= {c.id for c in await campaigns_repository.open_campaigns(session)}
            campaigns = await campaigns_repository.campaigns(session, list(campaign_ids))
            targets = await campaigns_repository.targets_by_key(session, [
                (n.campaign_id, n.unit_id) for n in claimed
                if n.campaign_id and n.unit_id and NotificationKind(n.kind) in UNIT_KINDS])
            overdue, arrivals = {}, {}
            for notification in claimed:
                if notification.kind == NotificationKind.OVERDUE_ESCALATION and notification.campaign_id:
                    overdue[notification.campaign_id] = await campaigns_repository.overdue_targets(
                        session, notification.campaign_id, now)
                elif notification.kind == NotificationKind.REVIEWER_DIGEST:
                    window = data_of(notification, DigestData)
                    since, until = window.since, window.until
                    for campaign_id in campaigns:
                        overdue[campaign_id] = await campaigns_repository.overdue_targets(session, campaign_id, now)
                        arrivals[campaign_id] = await campaigns_repository.submitted_between(
                            session, campaign_id, since, until)
        unit_ids = {n.unit_id for n in claimed if n.unit_id}
        unit_ids |= {issuer for n in claimed if (issuer := issuer_of(n)) is not None}
        unit_ids |= {t.unit_id for listed in overdue.values() for t in listed}
        if NotificationKind.REVIEWER_DIGEST in kinds:
            unit_ids |= {c.issuer_unit_id for c in campaigns.values()}
        # Who receives is decided on contacts read after the notification was decided, never on an older copy.
        decided = max(n.created_at for n in claimed) if self._read_owners else None
        units = await self._directory.units(unit_ids, now=now, fresh_after=decided)
        parents = {u.parent_id for u in units.values() if u.parent_id} - units.keys()
        if parents and NotificationKind.OVERDUE_ESCALATION in kinds:
            units.update(await self._directory.units(parents, now=now, fresh_after=decided))
        # The schools' communes: officials a Sở granted `reminders` get their reminders and escalations too.
        communes = {u.commune_id for u in units.values() if u.commune_id} - units.keys()
        if communes and kinds & COMMUNE_KINDS:
            units.update(await self._directory.units(communes, now=now, fresh_after=decided))
        people = {p.user_id for u in units.values() for p in u.people}
        async with self._sessions() as session:
            preferences = await preferences_repository.get_many(session, people)

        def muted(user_id: uuid.UUID, category: Category) -> bool:
            column = MUTE_COLUMN.get(category)
            preference = preferences.get(user_id)
            return column is not None and preference is not None and bool(getattr(preference, column))

        return World(now=now, links=self._links, campaigns=campaigns, targets=targets, units=units, muted=muted,
                     overdue=overdue, arrivals=arrivals)

    def _email_row(self, notification: Notification, delivery: Delivery, now: datetime) -> dict[str, object] | None:
        nobody = not delivery.has_recipients
        if nobody and (delivery.feed_users or delivery.category == Category.REVIEWER_DIGEST):
            return None  # everyone there muted this optional kind (or no reviewers to digest for)
        content = delivery.content
        return {
            "id": uuid.uuid4(), "notification_id": notification.id,
            "message_id": f"<{notification.id.hex}.{delivery.unit_id.hex}@{self._domain}>",
            "kind": notification.kind, "category": delivery.category.value, "campaign_id": notification.campaign_id,
            "unit_id": delivery.unit_id,
            "unit_path": delivery.unit.path if delivery.unit else f"/{delivery.unit_id.hex}/",
            "unit_name": delivery.unit.name if delivery.unit else None,
            "to_addresses": delivery.to, "cc_addresses": delivery.cc, "subject": content.subject[:500],
            "body_text": render_text(content), "body_html": render_html(content),
            "status": (EmailStatus.FAILED if nobody else EmailStatus.PENDING).value, "attempts": 0,
            "next_attempt_at": self._quiet.next_allowed(now), "lease_owner": None, "lease_until": None,
            "last_error": NO_RECIPIENTS if nobody else None, "created_at": now, "give_up_at": now + self._give_up,
            "sent_at": None, "sent_by": None,
            "failed_at": now if nobody else None,
        }


def _feed_row(notification: Notification, delivery: Delivery, user_id: uuid.UUID, now: datetime) -> dict[str, object]:
    content = delivery.content
    return {"id": uuid.uuid4(), "user_id": user_id, "notification_id": notification.id, "kind": notification.kind,
            "category": delivery.category.value, "title": content.feed_title[:300], "body": content.feed_body[:2000],
            "link": delivery.link, "campaign_id": notification.campaign_id, "unit_id": delivery.unit_id,
            "created_at": now, "read_at": None}

