"""Rubric rules without any server: the seeded rubrics, validation, marks, classes, levels and ranking."""

from __future__ import annotations

from decimal import Decimal

import pytest

from scoring.results.computation import competition_ranks
from scoring.rubrics.definition import MandatoryFailure, RubricDefinition, problems
from scoring.rubrics.service import template_definition
from scoring.sheets.calculation import Answer, InvalidMark, Mark, evaluate, outcome

SEED_004_MAXIMA = {"1.1": 3, "1.2": 5, "1.3": 2, "1.4": 5, "1.5": 3, "1.6": 2, "2.1": 5, "2.2": 5, "2.3": 10,
                   "2.4": 5, "3.1": 5, "3.2": 5, "3.3": 5, "3.4": 3, "3.5": 2, "3.6": 5, "4.1": 5, "4.2": 3,
                   "4.3": 2, "4.4": 10, "4.5": 10}


@pytest.fixture
def seed_004() -> RubricDefinition:
    return template_definition("seed-004-cntt")


@pytest.fixture
def qd_4725() -> RubricDefinition:
    return template_definition("qd-4725-reference")


def marks_totalling(definition: RubricDefinition, total: Decimal) -> dict[str, Mark]:
    """Self marks that add up to `total`: criteria filled to their maximum in order, the rest as needed."""
    marks, left = {}, total
    for group in definition.groups:
        for criterion in group.criteria:
            points = min(Decimal(str(criterion.max_points)), left)
            marks[criterion.code] = Mark(points)
            left -= points
    assert left == 0
    return marks


def test_the_seed_004_rubric_is_as_written(seed_004: RubricDefinition) -> None:
    criteria = seed_004.criteria()
    assert problems(seed_004) == []
    assert {code: c.max_points for code, (_, c) in criteria.items()} == SEED_004_MAXIMA
    assert [(g.code, g.max_points) for g in seed_004.groups] == [("1", 20), ("2", 25), ("3", 25), ("4", 30)]
    assert seed_004.max_total == 100 and seed_004.step == 0.25
    assert criteria["1.5"][1].evidence_expected == "Minh chứng trên hệ thống LMS"
    assert criteria["1.5"][1].evidence_required and not criteria["1.1"][1].evidence_required
    assert criteria["2.2"][1].text == "Hoàn thành CSDL đầy đủ, chính xác, đúng thời gian qui định."
    assert [b.label for b in seed_004.bands] == ["Yếu", "Trung bình", "Khá", "Tốt", "Xuất sắc"]


@pytest.mark.parametrize(("total", "label"), [
    ("100", "Xuất sắc"), ("90", "Xuất sắc"), ("89.75", "Tốt"), ("80", "Tốt"), ("79.75", "Khá"), ("70", "Khá"),
    ("69.75", "Trung bình"), ("50", "Trung bình"), ("49.75", "Yếu"), ("0", "Yếu"),
])
def test_seed_004_classes_by_total(seed_004: RubricDefinition, total: str, label: str) -> None:
    result = outcome(seed_004, marks_totalling(seed_004, Decimal(total)), {})
    assert result.self_total == Decimal(total)
    assert result.classification.label == label and result.self_classification.label == label


def test_review_score_is_final_and_large_gaps_are_flagged(seed_004: RubricDefinition) -> None:
    own = marks_totalling(seed_004, Decimal(100))
    review = {"4.4": Mark(Decimal(2)), "2.3": Mark(Decimal("9.5"))}
    result = outcome(seed_004, own, review)
    by_code = {c.code: c for c in result.criteria}

    assert result.self_total == 100 and result.final_total == Decimal("91.5")
    assert result.classification.label == "Xuất sắc" and result.reviewed_count == 2
    assert by_code["4.4"].gap == -8 and by_code["4.4"].large_gap
    assert by_code["2.3"].gap == Decimal("-0.5") and not by_code["2.3"].large_gap
    assert result.gap_total == Decimal("-8.5") and result.large_gap
    assert [g.final_total for g in result.groups] == [20, Decimal("24.5"), 25, 22]


@pytest.mark.parametrize(("points", "accepted"), [("5", True), ("4.75", True), ("0", True), ("4.8", False),
                                                  ("5.25", False), ("-0.25", False)])
def test_points_must_be_on_the_step_and_within_the_maximum(seed_004: RubricDefinition, points: str,
                                                           accepted: bool) -> None:
    criterion = seed_004.criteria()["1.2"][1]
    if accepted:
        assert evaluate(seed_004, criterion, Answer(points=Decimal(points))).points == Decimal(points)
    else:
        with pytest.raises(InvalidMark, match=r"Tiêu chí 1\.2"):
            evaluate(seed_004, criterion, Answer(points=Decimal(points)))


def test_criteria_that_do_not_add_up_are_refused_naming_the_group(seed_004: RubricDefinition) -> None:
    broken = seed_004.model_copy(deep=True)
    broken.groups[1].criteria[0].max_points = 4  # 2.1: 5 → 4, group 2 now 24 of 25

    found = problems(broken)

    assert any(e.field == "groups[1].max_points" and "Nhóm 2" in e.message and "24" in e.message and "25" in e.message
               for e in found)
    assert any(e.field == "max_total" for e in found) is False  # groups still add up to 100 as declared


