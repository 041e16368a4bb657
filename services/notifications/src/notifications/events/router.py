from __future__ import annotations

from fastapi import APIRouter, status

from edudx_common.auth import require_roles
from edudx_common.db import SessionDep
from edudx_common.errors import PROBLEM_RESPONSES
from edudx_common.inbox import EventEnvelope, accept_once
from notifications.deps import NowDep, SubmissionsDep
from notifications.events import service

router = APIRouter(tags=["events"], responses=PROBLEM_RESPONSES)


@router.post("/events", status_code=status.HTTP_204_NO_CONTENT, dependencies=[require_roles(allow_service=True)])
async def receive_event(envelope: EventEnvelope, session: SessionDep, submissions: SubmissionsDep,
                        now: NowDep) -> None:
    """Events from other services (service tokens only): `campaign.published`, `campaign.deadline_changed`,
    `campaign.target_added`, `campaign.target_withdrawn`, `campaign.extension_changed`, `campaign.closed`,
    `campaign.reopened`, `campaign.archived`, `submission.submitted`, `submission.returned`,
    `submission.approved` (submissions) and `results.published` (scoring). Each event id takes effect once;
    a redelivery and an unknown type are answered 204 too. 422 for a payload that cannot be read; 503 when the
    submissions service must be asked about an unknown campaign and cannot be reached (sent again later)."""
    if await accept_once(session, event_id=envelope.id, event_type=envelope.type):
        await service.handle(session, envelope, service.EventContext(now=now, submissions=submissions))
