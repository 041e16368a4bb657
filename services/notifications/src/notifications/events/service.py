"""What each event means here: facts about campaigns and targets, and the notifications they call for.

Events come from submissions (campaign.*, submission.*) and scoring (results.published), at least once and in
any order. The router records each event id with `accept_once` in the same transaction as these effects. A
fact older than what we know is ignored (see campaigns.service); notifications are keyed so that none is
written twice. An event about a campaign we never heard of makes us read it from submissions first.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from edudx_common.inbox import EventEnvelope
from notifications.campaigns import repository as campaigns_repository
from notifications.campaigns import service as campaigns
from notifications.campaigns.models import CampaignState, TargetState, TrackedCampaign
from notifications.campaigns.service import CampaignFacts, SubmissionFacts
from notifications.campaigns.sync import ensure_campaign
from notifications.clients.submissions import SubmissionsClient
from notifications.delivery import repository as delivery
from notifications.delivery.models import NotificationKind
from notifications.errors import InvalidEvent


@dataclass(frozen=True)
class EventContext:
    now: datetime  # our clock, for scheduling
    submissions: SubmissionsClient


Handler = Callable[[AsyncSession, EventEnvelope, EventContext], Awaitable[None]]


async def handle(session: AsyncSession, envelope: EventEnvelope, context: EventContext) -> None:
    """Apply one event. Types this service does not use are accepted and ignored."""
    handler = HANDLERS.get(envelope.type)
    if handler is None:
        return
    try:
        await handler(session, envelope, context)
    except (KeyError, ValueError, ValidationError) as exc:  # a payload we cannot read will not improve
        raise InvalidEvent(f"Sự kiện {envelope.type} thiếu hoặc sai dữ liệu: {exc}") from exc


# --- helpers -------------------------------------------------------------------------------------------


def _uuid(payload: dict[str, Any], name: str) -> uuid.UUID:
    return uuid.UUID(str(payload[name]))


def _time(value: Any) -> datetime:
    parsed = datetime.fromisoformat(str(value))
    if parsed.tzinfo is None:
        raise ValueError(f"time without offset: {value}")
    return parsed


def _optional_time(value: Any) -> datetime | None:
    return _time(value) if value else None


def _campaign_facts(envelope: EventEnvelope, status: CampaignState | None = None) -> CampaignFacts:
    payload = envelope.payload
    return CampaignFacts(campaign_id=_uuid(payload, "campaign_id"), title=str(payload["title"]),
                         issuer_unit_id=_uuid(payload, "issuer_unit_id"), due_at=_time(payload["due_at"]),
                         fact_at=envelope.occurred_at, kind=payload.get("kind"), status=status)


async def _notify_units(session: AsyncSession, kind: NotificationKind, campaign_id: uuid.UUID | None,
                        unit_ids: list[uuid.UUID], key: Callable[[uuid.UUID], str], data: dict[str, Any],
                        now: datetime) -> None:
    await delivery.add_notifications(session, [
        delivery.notification_row(kind=kind.value, dedupe_key=key(unit_id), now=now, unit_id=unit_id,
                                  campaign_id=campaign_id, data=data)
        for unit_id in unit_ids])


async def _known_campaign(session: AsyncSession, envelope: EventEnvelope,
                          context: EventContext) -> TrackedCampaign:
    campaign_id = _uuid(envelope.payload, "campaign_id")
    if not await ensure_campaign(session, context.submissions, campaign_id, now=context.now):
        raise InvalidEvent(f"Dịch vụ submissions không biết đợt báo cáo {campaign_id}.")
    campaign = await campaigns_repository.get_campaign(session, campaign_id, lock=True)  # campaign, then targets
    assert campaign is not None
    return campaign


# --- campaign events -----------------------------------------------------------------------------------


async def _published(session: AsyncSession, envelope: EventEnvelope, context: EventContext) -> None:
    payload = envelope.payload
    campaign = await campaigns.apply_campaign(session, _campaign_facts(envelope, CampaignState.OPEN), now=context.now)
    unit_ids = [uuid.UUID(str(u)) for u in payload["target_unit_ids"]]
    await campaigns.add_targets(session, campaign, unit_ids, fact_at=envelope.occurred_at, now=context.now)
    data = {"campaign_id": str(campaign.id), "title": payload["title"], "issuer_unit_id": payload["issuer_unit_id"],
            "due_at": payload["due_at"]}
    await _notify_units(session, NotificationKind.CAMPAIGN_PUBLISHED, campaign.id, unit_ids,
                        lambda unit_id: f"published:{campaign.id}:{unit_id}", data, context.now)


async def _deadline_changed(session: AsyncSession, envelope: EventEnvelope, context: EventContext) -> None:
    before = await campaigns_repository.get_campaign(session, _uuid(envelope.payload, "campaign_id"))
    revision = before.revision if before else -1
    campaign = await campaigns.apply_campaign(session, _campaign_facts(envelope), now=context.now)
    if campaign.revision == revision or campaign.due_at != _time(envelope.payload["due_at"]):
        return  # an older deadline than the one we know: nobody is told about it
    units = await campaigns_repository.units_on_campaign_deadline(session, campaign.id)
    data = {"old_due_at": envelope.payload.get("old_due_at") or campaign.due_at.isoformat(),
            "due_at": envelope.payload["due_at"]}
    await _notify_units(session, NotificationKind.DEADLINE_CHANGED, campaign.id, units,
                        lambda unit_id: f"deadline:{campaign.id}:{unit_id}:{envelope.id}", data, context.now)


async def _target_added(session: AsyncSession, envelope: EventEnvelope, context: EventContext) -> None:
    payload = envelope.payload
    campaign = await campaigns.apply_campaign(session, _campaign_facts(envelope), now=context.now)
    unit_id = _uuid(payload, "unit_id")
    await campaigns.set_membership(session, campaign, unit_id, withdrawn=False, fact_at=envelope.occurred_at,
                                   now=context.now, unit_name=payload.get("unit_name"))
    await campaigns.set_extension(session, campaign, unit_id, extension_due_at=_optional_time(
        payload.get("extension_due_at")), fact_at=envelope.occurred_at, now=context.now)
    data = {"campaign_id": str(campaign.id), "title": payload["title"], "issuer_unit_id": payload["issuer_unit_id"],
            "due_at": payload.get("unit_due_at") or payload["due_at"]}
    await _notify_units(session, NotificationKind.CAMPAIGN_PUBLISHED, campaign.id, [unit_id],
                        lambda u: f"added:{campaign.id}:{u}:{envelope.id}", data, context.now)


async def _target_withdrawn(session: AsyncSession, envelope: EventEnvelope, context: EventContext) -> None:
    campaign = await campaigns.apply_campaign(session, _campaign_facts(envelope), now=context.now)
    await campaigns.set_membership(session, campaign, _uuid(envelope.payload, "unit_id"), withdrawn=True,
                                   fact_at=envelope.occurred_at, now=context.now,
                                   unit_name=envelope.payload.get("unit_name"))


async def _extension_changed(session: AsyncSession, envelope: EventEnvelope, context: EventContext) -> None:
    payload = envelope.payload
    campaign = await campaigns.apply_campaign(session, _campaign_facts(envelope), now=context.now)
    unit_id = _uuid(payload, "unit_id")
    if await campaigns.set_extension(session, campaign, unit_id,
                                     extension_due_at=_optional_time(payload.get("extension_due_at")),
                                     fact_at=envelope.occurred_at, now=context.now):
        data = {"extension_due_at": payload.get("extension_due_at"), "reason": payload.get("reason")}
        await _notify_units(session, NotificationKind.EXTENSION_CHANGED, campaign.id, [unit_id],
                            lambda u: f"extension:{campaign.id}:{u}:{envelope.id}", data, context.now)


def _status_change(status: CampaignState) -> Handler:
    async def handler(session: AsyncSession, envelope: EventEnvelope, context: EventContext) -> None:
        await campaigns.apply_campaign(session, _campaign_facts(envelope, status), now=context.now)

    return handler


# --- submission events ---------------------------------------------------------------------------------


def _submission_facts(envelope: EventEnvelope, state: TargetState) -> SubmissionFacts:
    payload = envelope.payload
    return SubmissionFacts(
        state=state, fact_at=envelope.occurred_at, submission_id=_uuid(payload, "submission_id"),
        unit_name=payload.get("unit_name"), resubmission_due_at=_optional_time(payload.get("resubmission_due_at")),
        submitted_at=envelope.occurred_at if state == TargetState.SUBMITTED else None)


def _submission_event(state: TargetState, kind: NotificationKind | None) -> Handler:
    async def handler(session: AsyncSession, envelope: EventEnvelope, context: EventContext) -> None:
        campaign = await _known_campaign(session, envelope, context)
        unit_id = _uuid(envelope.payload, "unit_id")
        applied = await campaigns.set_state(session, campaign, unit_id, _submission_facts(envelope, state),
                                            now=context.now)
        if kind is not None and applied:  # an older step than the one we know is not announced
            await _notify_units(session, kind, campaign.id, [unit_id],
                                lambda u: f"{kind.value}:{u}:{envelope.id}", dict(envelope.payload), context.now)

    return handler


# --- scoring -------------------------------------------------------------------------------------------


async def _results_published(session: AsyncSession, envelope: EventEnvelope, context: EventContext) -> None:
    payload = envelope.payload
    campaign_id = _uuid(payload, "campaign_id")
    unit_ids = [uuid.UUID(str(u)) for u in payload["unit_ids"]]
    data = {"campaign_id": str(campaign_id), "campaign_title": str(payload["campaign_title"]),
            "issuer_unit_id": payload.get("issuer_unit_id"), "published_at": payload.get("published_at")}
    await _notify_units(session, NotificationKind.RESULTS_PUBLISHED, campaign_id, unit_ids,
                        lambda u: f"results:{campaign_id}:{u}:{envelope.id}", data, context.now)


HANDLERS: dict[str, Handler] = {
    "campaign.published": _published,
    "campaign.deadline_changed": _deadline_changed,
    "campaign.target_added": _target_added,
    "campaign.target_withdrawn": _target_withdrawn,
    "campaign.extension_changed": _extension_changed,
    "campaign.closed": _status_change(CampaignState.CLOSED),
    "campaign.reopened": _status_change(CampaignState.OPEN),
    "campaign.archived": _status_change(CampaignState.ARCHIVED),
    "submission.submitted": _submission_event(TargetState.SUBMITTED, None),
    "submission.returned": _submission_event(TargetState.RETURNED, NotificationKind.SUBMISSION_RETURNED),
    "submission.approved": _submission_event(TargetState.APPROVED, NotificationKind.SUBMISSION_APPROVED),
    "results.published": _results_published,
}
