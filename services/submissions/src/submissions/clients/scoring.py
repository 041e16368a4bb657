"""What the submissions service asks scoring: which criteria a submission still has to self-score."""

from __future__ import annotations

import uuid

from pydantic import BaseModel

from edudx_common.errors import BadGateway
from edudx_common.http import ServiceClient


class CriterionGap(BaseModel):
    code: str
    group_code: str
    kind: str
    message: str


class SelfScoreCompleteness(BaseModel):
    criteria_count: int
    scored_count: int
    missing: list[CriterionGap]


class ScoringClient:
    def __init__(self, client: ServiceClient) -> None:
        self._client = client

    async def self_score_completeness(self, submission_id: uuid.UUID) -> SelfScoreCompleteness:
        response = await self._client.get(f"/api/scoring/submissions/{submission_id}/self-scores/completeness")
        if response.status_code != 200:
            raise BadGateway(f"Dịch vụ scoring trả lời HTTP {response.status_code}: chưa kiểm tra được điểm tự chấm.")
        return SelfScoreCompleteness.model_validate(response.json())
