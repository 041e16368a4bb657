"""The one door for other services' events (service tokens only): identity's `unit.changed` (units/) and scoring's
`scores.changed` (review/scores.py), each taking effect once through the inbox."""

from __future__ import annotations

from fastapi import APIRouter, Response, status
from sqlalchemy.ext.asyncio import AsyncSession

from edudx_common.auth import CurrentPrincipal, Principal
from edudx_common.db import SessionDep
from edudx_common.errors import PROBLEM_RESPONSES
from edudx_common.tables.event_batches import EventBatch, EventBatchResults, receive_batch
from edudx_common.tables.inbox import EventEnvelope, accept_once, ensure_producer_may_send
from submissions.clients.identity import IdentityClient
from submissions.deps import IdentityDep
from submissions.review import scores
from submissions.units import service as units

router = APIRouter(tags=["events"], responses=PROBLEM_RESPONSES)

# Who may send which events here; anything else, and any user token, is 403. Each producer sends every event it
# publishes to every receiver: the types read here are handled, the others accepted and left alone.
PRODUCERS = {"identity": ("unit.changed", "user.changed"), "scoring": ("scores.*", "results.*")}


@router.post("/events", status_code=status.HTTP_204_NO_CONTENT, response_class=Response)
async def receive_event(envelope: EventEnvelope, session: SessionDep, principal: CurrentPrincipal,
                        identity: IdentityDep) -> Response:
    """Identity's `unit.changed`: a moved school's targets in open campaigns follow it (its former managers keep
    reading what they reviewed); a moved or merged authority's campaigns and targets, open or closed, follow it; the
    unit's open targets take its commune, clusters and levels again. Scoring's `scores.changed`: the board's copy of
    a school's self, review and final totals. Each event id takes effect once; a redelivery and an unknown type are
    answered 204 too. 403 for a user's token and for a type the producing service may not send; 422 for a payload
    that cannot be read."""
    await _receive(session, envelope, principal, identity)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/events/batch")
async def receive_event_batch(batch: EventBatch, session: SessionDep, principal: CurrentPrincipal,
                         identity: IdentityDep) -> EventBatchResults:
    """Several events (up to 100) from one service, handled in the order sent, each as `POST /events` handles it
    and in its own savepoint: 200 with one result per event (`done`, `duplicate`, `retry` after `retry_after`,
    `rejected`) and the status `POST /events` would have answered it."""

    async def handle(session: AsyncSession, event: EventEnvelope) -> bool:
        return await _receive(session, event, principal, identity)

    return await receive_batch(session, batch, handle, caller=principal)


async def _receive(session: AsyncSession, envelope: EventEnvelope, principal: Principal,
                   identity: IdentityClient) -> bool:
    ensure_producer_may_send(principal, envelope.type, PRODUCERS)
    if not await accept_once(session, event_id=envelope.id, event_type=envelope.type):
        return False
    if envelope.type.startswith("scores."):
        await scores.handle(session, envelope)
    elif envelope.type == "unit.changed":
        await units.handle(session, envelope, identity=identity)
    return True
