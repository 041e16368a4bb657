"""The status view as a spreadsheet people open in Excel: XLSX (targets + roll-up) or CSV (targets).

Built in memory (30,000 targets is a few MB); callers run it in a worker thread so the event loop stays free.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

import xlsxwriter

from edudx_common.timezone import describe_delay, format_vn, in_vietnam
from submissions.status.schemas import GROUP_BY_LABELS_VI, STATUS_LABELS_VI, WORKFLOW_LABELS_VI, ExportFormat, GroupBy

if TYPE_CHECKING:  # the service builds its files with this module
    from submissions.status.service import StatusReport, Tally, TargetLine

# (header, width in characters) of the targets sheet and of the CSV.
TARGET_COLUMNS = [
    ("STT", 6), ("Mã đơn vị", 14), ("Tên đơn vị", 40), ("Đơn vị quản lý", 30), ("Trạng thái", 15),
    ("Hạn nộp", 17), ("Nộp lần đầu", 17), ("Muộn", 14), ("Quá hạn", 14), ("Bước xử lý", 22),
    ("Nộp lần cuối", 17), ("Duyệt lúc", 17), ("Nội dung đã trả lời (%)", 12), ("Tự chấm", 10), ("Thẩm định", 10),
    ("Điểm cuối cùng", 10), ("Người thẩm định", 24), ("Ký số", 16), ("Xã/phường", 24),
]
GROUP_COLUMNS = [
    ("Đơn vị", 40), ("Mã", 14), ("Phải nộp", 10), ("Chưa bắt đầu", 13), ("Đang soạn", 11), ("Quá hạn", 10),
    ("Nộp đúng hạn", 13), ("Nộp muộn", 11), ("Bị trả lại", 11), ("Đã duyệt", 10), ("Đã nộp", 10),
    ("Hoàn thành (%)", 15), ("Đúng hạn (%)", 14),
]
DATE_FORMAT = "dd/mm/yyyy hh:mm"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_UNSAFE_FILENAME = re.compile(r'[\x00-\x1f\x7f"*/:<>?\\|]+')
_NOT_ASCII_WORD = re.compile(r"[^a-z0-9.]+")


def build(report: StatusReport, fmt: ExportFormat) -> bytes:
    return xlsx(report) if fmt == ExportFormat.XLSX else csv_bytes(report)


def xlsx(report: StatusReport) -> bytes:
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {
        "in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
        "default_date_format": DATE_FORMAT,
    })
    workbook.set_properties({"title": f"Tình hình nộp báo cáo - {report.campaign.title}",
                             "company": report.campaign.issuer_name})
    header = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True,
                                  "valign": "vcenter"})
    _targets_sheet(workbook, report, header)
    _groups_sheet(workbook, report, header)
    workbook.close()
    return buffer.getvalue()


def _targets_sheet(workbook: Any, report: StatusReport, header: Any) -> None:
    sheet = workbook.add_worksheet("Đơn vị")
    for i, (title, width) in enumerate(_columns(TARGET_COLUMNS, 3, report)):
        sheet.set_column(i, i, width)
        sheet.write_string(0, i, title, header)
    for r, values in enumerate(_target_values(report, local_time), start=1):
        sheet.write_row(r, 0, values)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(len(report.lines), 1), len(TARGET_COLUMNS) - 1)


def _groups_sheet(workbook: Any, report: StatusReport, header: Any) -> None:
    sheet = workbook.add_worksheet("Tổng hợp")
    bold = workbook.add_format({"bold": True})
    tenth = workbook.add_format({"num_format": "0.0"})
    bold_tenth = workbook.add_format({"bold": True, "num_format": "0.0"})
    sheet.write_string(0, 0, f"Tình hình nộp báo cáo: {report.campaign.title}", bold)
    sheet.write_string(1, 0, f"Đơn vị tổng hợp: {report.group_unit.name}" if report.group_by == GroupBy.CHILD
                       else f"Nhóm theo: {GROUP_BY_LABELS_VI[report.group_by].lower()}")
    sheet.write_string(2, 0, f"Tính đến: {format_vn(report.as_of)} (hạn chung {format_vn(report.campaign.due_at)})")
    top = 4
    for i, (title, width) in enumerate(_columns(GROUP_COLUMNS, 0, report)):
        sheet.set_column(i, i, width)
        sheet.write_string(top, i, title, header)
    row = top
    for row, group in enumerate(report.groups, start=top + 1):
        _tally_row(sheet, row, group.label, group.code or "", group.tally, None, tenth)
    _tally_row(sheet, row + 1, "Tổng cộng", "", report.totals, bold, bold_tenth)
    sheet.freeze_panes(top + 1, 1)


def _columns(columns: list[tuple[str, int]], group_column: int, report: StatusReport) -> list[tuple[str, int]]:
    """The column of each row's group is titled by what groups are: the managing unit, or the attribute."""
    if report.group_by == GroupBy.CHILD:
        return columns
    titled = list(columns)
    titled[group_column] = (GROUP_BY_LABELS_VI[report.group_by], columns[group_column][1])
    return titled


