"""Turning marks into totals, levels and a class: pure functions of a rubric definition and the marks given.

A mark is what one side (the school's self-score or the reviewer's score) gave a criterion. The final mark of a
criterion is the review mark where one was given, else the self mark. Everything a person reads about a result
(subtotals, the class, the level of each group, the gap between self and review) is computed here, on the
server, and nowhere else.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from scoring.rubrics.definition import (
    Band,
    ClassificationMode,
    Criterion,
    CriterionKind,
    MandatoryFailure,
    OverallLevel,
    RubricDefinition,
    band_for,
    criterion_step,
    dec,
    num,
    ordered_bands,
)

ZERO = Decimal(0)


class InvalidMark(ValueError):
    """A mark the criterion cannot take; the message is Vietnamese and names the criterion."""


@dataclass(frozen=True)
class Mark:
    points: Decimal  # 0 for a mandatory condition
    passed: bool | None = None  # mandatory conditions only


@dataclass(frozen=True)
class Answer:
    """What a person entered for a criterion; which field counts depends on the criterion's kind."""

    points: Decimal | None = None
    passed: bool | None = None
    item_codes: Sequence[str] | None = None
    level_code: str | None = None

    @property
    def is_empty(self) -> bool:
        return self.points is None and self.passed is None and self.item_codes is None and self.level_code is None


def evaluate(definition: RubricDefinition, criterion: Criterion, answer: Answer) -> Mark:
    """The mark an answer gives, or InvalidMark when it does not fit the criterion (range, step, items)."""
    name = f"Tiêu chí {criterion.code}"
    if criterion.kind is CriterionKind.MANDATORY:
        if answer.passed is None:
            raise InvalidMark(f"{name} là điều kiện bắt buộc: chọn đạt hoặc chưa đạt.")
        return Mark(ZERO, answer.passed)
    if criterion.kind is CriterionKind.POINTS:
        if answer.points is None:
            raise InvalidMark(f"{name}: hãy nhập điểm.")
        points, maximum, step = dec(answer.points), dec(criterion.max_points), criterion_step(definition, criterion)
        if points < 0 or points > maximum:
            raise InvalidMark(f"{name}: điểm phải từ 0 đến {num(maximum)}.")
        if points % step != 0:
            raise InvalidMark(f"{name}: điểm phải theo bước {num(step)} (ví dụ {num(maximum - step)}).")
        return Mark(points)
    if criterion.kind is CriterionKind.BLOCKS:
        if answer.item_codes is None:
            raise InvalidMark(f"{name}: hãy chọn các khối đạt được (có thể không chọn khối nào).")
        blocks = {i.code: dec(i.points) for i in criterion.items}
        unknown = [c for c in answer.item_codes if c not in blocks]
        if unknown:
            raise InvalidMark(f"{name}: không có khối '{unknown[0]}'.")
        return Mark(sum((blocks[c] for c in set(answer.item_codes)), ZERO))
    levels = {i.code: dec(i.points) for i in criterion.items}
    if answer.level_code is None:
        raise InvalidMark(f"{name}: hãy chọn một mức.")
    if answer.level_code not in levels:
        raise InvalidMark(f"{name}: không có mức '{answer.level_code}'.")
    return Mark(levels[answer.level_code])


@dataclass(frozen=True)
class CriterionOutcome:
    code: str
    group_code: str
    max_points: Decimal
    self_mark: Mark | None
    review_mark: Mark | None
    final_mark: Mark | None
    gap: Decimal | None  # review − self, where both are points
    large_gap: bool
    level: str | None  # the criterion's own band, where it has bands


@dataclass(frozen=True)
class GroupOutcome:
    code: str
    title: str
    max_points: Decimal
    self_total: Decimal
    final_total: Decimal
    level: str | None
    level_rank: int | None  # 0 is the lowest band
    failed_conditions: list[str]


@dataclass(frozen=True)
class Classification:
    label: str | None
    rank: int | None  # 0 is the lowest band
    note: str | None = None  # why there is no class, or why it was lowered


@dataclass(frozen=True)
class SheetOutcome:
    criteria: list[CriterionOutcome]
    groups: list[GroupOutcome]
    max_total: Decimal
    self_total: Decimal
    final_total: Decimal
    self_classification: Classification
    classification: Classification
    failed_conditions: list[str]
    scored_count: int  # criteria with a final mark
    reviewed_count: int
    gap_total: Decimal | None
    large_gap: bool  # some criterion's review differs from its self-score by the rubric's ratio or more
    criteria_count: int = 0
    group_levels: dict[str, str | None] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return self.scored_count == self.criteria_count


