"""Rubric rules a provincial QĐ 4725 rubric needs: its own criterion codes, and conditions attached to a level."""

from __future__ import annotations

from decimal import Decimal

import pytest

from edudx_common.text import CRITERION_CODE
from scoring.rubrics.definition import (
    ComputedFrom,
    ComputedMeasure,
    CriterionKind,
    MandatoryFailure,
    RubricDefinition,
    problems,
)
from scoring.rubrics.exchange import from_xlsx, to_xlsx
from scoring.rubrics.service import template_definition
from scoring.sheets.calculation import Mark, outcome


@pytest.fixture
def qd_4725() -> RubricDefinition:
    return template_definition("qd-4725-reference")


@pytest.mark.parametrize("code", ["1", "1.2", "4a", "I.3", "II.3.1", "II.1.a", "DH.1", "QT.2", "TC.1.2.b"])
def test_criterion_codes_in_a_provinces_own_style_are_accepted(code: str) -> None:
    assert CRITERION_CODE.match(code)


@pytest.mark.parametrize("code", ["", ".1", "1.", "DH..1", "ĐH.1", "DH 1", "DH-1", "A.B.C.D.E.F", "ABCDEFGHI.1"])
def test_other_criterion_codes_are_refused(code: str) -> None:
    assert not CRITERION_CODE.match(code)


def test_a_rubric_with_province_codes_is_valid_and_names_a_bad_code(qd_4725: RubricDefinition) -> None:
    rubric = qd_4725.model_copy(deep=True)
    for group, prefix in zip(rubric.groups, ("DH", "QT"), strict=True):
        for index, criterion in enumerate(group.criteria, start=1):
            criterion.code = f"{prefix}.{index}"
    assert problems(rubric) == []

    rubric.groups[0].criteria[0].code = "DH/1"
    found = problems(rubric)
    assert [p.field for p in found] == ["groups[0].criteria[0].code"]
    assert "DH/1" in found[0].message and "DH.1" in found[0].message


def full_marks(rubric: RubricDefinition) -> dict[str, Mark]:
    return {c.code: Mark(Decimal(str(c.max_points)), True if c.kind.value == "mandatory" else None)
            for group in rubric.groups for c in group.criteria}


def with_condition(qd_4725: RubricDefinition, code: str, level: str | None) -> RubricDefinition:
    rubric = qd_4725.model_copy(deep=True, update={"mandatory_failure": MandatoryFailure.NO_EFFECT})
    rubric.criteria()[code][1].required_for_level = level
    return rubric


def test_a_failed_condition_attached_to_a_level_caps_the_group_and_the_overall_level(
        qd_4725: RubricDefinition) -> None:
    rubric = with_condition(qd_4725, "II.1", "Mức 3")
    assert problems(rubric) == []
    marks = full_marks(rubric)
    marks["II.1"] = Mark(Decimal(0), False)

    result = outcome(rubric, marks, {})

    assert [g.final_total for g in result.groups] == [100, 100]
    assert [g.level for g in result.groups] == ["Mức 3", "Mức 2"]
    assert result.groups[1].failed_conditions == ["II.1"]
    assert result.classification.label == "Mức 2" and result.classification.rank == 1
    assert result.classification.note == "Chưa đạt điều kiện II.1 (cần để xếp Mức 3): không cao hơn Mức 2."


def test_a_capped_condition_leaves_lower_levels_alone(qd_4725: RubricDefinition) -> None:
    rubric = with_condition(qd_4725, "II.1", "Mức 3")
    marks = full_marks(rubric)
    marks["II.1"] = Mark(Decimal(0), False)
    marks["II.3"] = Mark(Decimal(0))  # group II drops to 40 of 100: Mức 1 on its own

    result = outcome(rubric, marks, {})

    assert [g.level for g in result.groups] == ["Mức 3", "Mức 1"]


def test_the_review_decides_the_cap_a_passed_condition_has_none(qd_4725: RubricDefinition) -> None:
    rubric = with_condition(qd_4725, "II.1", "Mức 3")
    own = full_marks(rubric)

    result = outcome(rubric, own, {"II.1": Mark(Decimal(0), False)})

    assert result.self_classification.label == "Mức 3"
    assert result.classification.label == "Mức 2"


def test_a_condition_without_a_level_follows_the_general_setting(qd_4725: RubricDefinition) -> None:
    rubric = with_condition(qd_4725, "II.1", "Mức 3").model_copy(
        update={"mandatory_failure": MandatoryFailure.CAP_LOWEST})
    marks = full_marks(rubric)
    marks["I.1"], marks["II.1"] = Mark(Decimal(0), False), Mark(Decimal(0), False)

    result = outcome(rubric, marks, {})

    assert [g.level for g in result.groups] == ["Mức 1", "Mức 2"]
    assert result.classification.label == "Mức 1"
    assert result.failed_conditions == ["I.1", "II.1"]


@pytest.mark.parametrize(("code", "level", "message"), [
    ("II.1", "Mức 4", "không có mức 'Mức 4'"),
    ("II.1", "Mức 1", "mức thấp nhất"),
    ("II.3", "Mức 3", "chỉ điều kiện bắt buộc"),
])
def test_a_condition_must_name_a_higher_level_of_its_group(qd_4725: RubricDefinition, code: str, level: str,
                                                           message: str) -> None:
    found = problems(with_condition(qd_4725, code, level))
    assert len(found) == 1 and found[0].field.endswith(".required_for_level")
    assert message in found[0].message and code in found[0].message


def test_a_condition_caps_the_class_of_a_rubric_classified_by_total() -> None:
    rubric = template_definition("seed-004-cntt").model_copy(deep=True)
    group = rubric.groups[0]
    first = group.criteria[0]
    group.criteria[0] = first.model_copy(
        update={"kind": CriterionKind.MANDATORY, "max_points": 0, "required_for_level": "Tốt"})
    group.criteria[1] = group.criteria[1].model_copy(
        update={"max_points": group.criteria[1].max_points + first.max_points})
    assert problems(rubric) == []
    marks = full_marks(rubric)
    assert outcome(rubric, marks, {}).classification.label == "Xuất sắc"

    marks[first.code] = Mark(Decimal(0), False)

    assert outcome(rubric, marks, {}).classification.label == "Khá"


def test_conditions_reasons_and_computed_criteria_survive_the_xlsx_round_trip(qd_4725: RubricDefinition) -> None:
    rubric = with_condition(qd_4725, "II.1", "Mức 3")
    group = rubric.groups[1]
    last = group.criteria[-1]
    group.criteria[-1] = last.model_copy(update={
        "kind": CriterionKind.COMPUTED,
        "computed": ComputedFrom(measure=ComputedMeasure.COUNT, levels=["Mức 2", "Mức 3"],
                                 campaign_kind="dx_self_assessment")})
    assert problems(rubric) == [] and rubric.review_reason_required

    assert from_xlsx(to_xlsx(rubric)) == rubric
