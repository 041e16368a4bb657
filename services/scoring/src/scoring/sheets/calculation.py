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
from typing import Any

from scoring.rubrics.definition import (
    Band,
    ClassificationMode,
    Criterion,
    CriterionKind,
    Group,
    MandatoryFailure,
    OverallLevel,
    RubricDefinition,
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
    if criterion.kind is CriterionKind.COMPUTED:
        if answer.points is None or not 0 <= dec(answer.points) <= dec(criterion.max_points):
            raise InvalidMark(f"{name}: điểm tính tự động phải từ 0 đến {num(criterion.max_points)}.")
        return Mark(dec(answer.points))
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


# Nothing scored yet is no class at all (not the lowest one).
NOT_SCORED = Classification(None, None, "Chưa chấm điểm.")


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
    # the reviewer's points over the criteria given a review score; None: none given (the final total takes the
    # review where given, the self-score elsewhere)
    review_total: Decimal | None = None

    @property
    def complete(self) -> bool:
        return self.scored_count == self.criteria_count


@dataclass(frozen=True)
class _Bands:
    """Bands lowest first with their edges as decimals: found once per rubric, used for every sheet."""

    labels: tuple[str, ...]
    edges: tuple[tuple[Decimal | None, bool, Decimal | None, bool], ...]

    @classmethod
    def of(cls, bands: list[Band]) -> _Bands:
        ordered = ordered_bands(bands)
        return cls(tuple(b.label for b in ordered),
                   tuple((None if b.min is None else dec(b.min), b.min_inclusive,
                          None if b.max is None else dec(b.max), b.max_inclusive) for b in ordered))

    def find(self, value: Decimal) -> int | None:
        for index, (low, low_in, high, high_in) in enumerate(self.edges):
            if low is not None and (value < low or (value == low and not low_in)):
                continue
            if high is not None and (value > high or (value == high and not high_in)):
                continue
            return index
        return None


@dataclass(frozen=True)
class _Criterion:
    code: str
    mandatory: bool
    max_points: Decimal
    gap_threshold: Decimal
    bands: _Bands | None
    # A condition attached to a level ('II.1 phải đạt để xếp Mức 3'): failing it caps the level at this rank
    # (of the group's levels, or of the classes by total), whatever `mandatory_failure` says.
    cap_rank: int | None = None
    cap_note: str | None = None


@dataclass(frozen=True)
class _Group:
    code: str
    title: str
    max_points: Decimal
    criteria: tuple[_Criterion, ...]
    bands: _Bands | None


@dataclass(frozen=True)
class _Compiled:
    groups: tuple[_Group, ...]
    total_bands: _Bands | None
    maximum: Decimal


_COMPILED: dict[int, tuple[RubricDefinition, _Compiled]] = {}


def _compiled(definition: RubricDefinition) -> _Compiled:
    """The definition with every number already a Decimal and every band set sorted (results compute thousands
    of sheets against one rubric). Keyed by the object, which rubric versions never change once parsed."""
    cached = _COMPILED.get(id(definition))
    if cached is not None and cached[0] is definition:
        return cached[1]
    ratio = dec(definition.large_gap_ratio)
    groups = tuple(_Group(
        code=g.code, title=g.title, max_points=dec(g.max_points),
        criteria=tuple(_Criterion(code=c.code, mandatory=c.kind is CriterionKind.MANDATORY,
                                  max_points=dec(c.max_points), gap_threshold=dec(c.max_points) * ratio,
                                  bands=_Bands.of(c.bands) if c.bands else None,
                                  **_cap(definition, g, c)) for c in g.criteria),
        bands=_Bands.of(bands) if (bands := definition.group_bands(g)) else None) for g in definition.groups)
    compiled = _Compiled(groups=groups,
                         total_bands=_Bands.of(definition.bands) if definition.mode is ClassificationMode.TOTAL_BANDS
                         and definition.bands else None,
                         maximum=sum((g.max_points for g in groups), ZERO))
    if len(_COMPILED) >= 256:
        _COMPILED.clear()
    _COMPILED[id(definition)] = (definition, compiled)
    return compiled


def _cap(definition: RubricDefinition, group: Group, criterion: Criterion) -> dict[str, Any]:
    labels = [b.label for b in ordered_bands(definition.capped_bands(group))]
    required = criterion.required_for_level
    if criterion.kind is not CriterionKind.MANDATORY or required is None or required not in labels \
            or labels.index(required) == 0:
        return {}
    rank = labels.index(required) - 1
    return {"cap_rank": rank, "cap_note": f"Chưa đạt điều kiện {criterion.code} (cần để xếp {required}): "
                                          f"không cao hơn {labels[rank]}."}


@dataclass
class _Failures:
    """Failed conditions of one side of a sheet: all of them, those `mandatory_failure` acts on, and the lowest
    cap set by conditions attached to a level."""

    codes: list[str] = field(default_factory=list)
    general: list[str] = field(default_factory=list)
    cap: int | None = None
    notes: list[str] = field(default_factory=list)

    def add(self, criterion: _Criterion) -> None:
        self.codes.append(criterion.code)
        if criterion.cap_rank is None:
            self.general.append(criterion.code)
            return
        self.cap = criterion.cap_rank if self.cap is None else min(self.cap, criterion.cap_rank)
        if criterion.cap_note:
            self.notes.append(criterion.cap_note)

    def merge(self, other: _Failures) -> None:
        self.codes += other.codes
        self.general += other.general
        self.notes += other.notes
        if other.cap is not None:
            self.cap = other.cap if self.cap is None else min(self.cap, other.cap)


def outcome(definition: RubricDefinition, self_marks: Mapping[str, Mark], review_marks: Mapping[str, Mark], *,
            with_criteria: bool = True) -> SheetOutcome:
    """Everything computed about one sheet. `with_criteria=False` leaves out the per-criterion details (a
    campaign's results need only totals, levels and flags, for thousands of sheets)."""
    rubric = _compiled(definition)
    scored = self_scored = reviewed_count = 0
    large_gap = False
    gap_total: Decimal | None = None
    review_total: Decimal | None = None
    criteria: list[CriterionOutcome] = []
    groups: list[GroupOutcome] = []
    self_levels: list[tuple[str | None, int | None]] = []
    self_all, final_all = _Failures(), _Failures()
    effect = definition.mandatory_failure
    for group in rubric.groups:
        self_total = final_total = ZERO
        self_failed, final_failed = _Failures(), _Failures()
        for criterion in group.criteria:
            code = criterion.code
            own, review = self_marks.get(code), review_marks.get(code)
            final = review if review is not None else own
            gap = None
            if own is not None:
                self_total += own.points
                if criterion.mandatory and own.passed is False:
                    self_failed.add(criterion)
                if review is not None and not criterion.mandatory:
                    gap = review.points - own.points
            if final is not None:
                final_total += final.points
                if criterion.mandatory and final.passed is False:
                    final_failed.add(criterion)
            flagged = gap is not None and criterion.gap_threshold > 0 and abs(gap) >= criterion.gap_threshold
            scored += final is not None
            self_scored += own is not None
            if review is not None:
                reviewed_count += 1
                review_total = (review_total or ZERO) + review.points
                gap_total = (gap_total or ZERO) + review.points - (own.points if own is not None else ZERO)
            large_gap = large_gap or flagged
            if with_criteria:
                level = criterion.bands.find(final.points) if final is not None and criterion.bands else None
                criteria.append(CriterionOutcome(
                    code=code, group_code=group.code, max_points=criterion.max_points, self_mark=own,
                    review_mark=review, final_mark=final, gap=gap, large_gap=flagged,
                    level=criterion.bands.labels[level] if level is not None and criterion.bands else None))
        self_levels.append(_level(group.bands, self_total, self_failed, effect))
        self_all.merge(self_failed)
        final_all.merge(final_failed)
        label, rank = _level(group.bands, final_total, final_failed, effect)
        groups.append(GroupOutcome(code=group.code, title=group.title, max_points=group.max_points,
                                   self_total=self_total, final_total=final_total, level=label, level_rank=rank,
                                   failed_conditions=final_failed.codes))
    self_total = sum((g.self_total for g in groups), ZERO)
    final_total = sum((g.final_total for g in groups), ZERO)
    return SheetOutcome(
        criteria=criteria, groups=groups, max_total=rubric.maximum, self_total=self_total, final_total=final_total,
        self_classification=_overall(definition, rubric, self_total, self_levels, self_all)
        if self_scored else NOT_SCORED,
        classification=_overall(definition, rubric, final_total, [(g.level, g.level_rank) for g in groups],
                                final_all) if scored else NOT_SCORED,
        failed_conditions=final_all.codes,
        scored_count=scored, reviewed_count=reviewed_count, gap_total=gap_total, large_gap=large_gap,
        criteria_count=sum(len(g.criteria) for g in rubric.groups), group_levels={g.code: g.level for g in groups},
        review_total=review_total)


def _overall(definition: RubricDefinition, rubric: _Compiled, total: Decimal,
             levels: list[tuple[str | None, int | None]], failed: _Failures) -> Classification:
    effect = definition.mandatory_failure
    note = "; ".join(n for n in (_failure_note(failed.general, effect), *failed.notes) if n) or None
    if definition.mode is ClassificationMode.TOTAL_BANDS:
        label, rank = _level(rubric.total_bands, total, failed, effect)
        return Classification(label, rank, note)
    if definition.overall_level is OverallLevel.NONE:
        return Classification(None, None, note)
    if any(rank is None for _, rank in levels):
        return Classification(None, None, note or "Chưa đủ mức của các nhóm.")
    label, rank = min(levels, key=lambda level: level[1] or 0)
    return Classification(label, rank, note)


def _level(bands: _Bands | None, total: Decimal, failed: _Failures,
           effect: MandatoryFailure) -> tuple[str | None, int | None]:
    if bands is None:
        return None, None
    if failed.general and effect is MandatoryFailure.NOT_CLASSIFIED:
        return None, None
    if failed.general and effect is MandatoryFailure.CAP_LOWEST:
        return bands.labels[0], 0
    found = bands.find(total)
    if found is None:
        return None, None
    if failed.cap is not None and found > failed.cap:
        found = failed.cap
    return bands.labels[found], found


def _failure_note(failed: list[str], effect: MandatoryFailure) -> str | None:
    if not failed or effect is MandatoryFailure.NO_EFFECT:
        return None
    codes = ", ".join(failed)
    if effect is MandatoryFailure.CAP_LOWEST:
        return f"Chưa đạt điều kiện bắt buộc ({codes}): hạ xuống mức thấp nhất."
    return f"Chưa đạt điều kiện bắt buộc ({codes}): chưa xếp mức."


# --- stored summaries -----------------------------------------------------------------------------------------
# A sheet keeps the summary of its outcome, refreshed whenever its scores change, so a campaign's results read one
# row per unit instead of recomputing from every criterion score. Bump SUMMARY_VERSION when the calculation
# changes; `python -m scoring.cli refresh-summaries` recomputes stored summaries.

SUMMARY_VERSION = 2  # 2: review_total


def summary_of(result: SheetOutcome) -> dict[str, Any]:
    def klass(c: Classification) -> dict[str, Any]:
        return {"label": c.label, "rank": c.rank, "note": c.note}

    return {
        "version": SUMMARY_VERSION, "max_total": str(result.max_total), "self_total": str(result.self_total),
        "final_total": str(result.final_total),
        "review_total": None if result.review_total is None else str(result.review_total),
        "self_classification": klass(result.self_classification),
        "classification": klass(result.classification), "failed_conditions": result.failed_conditions,
        "scored_count": result.scored_count, "reviewed_count": result.reviewed_count,
        "criteria_count": result.criteria_count, "large_gap": result.large_gap,
        "gap_total": None if result.gap_total is None else str(result.gap_total),
        "groups": [{"code": g.code, "title": g.title, "max_points": str(g.max_points), "self_total": str(g.self_total),
                    "final_total": str(g.final_total), "level": g.level, "level_rank": g.level_rank,
                    "failed_conditions": g.failed_conditions} for g in result.groups],
    }


def outcome_from_summary(summary: Mapping[str, Any]) -> SheetOutcome:
    """The outcome a summary was made from, without its per-criterion details."""
    def klass(c: Mapping[str, Any]) -> Classification:
        return Classification(c["label"], c["rank"], c["note"])

    groups = [GroupOutcome(code=g["code"], title=g["title"], max_points=Decimal(g["max_points"]),
                           self_total=Decimal(g["self_total"]), final_total=Decimal(g["final_total"]), level=g["level"],
                           level_rank=g["level_rank"], failed_conditions=list(g["failed_conditions"]))
              for g in summary["groups"]]
    return SheetOutcome(
        criteria=[], groups=groups, max_total=Decimal(summary["max_total"]), self_total=Decimal(summary["self_total"]),
        final_total=Decimal(summary["final_total"]), self_classification=klass(summary["self_classification"]),
        classification=klass(summary["classification"]), failed_conditions=list(summary["failed_conditions"]),
        scored_count=summary["scored_count"], reviewed_count=summary["reviewed_count"],
        gap_total=None if summary["gap_total"] is None else Decimal(summary["gap_total"]),
        large_gap=summary["large_gap"], criteria_count=summary["criteria_count"],
        group_levels={g.code: g.level for g in groups},
        review_total=None if summary.get("review_total") is None else Decimal(summary["review_total"]))