def _tally_row(sheet: Any, row: int, name: str, code: str, tally: Tally, fmt: Any, percent_fmt: Any) -> None:
    counts = tally.counts()
    values = [name, code, counts.targets, counts.not_started, counts.draft, counts.overdue,
              counts.submitted_on_time, counts.submitted_late, counts.returned, counts.approved, counts.submitted]
    sheet.write_row(row, 0, values, fmt)
    for col, value in enumerate((counts.completeness, counts.timeliness), start=len(values)):
        if value is None:
            sheet.write_blank(row, col, None, percent_fmt)
        else:
            sheet.write_number(row, col, value, percent_fmt)


def csv_bytes(report: StatusReport) -> bytes:
    """UTF-8 with a byte-order mark, so Excel reads the Vietnamese text right when the file is double-clicked."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow([title for title, _ in _columns(TARGET_COLUMNS, 3, report)])
    for values in _target_values(report, text_time):
        writer.writerow([_neutral(v) if isinstance(v, str) else v for v in values])
    return text.getvalue().encode("utf-8-sig")


def _target_values(report: StatusReport, when: Any) -> Iterator[list[Any]]:
    for n, line in enumerate(report.lines, start=1):
        row = line.row
        yield [
            n, row.unit_code, row.unit_name, report.managing_name(line), STATUS_LABELS_VI[line.status],
            when(row.due_at), when(row.first_submitted_at), _delay(row.late_seconds), _delay(line.overdue_seconds),
            _workflow_label(line), when(row.last_submitted_at), when(row.approved_at),
            row.completeness, row.self_score, row.review_score, row.final_score, row.reviewer_name or "",
            _signature_label(report, line), row.commune_name or "",
        ]


def _signature_label(report: StatusReport, line: TargetLine) -> str:
    signature = report.signatures.get(line.row.submission_id) if line.row.submission_id else None
    return signature.label if signature is not None else ""


def local_time(value: datetime | None) -> datetime | None:
    """Excel has no time zones: write the Vietnam wall-clock time."""
    return in_vietnam(value).replace(tzinfo=None) if value is not None else None


def text_time(value: datetime | None) -> str:
    return format_vn(value) if value is not None else ""


def _delay(seconds: int | None) -> str:
    return describe_delay(seconds) if seconds else ""


def _workflow_label(line: TargetLine) -> str:
    status = line.workflow_status
    return WORKFLOW_LABELS_VI[status] if status is not None else "Chưa mở báo cáo"


def _neutral(value: str) -> str:
    """A cell starting like a formula is read as text (CSV injection)."""
    return f"'{value}" if value.startswith(_FORMULA_START) else value


# --- file name -----------------------------------------------------------------------------------------


def filename(report: StatusReport, fmt: ExportFormat) -> str:
    title = _UNSAFE_FILENAME.sub("-", report.campaign.title).strip(" .-")[:120]
    return f"Tình hình nộp báo cáo - {title} - {in_vietnam(report.as_of):%d-%m-%Y}.{fmt.value}"
