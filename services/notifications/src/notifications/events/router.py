from __future__ import annotations

from fastapi import APIRouter, status
from sqlalchemy.ext.asyncio import AsyncSession

from edudx_common.auth import CurrentPrincipal
from edudx_common.db import SessionDep
from edudx_common.errors import PROBLEM_RESPONSES
from edudx_common.tables.event_batches import EventBatch, EventBatchResults, receive_batch
from edudx_common.tables.inbox import EventEnvelope, ensure_producer_may_send
from notifications.deps import NowDep, SubmissionsDep, UnitTreeDep
from notifications.events import service

router = APIRouter(tags=["events"], responses=PROBLEM_RESPONSES)

# Who may send which events here; anything else, and any user token, is 403. A producer sends every event it
# publishes to each of its receivers: the types not read here (scores.*) are accepted and left alone.
PRODUCERS = {"submissions": ("campaign.*", "submission.*"), "scoring": ("results.*", "scores.*"),
             "evidence": ("evidence.*",), "identity": ("user.*", "unit.*")}


@router.post("/events", status_code=status.HTTP_204_NO_CONTENT)
async def receive_event(envelope: EventEnvelope, session: SessionDep, principal: CurrentPrincipal,
                        submissions: SubmissionsDep, tree: UnitTreeDep, now: NowDep) -> None:
    """Events from other services (service tokens only): `campaign.published`, `campaign.deadline_changed`,
    `campaign.target_added`, `campaign.target_withdrawn`, `campaign.extension_changed`, `campaign.closed`,
    `campaign.reopened`, `campaign.archived`, `submission.submitted`, `submission.returned`,
    `submission.approved` (submissions) and `results.published` (scoring). Each event id takes effect once;
    a redelivery and an unknown type are answered 204 too. 422 for a payload that cannot be read; 503 when the
    submissions service must be asked about an unknown campaign and cannot be reached (sent again later).
    403 for a user's token (a system admin's too) and for a type the producing service may not send."""
    ensure_producer_may_send(principal, envelope.type, PRODUCERS)
    await service.receive(session, envelope, service.EventContext(now=now, submissions=submissions), tree)


@router.post("/events/batch")
async def receive_event_batch(batch: EventBatch, session: SessionDep, principal: CurrentPrincipal,
                         submissions: SubmissionsDep, tree: UnitTreeDep, now: NowDep) -> EventBatchResults:
    """Several events (up to 100) from one service, handled in the order sent, each as `POST /events` handles it
    and in its own savepoint: 200 with one result per event (`done`, `duplicate`, `retry` after `retry_after`,
    `rejected`) and the status `POST /events` would have answered it."""
    context = service.EventContext(now=now, submissions=submissions)

    async def handle(session: AsyncSession, event: EventEnvelope) -> bool:
        ensure_producer_may_send(principal, event.type, PRODUCERS)
        return await service.receive(session, event, context, tree)

    return await receive_batch(session, batch, handle, caller=principal)
