"""Events in and out.

In: the submissions service's `submission.submitted`, `submission.returned` and `submission.approved` keep each
sheet's copy of its submission's state current (an older event never overwrites a newer state), so results
for thousands of units need no call per unit and a returned submission's self-scores open again.
Out: `results.published`, written to the outbox in the publishing transaction (to notifications).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from edudx_common.inbox import EventEnvelope
from edudx_common.outbox import EventSink
from scoring.clients.submissions import SubmissionsClient
from scoring.sheets import repository as sheets
from scoring.sheets.models import ScoreSheet

__all__ = ["EventSink", "handle"]

log = structlog.get_logger("scoring.events")

SUBMISSION_STATES = {"submission.submitted": "submitted", "submission.returned": "returned",
                     "submission.approved": "approved"}



async def handle(session: AsyncSession, event: EventEnvelope, *, submissions: SubmissionsClient) -> None:
    state = SUBMISSION_STATES.get(event.type)
    if state is None:
        return  # campaign events and others: nothing to do here
    payload = event.payload
    if state == "submitted" and payload.get("resubmission"):
        state = "resubmitted"
    submission_id = uuid.UUID(payload["submission_id"])
    sheet = await sheets.sheet_for_submission(session, submission_id, for_update=True)
    if sheet is None:
        campaign = await submissions.campaign(uuid.UUID(payload["campaign_id"]))
        if campaign.rubric_id is None:
            return
        sheet = ScoreSheet(submission_id=submission_id, campaign_id=campaign.id, unit_id=uuid.UUID(payload["unit_id"]),
                           unit_name=payload.get("unit_name") or "", unit_path=payload.get("unit_path") or "",
                           rubric_id=campaign.rubric_id, submission_status=state,
                           submit_count=int(payload.get("version") or 0), status_at=event.occurred_at)
        try:
            async with session.begin_nested():
                session.add(sheet)
        except IntegrityError:  # a score write created it meanwhile: update that one below
            found = await sheets.sheet_for_submission(session, submission_id, for_update=True)
            assert found is not None
            sheet = found
    _apply(sheet, state, event.occurred_at, payload)


def _apply(sheet: ScoreSheet, state: str, at: datetime, payload: dict[str, Any]) -> None:
    if at < sheet.status_at:
        log.info("stale_event_ignored", submission_id=str(sheet.submission_id), state=state)
        return
    sheet.submission_status, sheet.status_at = state, at
    if payload.get("version"):
        sheet.submit_count = max(sheet.submit_count, int(payload["version"]))
    if payload.get("unit_path") and not sheet.unit_path.strip("/"):
        sheet.unit_path = payload["unit_path"]
