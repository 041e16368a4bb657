"""What each event means here: facts about campaigns and targets, and the notifications they call for.

Events come from submissions (campaign.*, submission.*), scoring (results.published) and identity (user.changed,
unit.changed), at least once and in any order, each read through this service's own model of it
(`events.contracts`). The router records each event id with `accept_once` in the same transaction as these
effects. A fact older than what we know is ignored (see campaigns.service); notifications are keyed so that none
is written twice. An event about a campaign we never heard of makes us read it from submissions first.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from edudx_common.scope import UnitTree
from edudx_common.tables.inbox import EventEnvelope, accept_once
from edudx_common.tables.outbox import ConsumedEvent
from notifications.campaigns import repository as campaigns_repository
from notifications.campaigns import service as campaigns
from notifications.campaigns.models import CampaignState, TargetState, TrackedCampaign
from notifications.campaigns.service import CampaignFacts, SubmissionFacts
from notifications.campaigns.sync import ensure_campaign
from notifications.clients.submissions import SubmissionsClient
from notifications.delivery import repository as delivery
from notifications.delivery import service as delivery_service
from notifications.delivery.payloads import (
    CampaignPublishedData,
    DeadlineChangedData,
    ExtensionChangedData,
    ManualReminderData,
    NotificationData,
    ResultsPublishedData,
    SubmissionApprovedData,
    SubmissionReturnedData,
)
from notifications.directory import service as directory
from notifications.errors import InvalidEvent
from notifications.events.contracts import (
    CONSUMED,
    CampaignDeadlineChangedIn,
    CampaignEventIn,
    CampaignPublishedIn,
    ExtensionChangedIn,
    RemindersRequestedIn,
    ResultsPublishedIn,
    SubmissionApprovedIn,
    SubmissionEventIn,
    SubmissionReturnedIn,
    TargetEventIn,
    UnitChangedIn,
    UserChangedIn,
)
from notifications.kinds import NotificationKind
from notifications.webhooks import service as webhooks


@dataclass(frozen=True)
class EventContext:
    now: datetime  # our clock, for scheduling
    submissions: SubmissionsClient


Handler = Callable[[AsyncSession, EventEnvelope, Any, EventContext], Awaitable[None]]
MODELS: dict[str, type[ConsumedEvent]] = {model.event_type: model for _, model in CONSUMED}


async def receive(session: AsyncSession, envelope: EventEnvelope, context: EventContext, tree: UnitTree) -> bool:
    """An event delivered to us: applied once (a redelivery is left alone: False), then passed on, through the
    outbox, to the webhooks subscribed in the event's subtree (notifications.webhooks)."""
    if not await accept_once(session, event_id=envelope.id, event_type=envelope.type):
        return False
    await handle(session, envelope, context)
    await webhooks.enqueue_for_event(session, envelope, tree, now=context.now)
    return True


async def handle(session: AsyncSession, envelope: EventEnvelope, context: EventContext) -> None:
    """Apply one event. Types this service does not use are accepted and ignored."""
    handler, model = HANDLERS.get(envelope.type), MODELS.get(envelope.type)
    if handler is None or model is None:
        return
    try:
        event = model.model_validate(envelope.payload)
    except ValidationError as exc:  # a payload we cannot read will not improve
        raise InvalidEvent(f"Sự kiện {envelope.type} thiếu hoặc sai dữ liệu: {exc}") from exc
    await handler(session, envelope, event, context)


# --- helpers -------------------------------------------------------------------------------------------


def _campaign_facts(envelope: EventEnvelope, event: CampaignEventIn,
                    status: CampaignState | None = None) -> CampaignFacts:
    return CampaignFacts(campaign_id=event.campaign_id, title=event.title, issuer_unit_id=event.issuer_unit_id,
                         due_at=event.due_at, fact_at=envelope.occurred_at, kind=event.kind, status=status)


async def _notify_units(session: AsyncSession, kind: NotificationKind, campaign_id: uuid.UUID | None,
                        unit_ids: list[uuid.UUID], key: Callable[[uuid.UUID], str], data: NotificationData,
                        now: datetime) -> None:
    await delivery.add_notifications(session, [
        delivery.notification_row(kind=kind.value, dedupe_key=key(unit_id), now=now, unit_id=unit_id,
                                  campaign_id=campaign_id, data=data)
        for unit_id in unit_ids])


async def _known_campaign(session: AsyncSession, campaign_id: uuid.UUID, context: EventContext) -> TrackedCampaign:
    if not await ensure_campaign(session, context.submissions, campaign_id, now=context.now):
        raise InvalidEvent(f"Dịch vụ submissions không biết đợt báo cáo {campaign_id}.")
    campaign = await campaigns_repository.get_campaign(session, campaign_id, lock=True)  # campaign, then targets
    assert campaign is not None
    return campaign


