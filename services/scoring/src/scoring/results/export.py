"""Results as a workbook in the layout authorities already use: a summary sheet of every unit, and on request
one sheet per unit (sheets.export: STT | Nội dung | Điểm chuẩn | Tự chấm | Điểm thẩm định | Minh chứng); or the
summary alone as CSV. The summary shows the self, review and final totals apart (final = the review where given, the
self-score elsewhere). The group column is the sub-authority, or the commune, clusters or levels the results are
grouped by.

The workbook with unit sheets is written by xlsxwriter row by row (constant memory); the summary alone, the
national-scale download, by streamed_xlsx (one string per row, several times faster).
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import xlsxwriter

from scoring.results import streamed_xlsx
from scoring.results.listing import GroupBy
from scoring.results.sector_export import csv_cell
from scoring.rubrics.definition import RubricDefinition
from scoring.sheets.calculation import SheetOutcome
from scoring.sheets.export import XLSX_MEDIA_TYPE as XLSX_MEDIA_TYPE
from scoring.sheets.export import sheet_name, write_row, write_unit_sheet

if TYPE_CHECKING:  # the service builds the summary lines this module writes, and imports it
    from scoring.results.computation import Computation

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
GROUP_TITLES = {GroupBy.CHILD: "Đơn vị quản lý", GroupBy.COMMUNE: "Xã/phường", GroupBy.CLUSTER: "Cụm trường",
                GroupBy.LEVEL: "Cấp học"}
SUMMARY_SHEET = "Tổng hợp"
SUMMARY_FROZEN = (1, 2)  # the header row and the STT and unit columns


@dataclass(frozen=True)
class SummaryLine:
    """One unit on the summary sheet, however it was computed."""

    unit_name: str
    group_name: str | None
    self_total: Decimal
    review_total: Decimal | None  # None: no criterion review-scored
    final_total: Decimal
    group_levels: Sequence[str | None]
    classification: str | None
    rank: int | None
    tied: bool
    previous_total: Decimal | None
    previous_classification: str | None
    submission_status: str


def _summary_columns(definition: RubricDefinition, ranking: bool, with_previous: bool,
                     group_by: GroupBy = GroupBy.CHILD) -> list[tuple[str, int]]:
    columns = [("STT", 6), ("Đơn vị", 40), (GROUP_TITLES[group_by], 28), ("Tự chấm", 10), ("Thẩm định", 10),
               ("Điểm cuối cùng", 12)]
    columns += [(f"Nhóm {g.code}", 12) for g in definition.groups] if definition.mode.value == "group_levels" else []
    columns += [("Xếp loại", 14)] + ([("Thứ hạng", 10)] if ranking else [])
    columns += [("Năm học trước", 14), ("Xếp loại năm trước", 16)] if with_previous else []
    return [*columns, ("Trạng thái", 14)]


STATUS_LABELS = {"submitted": "Đã nộp", "under_review": "Đang thẩm định", "returned": "Trả lại",
                 "resubmitted": "Nộp lại", "forwarded": "Chuyển cấp trên", "approved": "Đã duyệt"}


def results_xlsx(computation: Computation, *, unit_outcomes: Mapping[uuid.UUID, SheetOutcome] | None = None,
                 evidence: Mapping[uuid.UUID, Mapping[str, Sequence[str]]] | None = None,
                 group_by: GroupBy = GroupBy.CHILD) -> bytes:
    """`unit_outcomes`: per submission, its full outcome, to add one sheet per unit; `evidence`: per submission,
    the catalogue codes of each criterion's evidence (for those sheets)."""
    buffer = io.BytesIO()
    workbook = _workbook(buffer, computation.campaign.title)
    header, points = _formats(workbook)
    ranking = computation.ranking_enabled
    definition = computation.definition
    ordered = sorted(computation.results, key=lambda r: (r.rank or 0, r.sheet.unit_name))
    _summary_sheet(workbook, definition, ranking, computation.previous is not None, group_by, header, points, (
        SummaryLine(unit_name=r.sheet.unit_name, group_name=r.group_name, self_total=r.outcome.self_total,
                    review_total=r.outcome.review_total, final_total=r.outcome.final_total,
                    group_levels=[g.level for g in r.outcome.groups],
                    classification=r.outcome.classification.label, rank=r.rank, tied=r.tied,
                    previous_total=r.previous_total, previous_classification=r.previous_classification,
                    submission_status=r.sheet.submission_status)
        for r in ordered), len(ordered))
    if unit_outcomes is not None:
        used: set[str] = {SUMMARY_SHEET}
        for result in ordered:
            unit_sheet = workbook.add_worksheet(sheet_name(result.sheet.unit_name, used))
            codes = (evidence or {}).get(result.sheet.submission_id, {})
            write_unit_sheet(unit_sheet, definition, unit_outcomes[result.sheet.submission_id], header, points,
                             evidence_codes=codes)
    workbook.close()
    return buffer.getvalue()


