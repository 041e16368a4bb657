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
    campaign_id: uuid.UUID | None = None
    commune_id: uuid.UUID | None = None  # the school's UBND xã/phường (a Sở may grant its officials review)
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

    async def campaign_issuer(self, campaign_id: uuid.UUID) -> uuid.UUID:
        """The unit that issued the campaign (a commune grant counts on the issuer's line)."""
        response = await self._client.get(f"/api/submissions/campaigns/{campaign_id}")
        if response.status_code == 404:
            raise SubmissionNotFound("Không tìm thấy đợt báo cáo trong phạm vi quản lý của bạn.")
        if response.status_code != 200:
            raise BadGateway(f"Dịch vụ submissions trả lời HTTP {response.status_code}.")
        return uuid.UUID(str(response.json()["issuer_unit_id"]))