# --- campaign events -----------------------------------------------------------------------------------


async def _published(session: AsyncSession, envelope: EventEnvelope, event: CampaignPublishedIn,
                     context: EventContext) -> None:
    campaign = await campaigns.apply_campaign(session, _campaign_facts(envelope, event, CampaignState.OPEN),
                                              now=context.now)
    await campaigns.add_targets(session, campaign, event.target_unit_ids, fact_at=envelope.occurred_at,
                                now=context.now)
    data = CampaignPublishedData(campaign_id=campaign.id, title=event.title, issuer_unit_id=event.issuer_unit_id,
                                 due_at=event.due_at)
    await _notify_units(session, NotificationKind.CAMPAIGN_PUBLISHED, campaign.id, event.target_unit_ids,
                        lambda unit_id: f"published:{campaign.id}:{unit_id}", data, context.now)


async def _deadline_changed(session: AsyncSession, envelope: EventEnvelope, event: CampaignDeadlineChangedIn,
                            context: EventContext) -> None:
    before = await campaigns_repository.get_campaign(session, event.campaign_id)
    revision = before.revision if before else -1
    campaign = await campaigns.apply_campaign(session, _campaign_facts(envelope, event), now=context.now)
    await campaigns.apply_deadline(session, campaign, due_at=event.due_at, fact_at=envelope.occurred_at,
                                   exceptions=event.unit_due_exceptions, now=context.now)
    if campaign.revision == revision or campaign.due_at != event.due_at:
        return  # an older deadline than the one we know: nobody is told about it
    units = await campaigns_repository.units_on_campaign_deadline(session, campaign.id)
    data = DeadlineChangedData(old_due_at=event.old_due_at, due_at=event.due_at)
    await _notify_units(session, NotificationKind.DEADLINE_CHANGED, campaign.id, units,
                        lambda unit_id: f"deadline:{campaign.id}:{unit_id}:{envelope.id}", data, context.now)


async def _target_added(session: AsyncSession, envelope: EventEnvelope, event: TargetEventIn,
                        context: EventContext) -> None:
    campaign = await campaigns.apply_campaign(session, _campaign_facts(envelope, event), now=context.now)
    await campaigns.set_membership(session, campaign, event.unit_id, withdrawn=False, fact_at=envelope.occurred_at,
                                   now=context.now, unit_name=event.unit_name, unit_due_at=event.unit_due_at)
    await campaigns.set_extension(session, campaign, event.unit_id, extension_due_at=event.extension_due_at,
                                  fact_at=envelope.occurred_at, now=context.now)
    data = CampaignPublishedData(campaign_id=campaign.id, title=event.title, issuer_unit_id=event.issuer_unit_id,
                                 due_at=event.unit_due_at)
    await _notify_units(session, NotificationKind.CAMPAIGN_PUBLISHED, campaign.id, [event.unit_id],
                        lambda u: f"added:{campaign.id}:{u}:{envelope.id}", data, context.now)


async def _target_withdrawn(session: AsyncSession, envelope: EventEnvelope, event: TargetEventIn,
                            context: EventContext) -> None:
    campaign = await campaigns.apply_campaign(session, _campaign_facts(envelope, event), now=context.now)
    await campaigns.set_membership(session, campaign, event.unit_id, withdrawn=True,
                                   fact_at=envelope.occurred_at, now=context.now, unit_name=event.unit_name,
                                   unit_due_at=event.unit_due_at)


async def _extension_changed(session: AsyncSession, envelope: EventEnvelope, event: ExtensionChangedIn,
                             context: EventContext) -> None:
    campaign = await campaigns.apply_campaign(session, _campaign_facts(envelope, event), now=context.now)
    if await campaigns.set_extension(session, campaign, event.unit_id, extension_due_at=event.extension_due_at,
                                     fact_at=envelope.occurred_at, now=context.now, unit_due_at=event.unit_due_at):
        data = ExtensionChangedData(extension_due_at=event.extension_due_at, reason=event.reason)
        await _notify_units(session, NotificationKind.EXTENSION_CHANGED, campaign.id, [event.unit_id],
                            lambda u: f"extension:{campaign.id}:{u}:{envelope.id}", data, context.now)


