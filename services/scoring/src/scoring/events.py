"""Events in and out.

In: the submissions service's `submission.submitted`, `submission.returned` and `submission.approved` keep each
sheet's copy of its submission's state current (an older event never overwrites a newer state), so results
for thousands of units need no call per unit and a returned submission's self-scores open again. The models
below are this service's own view of those events (only the fields read here); tests/contract/test_events.py
checks them against the producer's exported schemas. Publishing results does not trust this copy alone: it
reads the states afresh from submissions first (results/freshness.py).
Out: `results.published` (results/events.py), written to the outbox in the publishing transaction, and
`scores.changed` (sheets/events.py) in the transaction that changes a sheet's scores.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar

import structlog
from pydantic import Field, ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from edudx_common.tables.inbox import EventEnvelope
from edudx_common.tables.outbox import ConsumedEvent, Event, EventSink
from scoring.clients.submissions import SubmissionsClient
from scoring.errors import CampaignNotFound, InvalidEvent
from scoring.results.events import PUBLISHED as RESULTS_EVENTS
from scoring.sheets import repository as sheets
from scoring.sheets.events import PUBLISHED as SHEET_EVENTS
from scoring.sheets.models import ScoreSheet

__all__ = ["CONSUMED", "PUBLISHED", "EventSink", "handle"]

log = structlog.get_logger("scoring.events")

PUBLISHED: tuple[type[Event], ...] = (*RESULTS_EVENTS, *SHEET_EVENTS)


class SubmissionStep(ConsumedEvent):
    submission_id: uuid.UUID
    campaign_id: uuid.UUID
    unit_id: uuid.UUID
    unit_name: str
    unit_path: str
    # The target's grouping (absent from events written before it existed).
    commune_id: uuid.UUID | None = None
    commune_name: str | None = None
    cluster_codes: list[str] = Field(default_factory=list)
    cluster_names: list[str] = Field(default_factory=list)
    education_levels: list[str] = Field(default_factory=list)
    unit_type: str | None = None

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


class UnitChanged(ConsumedEvent):
    """Identity's `unit.changed`: `former_path` is set when a reorganisation moved the unit."""

    event_type: ClassVar[str] = "unit.changed"
    unit_id: uuid.UUID
    path: str
    former_path: str | None = None


# (producer, model) of every event read here.
CONSUMED: tuple[tuple[str, type[ConsumedEvent]], ...] = (
    *(("submissions", model) for model in (SubmissionSubmitted, SubmissionReturned, SubmissionApproved)),
    ("identity", UnitChanged))
_STEPS: dict[str, type[SubmissionStep]] = {model.event_type: model for _, model in CONSUMED
                                           if issubclass(model, SubmissionStep)}



async def handle(session: AsyncSession, event: EventEnvelope, *, submissions: SubmissionsClient) -> None:
    if event.type == UnitChanged.event_type:
        await _unit_changed(session, _read(UnitChanged, event), submissions)
        return
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
                           submission_status=state, submit_count=version or 0, status_at=event.occurred_at,
                           issuer_unit_id=campaign.issuer_unit_id)
        try:
            async with session.begin_nested():
                session.add(sheet)
        except IntegrityError:  # a score write created it meanwhile: update that one below
            found = await sheets.sheet_for_submission(session, step.submission_id, for_update=True)
            assert found is not None
            sheet = found
    if sheet.issuer_unit_id is None:  # stored before sheets carried it (s8b_0001): the listener derives the group
        await _stamp(sheet, submissions)
    if apply_state(sheet, state, event.occurred_at, version=version, unit_path=step.unit_path):
        copy_grouping(sheet, step)


async def _stamp(sheet: ScoreSheet, submissions: SubmissionsClient) -> None:
    try:
        sheet.issuer_unit_id = (await submissions.campaign(sheet.campaign_id)).issuer_unit_id
    except CampaignNotFound:  # results cut its group from the path meanwhile; the state still counts
        log.info("issuer_unknown", campaign_id=str(sheet.campaign_id))


def copy_grouping(sheet: ScoreSheet, step: SubmissionStep) -> None:
    """The target's grouping, as the newest submission event carries it."""
    sheet.commune_id, sheet.commune_name, sheet.unit_type = step.commune_id, step.commune_name, step.unit_type
    sheet.cluster_codes, sheet.cluster_names = list(step.cluster_codes), list(step.cluster_names)
    sheet.education_levels = list(step.education_levels)


def _read(model: type[UnitChanged], event: EventEnvelope) -> UnitChanged:
    try:
        return model.model_validate(event.payload)
    except ValidationError as exc:
        raise InvalidEvent(f"Sự kiện {event.type} thiếu hoặc sai dữ liệu: {exc}") from exc


async def _unit_changed(session: AsyncSession, event: UnitChanged, submissions: SubmissionsClient) -> None:
    """A moved school's sheets in open campaigns follow it (the old path is kept, as submissions keeps it for its
    former managers); a moved or merged authority's sheets all follow it, whatever the campaign's state. Results
    of closed campaigns keep the paths their units had."""
    former = event.former_path
    if not former or former == event.path:
        return
    if not await sheets.unit_has_sheets(session, event.unit_id):
        await sheets.move_paths(session, former, event.path)
        return
    moved = await sheets.sheets_under(session, former)
    states = {cid: (await submissions.campaign(cid)).status for cid in {s.campaign_id for s in moved}}
    for sheet in moved:
        if states[sheet.campaign_id] == "published":
            old = sheet.unit_path
            sheet.unit_path = event.path + old[len(former):]
            sheet.former_unit_paths = [*sheet.former_unit_paths, old]
    await session.flush()


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