def outcome(definition: RubricDefinition, self_marks: Mapping[str, Mark],
            review_marks: Mapping[str, Mark]) -> SheetOutcome:
    final_marks = {**self_marks, **review_marks}
    criteria: list[CriterionOutcome] = []
    for group in definition.groups:
        for criterion in group.criteria:
            own, review, final = (self_marks.get(criterion.code), review_marks.get(criterion.code),
                                  final_marks.get(criterion.code))
            gap = review.points - own.points if own and review and criterion.kind is not CriterionKind.MANDATORY \
                else None
            threshold = dec(criterion.max_points) * dec(definition.large_gap_ratio)
            level = band_for(criterion.bands, final.points) if final and criterion.bands else None
            criteria.append(CriterionOutcome(
                code=criterion.code, group_code=group.code, max_points=dec(criterion.max_points), self_mark=own,
                review_mark=review, final_mark=final, gap=gap,
                large_gap=gap is not None and threshold > 0 and abs(gap) >= threshold,
                level=level[1].label if level else None))
    self_groups, self_class = _classify(definition, self_marks)
    final_groups, final_class = _classify(definition, final_marks)
    groups = [GroupOutcome(code=f.code, title=f.title, max_points=f.max_points, self_total=s.final_total,
                           final_total=f.final_total, level=f.level, level_rank=f.level_rank,
                           failed_conditions=f.failed_conditions) for s, f in zip(self_groups, final_groups,
                                                                                    strict=True)]
    self_total = sum((g.self_total for g in groups), ZERO)
    final_total = sum((g.final_total for g in groups), ZERO)
    reviewed = [c for c in criteria if c.review_mark is not None]
    gap_total = (sum((c.review_mark.points for c in reviewed if c.review_mark), ZERO)
                 - sum((c.self_mark.points for c in reviewed if c.self_mark), ZERO)) if reviewed else None
    maximum = sum((dec(g.max_points) for g in definition.groups), ZERO)
    return SheetOutcome(
        criteria=criteria, groups=groups, max_total=maximum, self_total=self_total, final_total=final_total,
        self_classification=self_class, classification=final_class,
        failed_conditions=[code for g in groups for code in g.failed_conditions],
        scored_count=sum(1 for c in criteria if c.final_mark is not None), reviewed_count=len(reviewed),
        gap_total=gap_total, large_gap=any(c.large_gap for c in criteria),
        criteria_count=len(criteria), group_levels={g.code: g.level for g in groups})


def _classify(definition: RubricDefinition, marks: Mapping[str, Mark]) -> tuple[list[GroupOutcome], Classification]:
    effect = definition.mandatory_failure
    groups: list[GroupOutcome] = []
    for group in definition.groups:
        total = sum((marks[c.code].points for c in group.criteria if c.code in marks), ZERO)
        failed = [c.code for c in group.criteria
                  if c.kind is CriterionKind.MANDATORY and c.code in marks and marks[c.code].passed is False]
        label, rank = _level(definition.group_bands(group), total, failed, effect)
        groups.append(GroupOutcome(code=group.code, title=group.title, max_points=dec(group.max_points),
                                   self_total=total, final_total=total, level=label, level_rank=rank,
                                   failed_conditions=failed))
    failed_all = [code for g in groups for code in g.failed_conditions]
    if definition.mode is ClassificationMode.TOTAL_BANDS:
        label, rank = _level(definition.bands, sum((g.final_total for g in groups), ZERO), failed_all, effect)
        return groups, Classification(label, rank, _failure_note(failed_all, effect))
    if definition.overall_level is OverallLevel.NONE:
        return groups, Classification(None, None, _failure_note(failed_all, effect))
    if any(g.level_rank is None for g in groups):
        return groups, Classification(None, None, _failure_note(failed_all, effect) or "Chưa đủ mức của các nhóm.")
    weakest = min(groups, key=lambda g: g.level_rank or 0)
    return groups, Classification(weakest.level, weakest.level_rank, _failure_note(failed_all, effect))


def _level(bands: list[Band], total: Decimal, failed: list[str],
           effect: MandatoryFailure) -> tuple[str | None, int | None]:
    if not bands:
        return None, None
    if failed and effect is MandatoryFailure.NOT_CLASSIFIED:
        return None, None
    if failed and effect is MandatoryFailure.CAP_LOWEST:
        return ordered_bands(bands)[0].label, 0
    found = band_for(bands, total)
    return (found[1].label, found[0]) if found else (None, None)


def _failure_note(failed: list[str], effect: MandatoryFailure) -> str | None:
    if not failed or effect is MandatoryFailure.NO_EFFECT:
        return None
    codes = ", ".join(failed)
    if effect is MandatoryFailure.CAP_LOWEST:
        return f"Chưa đạt điều kiện bắt buộc ({codes}): hạ xuống mức thấp nhất."
    return f"Chưa đạt điều kiện bắt buộc ({codes}): chưa xếp mức."
