"""Events in and out.

In: the submissions service's `submission.submitted`, `submission.returned` and `submission.approved` keep each
sheet's copy of its submission's state current (an older event never overwrites a newer state), so results
for thousands of units need no call per unit and a returned submission's self-scores open again. The models
below are this service's own view of those events (only the fields read here); tests/contract/test_events.py
checks them against the producer's exported schemas. Publishing results does not trust this copy alone: it
reads the states afresh from submissions first (results/freshness.py).
Out: `results.published` (results/events.py), written to the outbox in the publishing transaction.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar

import structlog
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from edudx_common.inbox import EventEnvelope
from edudx_common.outbox import ConsumedEvent, Event, EventSink
from scoring.clients.submissions import SubmissionsClient
from scoring.errors import InvalidEvent
from scoring.results.events import PUBLISHED as RESULTS_EVENTS
from scoring.sheets import repository as sheets
from scoring.sheets.models import ScoreSheet

__all__ = ["CONSUMED", "PUBLISHED", "EventSink", "handle"]

log = structlog.get_logger("scoring.events")

PUBLISHED: tuple[type[Event], ...] = RESULTS_EVENTS


class SubmissionStep(ConsumedEvent):
    submission_id: uuid.UUID
    campaign_id: uuid.UUID
    unit_id: uuid.UUID
    unit_name: str
    unit_path: str

    state: ClassVar[str]


class SubmissionSubmitted(SubmissionStep):
    event_type: ClassVar[str] = "submission.submitted"
    state: ClassVar[str] = "submitted"
    version: int | None
    resubmission: bool


class SubmissionReturned(SubmissionStep):
    event_type: ClassVar[str] = "submission.returned"
    state: ClassVar[str] = "returned"


class SubmissionApproved(SubmissionStep):
    event_type: ClassVar[str] = "submission.approved"
    state: ClassVar[str] = "approved"


# (producer, model) of every event read here.
CONSUMED: tuple[tuple[str, type[ConsumedEvent]], ...] = tuple(
    ("submissions", model) for model in (SubmissionSubmitted, SubmissionReturned, SubmissionApproved))
_STEPS: dict[str, type[SubmissionStep]] = {model.event_type: model for _, model in CONSUMED
                                           if issubclass(model, SubmissionStep)}



async def handle(session: AsyncSession, event: EventEnvelope, *, submissions: SubmissionsClient) -> None:
    model = _STEPS.get(event.type)
    if model is None:
        return  # campaign events and others: nothing to do here
    try:
        step = model.model_validate(event.payload)
    except ValidationError as exc:  # a payload we cannot read will not improve: operators look
        raise InvalidEvent(f"Sự kiện {event.type} thiếu hoặc sai dữ liệu: {exc}") from exc
    submitted = step if isinstance(step, SubmissionSubmitted) else None
    version = submitted.version if submitted else None
    state = "resubmitted" if submitted and submitted.resubmission else step.state
    sheet = await sheets.sheet_for_submission(session, step.submission_id, for_update=True)
    if sheet is None:
        campaign = await submissions.campaign(step.campaign_id)
        if campaign.rubric_id is None:
            return
        sheet = ScoreSheet(submission_id=step.submission_id, campaign_id=campaign.id, unit_id=step.unit_id,
                           unit_name=step.unit_name, unit_path=step.unit_path, rubric_id=campaign.rubric_id,
                           submission_status=state, submit_count=version or 0, status_at=event.occurred_at)
        try:
            async with session.begin_nested():
                session.add(sheet)
        except IntegrityError:  # a score write created it meanwhile: update that one below
            found = await sheets.sheet_for_submission(session, step.submission_id, for_update=True)
            assert found is not None
            sheet = found
    apply_state(sheet, state, event.occurred_at, version=version, unit_path=step.unit_path)


def apply_state(sheet: ScoreSheet, state: str, at: datetime, *, version: int | None, unit_path: str | None) -> bool:
    """Record a submission state on its sheet unless the sheet already holds a later one. True when applied.

    The submission count only grows, so an older event still raises it: an approval that arrived before the
    submission it approves must not leave the sheet looking never submitted."""
    if version:
        sheet.submit_count = max(sheet.submit_count, version)
    if at < sheet.status_at:
        log.info("stale_event_ignored", submission_id=str(sheet.submission_id), state=state)
        return False
    sheet.submission_status, sheet.status_at = state, at
    if unit_path and not sheet.unit_path.strip("/"):
        sheet.unit_path = unit_path
    return True
