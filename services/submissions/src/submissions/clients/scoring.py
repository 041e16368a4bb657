"""What the submissions service asks scoring: which criteria a submission still has to self-score, and the score
sheet a reviewer approves."""

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

    async def score_sheet(self, submission_id: uuid.UUID) -> ScoreSheet:
        """The submission's score sheet as its reviewer sees it (review scores included)."""
        response = await self._client.get(f"/api/scoring/submissions/{submission_id}/scores")
        if response.status_code != 200:
            raise BadGateway(f"Dịch vụ scoring trả lời HTTP {response.status_code}: chưa đọc được bảng điểm.")
        return ScoreSheet.model_validate(response.json())


class CriterionMark(BaseModel):
    points: float | None = None
    passed: bool | None = None


class CriterionSheet(BaseModel):
    code: str
    self_score: CriterionMark | None = None
    review: CriterionMark | None = None


class ScoreSheet(BaseModel):
    """The fields of scoring's sheet that the review guards and the board's copy read."""

    criteria: list[CriterionSheet]
    self_total: float
    final_total: float | None = None

    @property
    def unreviewed(self) -> list[str]:
        return [c.code for c in self.criteria if c.review is None]

    @property
    def review_total(self) -> float | None:
        """Only the reviewer's own points: None until a criterion is review-scored."""
        marks = [c.review.points for c in self.criteria if c.review is not None and c.review.points is not None]
        return float(sum(marks)) if marks else None