async def _reminders_requested(session: AsyncSession, envelope: EventEnvelope, event: RemindersRequestedIn,
                               context: EventContext) -> None:
    """A reviewer's "remind now": one notification per school, keyed by the request, so a school is reminded
    once by it however often the event arrives."""
    campaign = await _known_campaign(session, event.campaign_id, context)
    data = ManualReminderData(request_id=event.request_id, message=event.message,
                              requested_by_name=event.requested_by_name)
    await _notify_units(session, NotificationKind.MANUAL_REMINDER, campaign.id, list(dict.fromkeys(event.unit_ids)),
                        lambda u: f"manual_reminder:{event.request_id}:{u}", data, context.now)


def _status_change(status: CampaignState) -> Handler:
    async def handler(session: AsyncSession, envelope: EventEnvelope, event: CampaignEventIn,
                      context: EventContext) -> None:
        await campaigns.apply_campaign(session, _campaign_facts(envelope, event, status), now=context.now)

    return handler


# --- submission events ---------------------------------------------------------------------------------


def _submission_event(state: TargetState, kind: NotificationKind | None) -> Handler:
    async def handler(session: AsyncSession, envelope: EventEnvelope, event: SubmissionEventIn,
                      context: EventContext) -> None:
        campaign = await _known_campaign(session, event.campaign_id, context)
        returned = event if isinstance(event, SubmissionReturnedIn) else None
        facts = SubmissionFacts(
            state=state, fact_at=envelope.occurred_at, submission_id=event.submission_id, unit_name=event.unit_name,
            resubmission_due_at=returned.resubmission_due_at if returned else None,
            submitted_at=envelope.occurred_at if state == TargetState.SUBMITTED else None,
            unit_due_at=event.unit_due_at)
        applied = await campaigns.set_state(session, campaign, event.unit_id, facts, now=context.now)
        if kind is not None and applied:  # an older step than the one we know is not announced
            await _notify_units(session, kind, campaign.id, [event.unit_id],
                                lambda u: f"{kind.value}:{u}:{envelope.id}", _submission_data(event), context.now)

    return handler


def _submission_data(event: SubmissionEventIn) -> NotificationData:
    if isinstance(event, SubmissionReturnedIn):
        return SubmissionReturnedData(submission_id=event.submission_id, campaign_title=event.campaign_title,
                                      reasons=event.reasons, resubmission_due_at=event.resubmission_due_at)
    if isinstance(event, SubmissionApprovedIn):
        return SubmissionApprovedData(submission_id=event.submission_id, campaign_title=event.campaign_title,
                                      comment=event.comment)
    raise ValueError(f"no notification for {event.event_type}")


# --- scoring -------------------------------------------------------------------------------------------


async def _results_published(session: AsyncSession, envelope: EventEnvelope, event: ResultsPublishedIn,
                             context: EventContext) -> None:
    data = ResultsPublishedData(campaign_id=event.campaign_id, campaign_title=event.campaign_title,
                                issuer_unit_id=event.issuer_unit_id, published_at=event.published_at)
    await _notify_units(session, NotificationKind.RESULTS_PUBLISHED, event.campaign_id, event.unit_ids,
                        lambda u: f"results:{event.campaign_id}:{u}:{envelope.id}", data, context.now)


# --- identity ------------------------------------------------------------------------------------------


async def _user_changed(session: AsyncSession, envelope: EventEnvelope, event: UserChangedIn,
                        context: EventContext) -> None:
    await directory.contacts_changed(session, event.unit_ids, position=event.position, now=context.now)
    await delivery_service.recover_unreached(session, event.unit_ids, now=context.now)


async def _unit_changed(session: AsyncSession, envelope: EventEnvelope, event: UnitChangedIn,
                        context: EventContext) -> None:
    await directory.contacts_changed(session, [event.unit_id], position=event.position, now=context.now)
    await delivery_service.recover_unreached(session, [event.unit_id], now=context.now)


HANDLERS: dict[str, Handler] = {
    "campaign.published": _published,
    "campaign.deadline_changed": _deadline_changed,
    "campaign.target_added": _target_added,
    "campaign.target_withdrawn": _target_withdrawn,
    "campaign.extension_changed": _extension_changed,
    "campaign.reminders_requested": _reminders_requested,
    "campaign.closed": _status_change(CampaignState.CLOSED),
    "campaign.reopened": _status_change(CampaignState.OPEN),
    "campaign.archived": _status_change(CampaignState.ARCHIVED),
    "submission.submitted": _submission_event(TargetState.SUBMITTED, None),
    "submission.returned": _submission_event(TargetState.RETURNED, NotificationKind.SUBMISSION_RETURNED),
    "submission.approved": _submission_event(TargetState.APPROVED, NotificationKind.SUBMISSION_APPROVED),
    "results.published": _results_published,
    "user.changed": _user_changed,
    "unit.changed": _unit_changed,
}
