"""What notifications asks the submissions service, to reconcile what events told it (only the fields we read)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import datetime

from pydantic import AwareDatetime, BaseModel

from edudx_common.errors import BadGateway
from edudx_common.http import ServiceClient

PAGE = 500


class RemoteCampaign(BaseModel):
    id: uuid.UUID
    title: str
    issuer_unit_id: uuid.UUID
    kind: str
    due_at: AwareDatetime
    status: str  # draft | published | closed | archived
    updated_at: AwareDatetime


class RemoteTarget(BaseModel):
    """One line of the campaign's status view."""

    unit_id: uuid.UUID
    unit_name: str
    submission_id: uuid.UUID | None
    workflow_status: str | None  # None: the unit has not opened its draft
    due_at: AwareDatetime  # the deadline that applies to the unit now, as submissions computes it
    extension_due_at: AwareDatetime | None
    resubmission_due_at: AwareDatetime | None
    last_submitted_at: AwareDatetime | None


class TargetPage(BaseModel):
    as_of: datetime
    total: int
    items: list[RemoteTarget]


class SubmissionsClient:
    def __init__(self, client: ServiceClient) -> None:
        self._client = client

    async def campaign(self, campaign_id: uuid.UUID) -> RemoteCampaign | None:
        response = await self._client.get(f"/api/submissions/campaigns/{campaign_id}")
        if response.status_code == 404:
            return None
        _expect_ok(response.status_code)
        return RemoteCampaign.model_validate(response.json())

    async def targets(self, campaign_id: uuid.UUID) -> AsyncIterator[TargetPage]:
        """Every target that still has to submit or did, a page at a time (withdrawn ones are not listed)."""
        offset = 0
        while True:
            response = await self._client.get(f"/api/submissions/campaigns/{campaign_id}/status",
                                              params={"limit": PAGE, "offset": offset})
            _expect_ok(response.status_code)
            body = response.json()
            page = TargetPage(as_of=body["as_of"], total=body["targets"]["total"], items=body["targets"]["items"])
            yield page
            offset += len(page.items)
            if not page.items or offset >= page.total:
                return


def _expect_ok(status: int) -> None:
    if status != 200:
        raise BadGateway(f"Dịch vụ submissions trả lời HTTP {status}.")
