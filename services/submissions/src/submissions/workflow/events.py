"""The events the workflow feature publishes: one model per type, the contract consumers rely on.

Each carries the submission, its campaign and unit, the state it reached and the deadline that applies to the unit
after the step (`unit_due_at`, from `submissions.deadlines`): consumers store it rather than re-derive it.
"""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from pydantic import AwareDatetime, Field

from edudx_common.tables.outbox import Event


class SubmissionEvent(Event):
    submission_id: uuid.UUID
    campaign_id: uuid.UUID
    campaign_title: str
    unit_id: uuid.UUID
    unit_name: str
    unit_path: str
    status: str = Field(description="The submission's state after this step")
    unit_due_at: AwareDatetime = Field(description="The deadline that applies to the unit after this step")
    # What results group by, as the target holds it (frozen at publication, refreshed on reorganisations).
    commune_id: uuid.UUID | None = Field(default=None, description="The school's commune (UBND xã/phường)")
    commune_name: str | None = None
    cluster_codes: list[str] = Field(default_factory=list)
    cluster_names: list[str] = Field(default_factory=list)
    education_levels: list[str] = Field(default_factory=list)
    unit_type: str | None = None


class SubmissionSubmitted(SubmissionEvent):
    event_type: ClassVar[str] = "submission.submitted"
    version: int
    late_seconds: int
    resubmission: bool
    on_behalf: bool


class SubmissionReturned(SubmissionEvent):
    event_type: ClassVar[str] = "submission.returned"
    reasons: dict[str, Any]
    resubmission_due_at: AwareDatetime


class SubmissionApproved(SubmissionEvent):
    event_type: ClassVar[str] = "submission.approved"
    comment: str | None


PUBLISHED: tuple[type[Event], ...] = (SubmissionSubmitted, SubmissionReturned, SubmissionApproved)
