"""A draft's completeness (share of required answers given), counted on every autosave without building the
submit's messages: it must agree with what the submit's checklist finds missing."""

from __future__ import annotations

import copy
from typing import Any

from submissions.outlines.schemas import OutlineDefinition, walk_sections
from submissions.outlines.seed import SEED_004_DEFINITION
from submissions.outlines.validation import missing_required
from submissions.workflow.service.drafts import completeness
from tests.submissions.builders import FULL_ANSWERS


def _outline() -> OutlineDefinition:
    """Seed 004 with its infrastructure table required and needing two rows."""
    definition = copy.deepcopy(SEED_004_DEFINITION)
    stack = list(definition["sections"])
    while stack:
        section = stack.pop()
        stack.extend(section.get("sections", []))
        for field in section.get("fields", []):
            if field["id"] == "s4_infrastructure":
                field["required"], field["min_rows"] = True, 2
    return OutlineDefinition.model_validate(definition)


def _as_the_checklist_counts(outline: OutlineDefinition, content: dict[str, Any]) -> int:
    required = {f.id for s in walk_sections(outline.sections) for f in s.fields if f.required}
    missing = {problem.field for problem in missing_required(outline, content)} & required
    return round(100 * (len(required) - len(missing)) / len(required))


def test_completeness_agrees_with_the_checklist_for_every_kind_of_gap() -> None:
    outline = _outline()
    row = FULL_ANSWERS["s4_infrastructure"][0]
    contents: list[dict[str, Any]] = [{}, dict(FULL_ANSWERS),
                                      {**FULL_ANSWERS, "s4_infrastructure": [row, {**row, "item": ""}]}]
    for field_id in FULL_ANSWERS:  # each answer missing, blank, or emptied in turn
        contents.append({k: v for k, v in FULL_ANSWERS.items() if k != field_id})
        blank = "   " if isinstance(FULL_ANSWERS[field_id], str) else [] if isinstance(
            FULL_ANSWERS[field_id], list) else None
        contents.append({**FULL_ANSWERS, field_id: blank})
    contents.append({**FULL_ANSWERS, "s4_infrastructure": [row]})  # one row, two needed
    contents.append({"s3_posts": 3, "s4_infrastructure": [row, row, row]})

    found = [(completeness(outline, content), _as_the_checklist_counts(outline, content)) for content in contents]

    assert [mine for mine, _ in found] == [theirs for _, theirs in found]
    assert {mine for mine, _ in found} > {0, 100}  # gaps of every size were seen, not only full and empty
    # Asked again (the outline's field index is built once), the same answers.
    assert [completeness(outline, content) for content in contents] == [mine for mine, _ in found]


def test_an_outline_requiring_nothing_is_always_complete() -> None:
    outline = OutlineDefinition.model_validate({"sections": [{"number": "1", "title": "Ghi chú", "fields": [
        {"id": "note", "label": "Ghi chú", "kind": "text"}]}]})

    assert completeness(outline, {}) == 100
