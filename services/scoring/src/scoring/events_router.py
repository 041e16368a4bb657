from __future__ import annotations

from fastapi import APIRouter, Response, status
from sqlalchemy.ext.asyncio import AsyncSession

from edudx_common.auth import CurrentPrincipal, Principal
from edudx_common.db import SessionDep
from edudx_common.errors import PROBLEM_RESPONSES
from edudx_common.scope import RemoteUnitTree, UnitTree
from edudx_common.tables.event_batches import EventBatch, EventBatchResults, receive_batch
from edudx_common.tables.inbox import EventEnvelope, accept_once, ensure_producer_may_send
from scoring import events
from scoring.clients.identity import IdentityClient
from scoring.clients.submissions import SubmissionsClient
from scoring.deps import IdentityDep, SubmissionsDep, UnitTreeDep

router = APIRouter(tags=["events"], responses=PROBLEM_RESPONSES)

# Who may send which events here; anything else, and any user token, is 403.
PRODUCERS = {"submissions": ("campaign.*", "submission.*"), "evidence": ("evidence.*",),
             "identity": ("unit.changed", "user.changed")}


@router.post("/events", status_code=status.HTTP_204_NO_CONTENT, response_class=Response)
async def receive_event(event: EventEnvelope, session: SessionDep, principal: CurrentPrincipal,
                        submissions: SubmissionsDep, tree: UnitTreeDep, identity: IdentityDep) -> Response:
    """Another service's event (service tokens only, and only the types the producing service may send here:
    otherwise 403). Redeliveries of an accepted event id are answered 204 and change nothing."""
    await _receive(session, event, principal, submissions, tree, identity)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/events/batch")
async def receive_event_batch(batch: EventBatch, session: SessionDep, principal: CurrentPrincipal,
                         submissions: SubmissionsDep, tree: UnitTreeDep,
                         identity: IdentityDep) -> EventBatchResults:
    """Several events (up to 100) from one service, handled in the order sent, each as `POST /events` handles it
    and in its own savepoint: 200 with one result per event (`done`, `duplicate`, `retry` after `retry_after`,
    `rejected`) and the status `POST /events` would have answered it."""

    async def handle(session: AsyncSession, event: EventEnvelope) -> bool:
        return await _receive(session, event, principal, submissions, tree, identity)

    return await receive_batch(session, batch, handle, caller=principal)


async def _receive(session: AsyncSession, event: EventEnvelope, principal: Principal, submissions: SubmissionsClient,
                   tree: UnitTree, identity: IdentityClient) -> bool:
    ensure_producer_may_send(principal, event.type, PRODUCERS)
    if event.type == "unit.changed":
        # The scope checks ask identity again rather than trust ancestors kept from before a move, and the results
        # name units afresh.
        if isinstance(tree, RemoteUnitTree):
            tree.forget()
        identity.forget()
    if not await accept_once(session, event_id=event.id, event_type=event.type):
        return False
    await events.handle(session, event, submissions=submissions)
    return True
