from __future__ import annotations

import uuid

from pydantic import BaseModel, ConfigDict

from edudx_common.timezone import LocalDateTime
from submissions.workflow.models import SubmissionStatus


class SubmissionSyncRead(BaseModel):
    """A submission's state as a mirror keeps it (the content is at `GET /submissions/{id}`)."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    campaign_id: uuid.UUID
    unit_id: uuid.UUID
    status: SubmissionStatus
    version: int
    submit_count: int
    first_submitted_at: LocalDateTime | None
    last_submitted_at: LocalDateTime | None
    late_seconds: int | None
    resubmission_due_at: LocalDateTime | None
    approved_at: LocalDateTime | None
    created_at: LocalDateTime
    updated_at: LocalDateTime
