from __future__ import annotations

import uuid
from enum import StrEnum

from pydantic import BaseModel, Field

from edudx_common.timezone import LocalDateTime
from edudx_common.types import FiniteFloat, RequestModel, SingleLine
from edudx_common.vocabulary import SubmissionStatus
from scoring.rubrics.definition import ClassificationMode, CriterionKind

POINTS_HELP = "Điểm (tiêu chí chấm điểm trực tiếp), theo bước điểm, từ 0 đến điểm chuẩn"


class AnswerFields(BaseModel):
    criterion_code: SingleLine = Field(max_length=20)
    points: FiniteFloat | None = Field(default=None, description=POINTS_HELP)
    passed: bool | None = Field(default=None, description="Điều kiện bắt buộc: đạt (true) / chưa đạt (false)")
    item_codes: list[str] | None = Field(default=None, max_length=50,
                                         description="Tiêu chí theo khối điểm: mã các khối đạt được")
    level_code: SingleLine | None = Field(default=None, max_length=20, description="Tiêu chí theo mức: mã mức đạt được")


class SelfScoreInput(AnswerFields, RequestModel):
    note: str | None = Field(default=None, max_length=4000, description="Giải trình của đơn vị")
    evidence_item_ids: list[uuid.UUID] | None = Field(
        default=None, max_length=50,
        description="Minh chứng kèm theo (của báo cáo này); trống: các minh chứng đã gắn mã tiêu chí")


class ReviewScoreInput(AnswerFields, RequestModel):
    comment: str | None = Field(default=None, max_length=4000, description="Nhận xét của người thẩm định")


class SelfScoresUpdate(RequestModel):
    scores: list[SelfScoreInput] = Field(min_length=1, max_length=500)


class ReviewScoresUpdate(RequestModel):
    scores: list[ReviewScoreInput] = Field(min_length=1, max_length=500)


class MarkRead(BaseModel):
    points: float | None
    passed: bool | None
    item_codes: list[str] | None
    level_code: str | None
    by_name: str | None
    at: LocalDateTime | None


class SelfMarkRead(MarkRead):
    note: str | None
    evidence_item_ids: list[uuid.UUID]


class ReviewMarkRead(MarkRead):
    comment: str | None


class CriterionScoreRead(BaseModel):
    code: str
    group_code: str
    kind: CriterionKind
    max_points: float
    evidence_required: bool
    self_score: SelfMarkRead | None
    review: ReviewMarkRead | None = Field(description="Ẩn với đơn vị cho đến khi kết quả được công bố "
                                                      "(nhận xét hiện khi báo cáo bị trả lại)")
    final_points: float | None
    gap: float | None = Field(description="Điểm thẩm định − điểm tự chấm")
    large_gap: bool
    level: str | None = Field(description="Mức riêng của tiêu chí (nếu bộ tiêu chí có)")


class GroupScoreRead(BaseModel):
    code: str
    title: str
    max_points: float
    self_total: float
    final_total: float | None
    level: str | None
    failed_conditions: list[str]


class ScoreSheetRead(BaseModel):
    submission_id: uuid.UUID
    campaign_id: uuid.UUID
    unit_id: uuid.UUID
    unit_name: str
    rubric_id: uuid.UUID
    rubric_title: str
    mode: ClassificationMode
    submission_status: SubmissionStatus
    can_self_score: bool
    can_review: bool
    results_published: bool
    criteria: list[CriterionScoreRead]
    groups: list[GroupScoreRead]
    max_total: float
    self_total: float
    self_classification: str | None
    review_total: float | None = Field(default=None, description="Tổng điểm thẩm định của các tiêu chí đã thẩm định "
                                                                "(`reviewed_count`), không gồm điểm tự chấm; null khi "
                                                                "chưa thẩm định hoặc chưa được xem")
    final_total: float | None = Field(description="Điểm cuối cùng: điểm thẩm định nếu có, nếu không là tự chấm")
    classification: str | None
    classification_note: str | None
    scored_count: int
    criteria_count: int
    reviewed_count: int
    gap_total: float | None
    large_gap: bool


class GapKind(StrEnum):
    UNSCORED = "unscored"
    EVIDENCE = "evidence"


class CriterionGap(BaseModel):
    code: str
    group_code: str
    text: str = Field(description="Nội dung tiêu chí")
    kind: GapKind = Field(description="unscored: chưa tự chấm; evidence: điểm tự chấm thiếu minh chứng")
    message: str


class SelfScoreCompleteness(BaseModel):
    """What the school still has to self-score before submitting (the submissions service asks this on submit)."""

    criteria_count: int
    scored_count: int
    complete: bool
    missing: list[CriterionGap]