def summary_xlsx(title: str, definition: RubricDefinition, *, ranking: bool, with_previous: bool,
                 lines: Iterable[SummaryLine], count: int, group_by: GroupBy = GroupBy.CHILD) -> bytes:
    """The summary sheet alone, from lines already in order (results at national scale: the lines come from the
    ranked SQL query), written as XML text row by row (streamed_xlsx): the same cells, header and layout as
    `results_xlsx`'s summary sheet, several times faster than xlsxwriter at 50,000 units. `count`: how many lines
    (the caller knows it; kept for the callers)."""
    columns, levels = _summary_columns(definition, ranking, with_previous, group_by), _with_levels(definition)
    rows = [_summary_cells(levels, ranking, with_previous, number, line) for number, line in enumerate(lines, start=1)]
    return streamed_xlsx.single_sheet_xlsx(title=f"Kết quả - {title}", sheet=SUMMARY_SHEET, columns=columns,
                                           rows=rows, frozen=SUMMARY_FROZEN)


def summary_csv(definition: RubricDefinition, *, ranking: bool, with_previous: bool, lines: Iterable[SummaryLine],
                group_by: GroupBy = GroupBy.CHILD) -> bytes:
    """The summary sheet's columns and lines as CSV (UTF-8 with a BOM, so that Excel reads the diacritics)."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow([title for title, _ in _summary_columns(definition, ranking, with_previous, group_by)])
    levels = _with_levels(definition)
    for number, line in enumerate(lines, start=1):
        writer.writerow(["" if cell is None else csv_cell(cell)
                         for cell in _summary_cells(levels, ranking, with_previous, number, line)])
    return text.getvalue().encode("utf-8-sig")


def _workbook(buffer: io.BytesIO, title: str) -> Any:
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "constant_memory": True,
                                            "strings_to_formulas": False, "strings_to_urls": False,
                                            "strings_to_numbers": False})
    workbook.set_properties({"title": f"Kết quả - {title}"})
    return workbook


def _formats(workbook: Any) -> tuple[Any, Any]:
    header = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True,
                                  "valign": "vcenter"})
    return header, workbook.add_format({"num_format": "0.##"})


def _with_levels(definition: RubricDefinition) -> bool:
    return definition.mode.value == "group_levels"


def _summary_cells(with_levels: bool, ranking: bool, with_previous: bool, number: int,
                   line: SummaryLine) -> list[Any]:
    """`with_levels`: the rubric's mode shows each group's level (asked once per file, not per line)."""
    cells: list[Any] = [number, line.unit_name, line.group_name, line.self_total, line.review_total,
                        line.final_total]
    if with_levels:
        cells += list(line.group_levels)
    cells += [line.classification]
    if ranking:
        cells += [f"{line.rank} (đồng hạng)" if line.tied else line.rank]
    if with_previous:
        cells += [line.previous_total, line.previous_classification]
    return [*cells, STATUS_LABELS.get(line.submission_status, line.submission_status)]


def _summary_sheet(workbook: Any, definition: RubricDefinition, ranking: bool, with_previous: bool,
                   group_by: GroupBy, header: Any, points: Any, lines: Iterable[SummaryLine], count: int) -> None:
    sheet = workbook.add_worksheet(SUMMARY_SHEET)
    columns, levels = _summary_columns(definition, ranking, with_previous, group_by), _with_levels(definition)
    for col, (title, width) in enumerate(columns):
        sheet.set_column(col, col, width)
        sheet.write_string(0, col, title, header)
    for row, line in enumerate(lines, start=1):
        write_row(sheet, row, _summary_cells(levels, ranking, with_previous, row, line), points)
    sheet.freeze_panes(*SUMMARY_FROZEN)
    sheet.autofilter(0, 0, max(count, 1), len(columns) - 1)
