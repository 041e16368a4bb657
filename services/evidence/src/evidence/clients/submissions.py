"""What the evidence service asks the submissions service: a submission's unit and state (only those fields)."""

from __future__ import annotations

import uuid

from pydantic import BaseModel

from edudx_common.errors import BadGateway
from edudx_common.http import ServiceClient
from evidence.errors import SubmissionNotFound


class SubmissionInfo(BaseModel):
    id: uuid.UUID
    unit_id: uuid.UUID
    status: str
    submit_count: int
    # Not from the API: filled from the unit tree when the caller's scope is checked (for the audit trail).
    unit_path: str = ""

    @property
    def draft_number(self) -> int:
        """The draft new evidence belongs to: the one after the last submitted version."""
        return self.submit_count + 1


class SubmissionsClient:
    def __init__(self, client: ServiceClient) -> None:
        self._client = client

    async def submission(self, submission_id: uuid.UUID) -> SubmissionInfo:
        response = await self._client.get(f"/api/submissions/submissions/{submission_id}")
        if response.status_code == 404:
            raise SubmissionNotFound("Không tìm thấy báo cáo trong phạm vi quản lý của bạn.")
        if response.status_code != 200:
            raise BadGateway(f"Dịch vụ submissions trả lời HTTP {response.status_code}.")
        return SubmissionInfo.model_validate(response.json())