def test_bands_with_a_gap_or_an_overlap_are_refused(seed_004: RubricDefinition) -> None:
    gap = seed_004.model_copy(deep=True)
    gap.bands[3].min_inclusive = False  # Tốt from above 80: 80 belongs to nobody
    overlap = seed_004.model_copy(deep=True)
    overlap.bands[2].max_inclusive = True  # Khá up to 80 inclusive, Tốt from 80 inclusive
    short = seed_004.model_copy(deep=True)
    short.bands[4].max_inclusive = False  # 100 belongs to nobody

    assert any("khoảng trống" in e.message for e in problems(gap))
    assert any("chồng lên nhau" in e.message for e in problems(overlap))
    assert any("100" in e.message for e in problems(short))


def test_the_4725_template_levels_each_group(qd_4725: RubricDefinition) -> None:
    assert problems(qd_4725) == []
    assert qd_4725.reference_note and "đối chiếu với văn bản gốc" in qd_4725.reference_note.lower()
    passed = {"I.1": Mark(Decimal(0), True), "I.2": Mark(Decimal(0), True), "II.1": Mark(Decimal(0), True),
              "II.2": Mark(Decimal(0), True)}

    def with_group_totals(first: int, second: int) -> dict[str, Mark]:
        marks = dict(passed)
        for group, total in zip(qd_4725.groups, (first, second), strict=True):
            left = Decimal(total)
            for criterion in group.criteria:
                if criterion.kind.value != "mandatory":
                    points = min(Decimal(str(criterion.max_points)), left)
                    marks[criterion.code] = Mark(points)
                    left -= points
        return marks

    for first, second, levels, overall in [(75, 76, ["Mức 2", "Mức 3"], "Mức 2"),
                                           (76, 100, ["Mức 3", "Mức 3"], "Mức 3"),
                                           (49, 50, ["Mức 1", "Mức 2"], "Mức 1")]:
        result = outcome(qd_4725, with_group_totals(first, second), {})
        assert [g.final_total for g in result.groups] == [first, second]
        assert [g.level for g in result.groups] == levels
        assert result.classification.label == overall


@pytest.mark.parametrize(("effect", "group_level", "overall"), [
    (MandatoryFailure.CAP_LOWEST, "Mức 1", "Mức 1"),
    (MandatoryFailure.NOT_CLASSIFIED, None, None),
    (MandatoryFailure.NO_EFFECT, "Mức 3", "Mức 3"),
])
def test_a_failed_mandatory_condition_has_the_effect_its_setting_says(
        qd_4725: RubricDefinition, effect: MandatoryFailure, group_level: str | None, overall: str | None) -> None:
    rubric = qd_4725.model_copy(update={"mandatory_failure": effect})
    marks = {c.code: Mark(Decimal(str(c.max_points)), True if c.kind.value == "mandatory" else None)
             for group in rubric.groups for c in group.criteria}
    marks["I.1"] = Mark(Decimal(0), False)

    result = outcome(rubric, marks, {})

    assert [g.final_total for g in result.groups] == [100, 100]
    assert result.groups[0].level == group_level and result.groups[0].failed_conditions == ["I.1"]
    assert result.groups[1].level == "Mức 3"
    assert result.classification.label == overall
    assert (result.classification.note is None) == (effect is MandatoryFailure.NO_EFFECT)


def test_blocks_and_levels_are_worth_their_points(qd_4725: RubricDefinition) -> None:
    criteria = qd_4725.criteria()
    lms = criteria["I.3"][1]
    assert evaluate(qd_4725, lms, Answer(item_codes=["a", "c", "c"])).points == 12
    assert evaluate(qd_4725, lms, Answer(item_codes=[])).points == 0
    with pytest.raises(InvalidMark, match="khối 'z'"):
        evaluate(qd_4725, lms, Answer(item_codes=["z"]))
    with pytest.raises(InvalidMark, match="đạt hoặc chưa đạt"):
        evaluate(qd_4725, criteria["I.1"][1], Answer(points=Decimal(1)))
    levels = type(lms).model_validate({**lms.model_dump(), "kind": "levels", "items": [
        {"code": "1", "text": "Có phần mềm", "points": 10}, {"code": "2", "text": "Có LMS", "points": 30}]})
    assert evaluate(qd_4725, levels, Answer(level_code="2")).points == 30


def test_the_criterion_band_of_i3(qd_4725: RubricDefinition) -> None:
    marks = {"I.3": Mark(Decimal(18))}
    assert {c.code: c.level for c in outcome(qd_4725, marks, {}).criteria}["I.3"] == "Mức 2"
    assert {c.code: c.level for c in outcome(qd_4725, {"I.3": Mark(Decimal(24))}, {}).criteria}["I.3"] == "Mức 3"


def test_competition_ranking_shares_ranks_on_ties() -> None:
    totals = [Decimal(x) for x in ("90", "95.5", "90", "70", "95.5", "60")]
    assert competition_ranks(totals) == [3, 1, 3, 5, 1, 6]
    assert competition_ranks([]) == []


def test_nothing_scored_is_no_class_yet(seed_004: RubricDefinition) -> None:
    empty = outcome(seed_004, {}, {})
    one = outcome(seed_004, {"1.1": Mark(Decimal(0))}, {})

    assert (empty.classification.label, empty.self_classification.label) == (None, None)
    assert empty.classification.note == "Chưa chấm điểm."
    assert (one.classification.label, one.self_classification.label) == ("Yếu", "Yếu")
