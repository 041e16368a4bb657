"""What still stands between a draft and its submit: required answers, wrong answers, and the self-scores and
evidence the campaign's rubric requires — one list, per section, for the officer, the principal and the submit.

The scores live in the scoring service: it is asked over REST (service token), never read from its tables.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from edudx_common.errors import FieldError
from submissions.clients.scoring import ScoringClient
from submissions.errors import IncompleteSubmission
from submissions.outlines.schemas import OutlineDefinition, walk_sections
from submissions.outlines.validation import check_values, missing_required


@dataclass(frozen=True)
class Missing:
    kind: str  # "answer" (required, empty) | "invalid" (stored but wrong) | "score" | "evidence"
    field: str  # the outline field (answers) or "self_scores.<criterion code>"
    message: str
    section: str | None
    criterion_code: str | None = None


@dataclass(frozen=True)
class Checklist:
    items: list[Missing]
    criteria_count: int | None  # None: the campaign scores nothing
    scored_count: int | None

    @property
    def ready(self) -> bool:
        return not self.items


def content_items(outline: OutlineDefinition | None, content: dict[str, Any]) -> list[Missing]:
    if outline is None:
        return []
    wrong = {e.field: e for e in check_values(outline, content)}
    items = [Missing("answer", m.field, m.message, m.section) for m in missing_required(outline, content)
             if m.field not in wrong]
    sections = {f: s.number for f, (s, _) in outline.fields_by_id().items()}
    for error in wrong.values():
        section = error.section or sections.get(error.field.split("[", 1)[0])
        where = f"Mục {section}: " if section else ""
        items.append(Missing("invalid", error.field, f"{where}{error.message}", section))
    order = {number: index for index, number in enumerate(_section_numbers(outline))}
    return sorted(items, key=lambda m: order.get(m.section or "", len(order)))


async def build(outline: OutlineDefinition | None, content: dict[str, Any], *, submission_id: uuid.UUID,
                rubric_id: uuid.UUID | None, scoring: ScoringClient) -> Checklist:
    items = content_items(outline, content)
    if rubric_id is None:
        return Checklist(items, None, None)
    scores = await scoring.self_score_completeness(submission_id)
    sections = set(_section_numbers(outline)) if outline else set()
    for gap in scores.missing:
        items.append(Missing("score" if gap.kind == "unscored" else "evidence", f"self_scores.{gap.code}",
                             gap.message, gap.group_code if gap.group_code in sections else None, gap.code))
    return Checklist(items, scores.criteria_count, scores.scored_count)



WORDING = {"answer": "nội dung bắt buộc chưa trả lời", "invalid": "nội dung chưa hợp lệ",
           "score": "tiêu chí chưa tự chấm", "evidence": "điểm tự chấm thiếu minh chứng"}


def refuse_unless_ready(found: Checklist) -> None:
    """Every required answer, no wrong answer, every self-score (with its evidence) the rubric requires;
    otherwise 422 `incomplete_submission` naming each item, with counts, sections and criteria in `extra`."""
    if found.ready:
        return
    counts = {kind: sum(1 for m in found.items if m.kind == kind) for kind in WORDING}
    parts = [f"{counts[kind]} {text}" for kind, text in WORDING.items() if counts[kind]]
    raise IncompleteSubmission(
        f"Còn {', '.join(parts)}.",
        errors=[FieldError(field=m.field, message=m.message) for m in found.items],
        extra={"sections": sorted({m.section for m in found.items if m.section}),
               "criteria": [m.criterion_code for m in found.items if m.criterion_code], **counts})


def _section_numbers(outline: OutlineDefinition) -> list[str]:
    return [s.number for s in walk_sections(outline.sections)]
