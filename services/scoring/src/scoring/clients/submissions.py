"""What scoring asks the submissions service: a submission's unit and state, a campaign's rubric and issuer."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import AwareDatetime, BaseModel

from edudx_common.errors import BadGateway
from edudx_common.http import ServiceClient
from scoring.errors import CampaignNotFound, SubmissionNotFound

STATES_PAGE = 500


class SubmissionInfo(BaseModel):
    id: uuid.UUID
    campaign_id: uuid.UUID
    unit_id: uuid.UUID
    unit_name: str
    commune_id: uuid.UUID | None = None  # the school's UBND xã/phường (a Sở may grant its officials review)
    status: str
    submit_count: int
    updated_at: datetime


class CampaignInfo(BaseModel):
    id: uuid.UUID
    title: str
    kind: str
    status: str
    issuer_unit_id: uuid.UUID
    issuer_name: str | None = None
    rubric_id: uuid.UUID | None
    school_year_id: uuid.UUID
    copied_from_id: uuid.UUID | None = None


class SubmissionState(BaseModel):
    """A target's line of the campaign's status view, as far as scoring reads it."""

    unit_id: uuid.UUID
    unit_name: str = ""
    submission_id: uuid.UUID | None
    workflow_status: str | None
    updated_at: AwareDatetime | None
    status: str | None = None  # the line's status: "overdue", "submitted_late", "approved", …
    status_label: str | None = None
    late_seconds: int | None = None  # how late the first submission came (0: on time)
    late_text: str | None = None
    overdue_text: str | None = None


class StatesPage(BaseModel):
    as_of: AwareDatetime
    total: int
    items: list[SubmissionState]


class SchoolYearInfo(BaseModel):
    id: uuid.UUID
    name: str


class SubmissionsClient:
    def __init__(self, client: ServiceClient) -> None:
        self._client = client

    async def submission(self, submission_id: uuid.UUID) -> SubmissionInfo:
        response = await self._client.get(f"/api/submissions/submissions/{submission_id}")
        if response.status_code == 404:
            raise SubmissionNotFound("Không tìm thấy báo cáo trong phạm vi quản lý của bạn.")
        _expect_ok(response.status_code)
        return SubmissionInfo.model_validate(response.json())

    async def campaign(self, campaign_id: uuid.UUID) -> CampaignInfo:
        response = await self._client.get(f"/api/submissions/campaigns/{campaign_id}")
        if response.status_code == 404:
            raise CampaignNotFound("Không tìm thấy đợt báo cáo trong phạm vi quản lý của bạn.")
        _expect_ok(response.status_code)
        return CampaignInfo.model_validate(response.json())

    async def target_count(self, campaign_id: uuid.UUID) -> int:
        response = await self._client.get(f"/api/submissions/campaigns/{campaign_id}/targets", params={"limit": 1})
        _expect_ok(response.status_code)
        return int(response.json()["total"])

    async def submission_states(self, campaign_id: uuid.UUID) -> tuple[datetime, list[SubmissionState]]:
        """Where every target of the campaign stands now, from the owner: (as of, lines)."""
        lines: list[SubmissionState] = []
        as_of: datetime | None = None
        while True:
            response = await self._client.get(f"/api/submissions/campaigns/{campaign_id}/status",
                                              params={"limit": STATES_PAGE, "offset": len(lines)})
            if response.status_code == 404:
                raise CampaignNotFound("Không tìm thấy đợt báo cáo trong phạm vi quản lý của bạn.")
            _expect_ok(response.status_code)
            body = response.json()
            page = StatesPage(as_of=body["as_of"], total=body["targets"]["total"], items=body["targets"]["items"])
            as_of = as_of or page.as_of
            lines += page.items
            if not page.items or len(lines) >= page.total:
                return as_of, lines

    async def school_year_name(self, school_year_id: uuid.UUID) -> str | None:
        response, found = await self._client.get_all("/api/submissions/school-years")
        _expect_ok(response.status_code)
        years = [SchoolYearInfo.model_validate(y) for y in found]
        return next((y.name for y in years if y.id == school_year_id), None)


def _expect_ok(status: int) -> None:
    if status != 200:
        raise BadGateway(f"Dịch vụ submissions trả lời HTTP {status}.")
