"""The evidence catalogue (danh mục minh chứng) as a spreadsheet people open in Excel.

Built in memory (a catalogue is at most a few hundred rows); callers run it in a worker thread.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import xlsxwriter

from edudx_common.timezone import in_vietnam
from evidence.files.schemas import EvidenceRead

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHEET_NAME = "Danh mục minh chứng"
# (header, width in characters)
COLUMNS = [
    ("Mã minh chứng", 18), ("Tiêu chí", 12), ("Tên minh chứng", 45), ("Tệp/Liên kết", 45), ("Kích thước", 12),
    ("Người tải lên", 26), ("Thời gian", 17), ("Trạng thái thẩm định", 20), ("Lý do", 45), ("Ghi chú", 30),
]
REVIEW_LABELS_VI = {
    "pending": "Chưa thẩm định",
    "accepted": "Đạt",
    "insufficient": "Chưa đầy đủ",
    "wrong": "Không đúng",
}
DATE_FORMAT = "dd/mm/yyyy hh:mm"


def human_size(size: int | None) -> str:
    """'850 B', '12,3 KB', '4,5 MB' (decimal units, as the upload limits are stated; Vietnamese decimal comma)."""
    if size is None:
        return ""
    if size < 1000:
        return f"{size} B"
    for unit, factor in (("KB", 1e3), ("MB", 1e6), ("GB", 1e9)):
        if size < factor * 1000 or unit == "GB":
            return f"{size / factor:.1f} {unit}".replace(".", ",")
    raise AssertionError("unreachable")


def replacement_notes(items: Sequence[EvidenceRead]) -> dict[str, str]:
    """Item id → 'Đã thay bằng H2.1-02' / 'Thay cho H2.1-01', so a reviewer sees what a returned school changed."""
    codes = {item.id: ", ".join(item.codes) or item.title for item in items}
    notes: dict[str, str] = {}
    for item in items:
        if item.replaced_by_id is not None and item.replaced_by_id in codes:
            notes[str(item.id)] = f"Đã thay bằng {codes[item.replaced_by_id]}"
        if item.replaces_id is not None and item.replaces_id in codes:
            notes[str(item.id)] = f"Thay cho {codes[item.replaces_id]}"
    return notes


def catalogue_xlsx(items: Sequence[EvidenceRead]) -> bytes:
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False,
                                            "strings_to_urls": False, "strings_to_numbers": False})
    workbook.set_properties({"title": SHEET_NAME})
    header = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True,
                                  "valign": "vcenter"})
    when = workbook.add_format({"num_format": DATE_FORMAT})
    sheet = workbook.add_worksheet(SHEET_NAME)
    notes = replacement_notes(items)
    for col, (title, width) in enumerate(COLUMNS):
        sheet.set_column(col, col, width)
        sheet.write_string(0, col, title, header)
    for row, item in enumerate(items, start=1):
        texts = [", ".join(item.codes), ", ".join(item.criterion_codes), item.title,
                 item.url or item.original_name or "", human_size(item.size), item.uploaded_by_name or item.uploaded_by]
        review = [REVIEW_LABELS_VI.get(item.review_state, item.review_state), item.review_reason or "",
                  notes.get(str(item.id), "")]
        for col, text in [*enumerate(texts), *enumerate(review, start=7)]:
            if text:  # empty cells stay blank, not empty strings
                sheet.write_string(row, col, text)
        sheet.write_datetime(row, 6, in_vietnam(item.created_at).replace(tzinfo=None), when)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(len(items), 1), len(COLUMNS) - 1)
    workbook.close()
    return buffer.getvalue()
