"""One unit's score sheet as a workbook in the layout schools and authorities already use (STT | Nội dung |
Điểm chuẩn | Tự chấm | Điểm thẩm định | Minh chứng); results.export puts the same sheet, one per unit, after its
summary."""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import xlsxwriter

from scoring.rubrics.definition import CriterionKind, RubricDefinition
from scoring.sheets.calculation import Mark, SheetOutcome

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
UNIT_COLUMNS = [("STT", 6), ("Nội dung", 70), ("Điểm chuẩn", 11), ("Tự chấm", 10), ("Điểm thẩm định", 12),
                ("Minh chứng", 30)]
_SHEET_NAME_UNSAFE = re.compile(r"[\[\]:*?/\\]")


def unit_xlsx(definition: RubricDefinition, outcome: SheetOutcome, unit_name: str,
              evidence_codes: Mapping[str, Sequence[str]]) -> bytes:
    """One unit's score sheet as its own workbook."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False,
                                            "strings_to_urls": False, "strings_to_numbers": False})
    header = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True,
                                  "valign": "vcenter"})
    points = workbook.add_format({"num_format": "0.##"})
    write_unit_sheet(workbook.add_worksheet(sheet_name(unit_name, set())), definition, outcome, header, points,
                     evidence_codes=evidence_codes)
    workbook.close()
    return buffer.getvalue()


def write_unit_sheet(sheet: Any, definition: RubricDefinition, outcome: SheetOutcome, header: Any, points: Any, *,
                     evidence_codes: Mapping[str, Sequence[str]]) -> None:
    for col, (title, width) in enumerate(UNIT_COLUMNS):
        sheet.set_column(col, col, width)
        sheet.write_string(0, col, title, header)
    by_code = {c.code: c for c in outcome.criteria}
    groups = {g.code: g for g in outcome.groups}
    row = 1
    for group in definition.groups:
        subtotal = groups[group.code]
        reviewed = any(by_code[c.code].review_mark for c in group.criteria)
        write_row(sheet, row, [group.code, group.title, group.max_points, subtotal.self_total,
                                subtotal.final_total if reviewed else None], points)
        row += 1
        for criterion in group.criteria:
            item = by_code[criterion.code]
            write_row(sheet, row, [criterion.code, criterion.text, criterion.max_points,
                                    _mark_cell(criterion.kind, item.self_mark),
                                    _mark_cell(criterion.kind, item.review_mark),
                                    ", ".join(evidence_codes.get(criterion.code, [])) or None], points)
            row += 1
    reviewed_any = outcome.reviewed_count > 0
    write_row(sheet, row, [None, "Tổng cộng", outcome.max_total, outcome.self_total,
                            outcome.final_total if reviewed_any else None], points)
    write_row(sheet, row + 1, [None, "Xếp loại", None, outcome.self_classification.label,
                                outcome.classification.label if reviewed_any else None], points)
    sheet.freeze_panes(1, 0)


def _mark_cell(kind: CriterionKind, mark: Mark | None) -> Any:
    if mark is None:
        return None
    if kind is CriterionKind.MANDATORY:
        return "Đạt" if mark.passed else "Chưa đạt"
    return mark.points


def write_row(sheet: Any, row: int, cells: Sequence[Any], points: Any) -> None:
    for col, value in enumerate(cells):
        if value is None:
            continue
        if isinstance(value, Decimal | float) and not isinstance(value, bool):
            sheet.write_number(row, col, float(value), points)
        elif isinstance(value, int) and not isinstance(value, bool):
            sheet.write_number(row, col, value)
        else:
            sheet.write_string(row, col, str(value))


def sheet_name(unit_name: str, used: set[str]) -> str:
    """Excel sheet names: at most 31 characters, none of []:*?/\\, unique (case-insensitively)."""
    base = _SHEET_NAME_UNSAFE.sub("-", unit_name).strip("' ")[:28] or "Đơn vị"
    name, n = base, 1
    while name.lower() in {u.lower() for u in used}:
        n += 1
        name = f"{base[:27 - len(str(n))]} ({n})"
    used.add(name)
    return name
