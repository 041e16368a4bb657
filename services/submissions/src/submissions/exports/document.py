"""What a printable report is made of: plain, immutable data, ready to print.

The submissions service fills a `PrintableReport` from a submission and its campaign's outline; the
renderers in `docx.py` and `pdf.py` know nothing else (no database, no HTTP). Every text here is the
user's or the authority's own words: the renderers escape it and never interpret it as markup.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass


@dataclass(frozen=True)
class TableValue:
    columns: list[str]
    """Column headers."""
    rows: list[list[object]]
    """Cells: str, int, float, bool, datetime.date or None (an empty cell)."""


@dataclass(frozen=True)
class FieldValue:
    """One answered (or unanswered) field of the outline."""

    label: str
    """E.g. "Số phòng máy tính"."""
    kind: str
    """rich_text | text | number | integer | boolean | date | choice | url | table"""
    value: object
    """rich_text: plain text with newlines and "- " bullets (may be empty); text/url: str; number/integer:
    int or float; boolean: bool; date: datetime.date; choice: str, or list[str] when several are chosen;
    table: `TableValue`. None, empty text, an empty list or a table without rows print "(chưa trả lời)"."""
    unit: str | None = None
    """E.g. "phòng", "%"."""


@dataclass(frozen=True)
class Section:
    number: str
    """"1", "2", "4a"."""
    title: str
    fields: list[FieldValue]
    subsections: list[Section]


@dataclass(frozen=True)
class PrintableReport:
    governing_body: str
    """The managing unit, printed above the unit name (upper-cased by the renderer),
    e.g. "UBND THÀNH PHỐ THỦ DẦU MỘT" or "Phòng GDĐT Thủ Dầu Một"."""
    unit_name: str
    """The reporting unit, e.g. "Trường THCS Hòa Bình" (upper-cased and bold in the header)."""
    document_number: str
    """E.g. "Số: 12/BC-THCSHB", or "Số:      /BC-THCSHB" with the number left blank to fill by hand."""
    place: str
    """E.g. "Long Hồ" — printed before ", ngày … tháng … năm …"."""
    date: datetime.date | None
    """None leaves "ngày … tháng … năm …" blank for handwriting."""
    title: str
    """"BÁO CÁO"."""
    subtitle: str
    """E.g. "Công tác ứng dụng công nghệ thông tin và thống kê giáo dục năm học 2021-2022"."""
    legal_basis: list[str]
    """"Căn cứ Công văn số 1206/PGDĐT ngày 12/10/2021 …" lines."""
    sections: list[Section]
    recipients: list[str]
    """"Nơi nhận:" lines, e.g. ["Phòng GDĐT (để báo cáo);", "Lưu: VT."]; "- " is added when missing."""
    signer_title: str
    """E.g. "HIỆU TRƯỞNG", or "KT. HIỆU TRƯỞNG\nPHÓ HIỆU TRƯỞNG" (one line each, upper-cased)."""
    signer_name: str | None
    """Printed under the space for the signature and seal, or None."""
    status_note: str | None
    """E.g. "Bản nộp lần 2, 10/06/2022 15:30 (nộp muộn 2 giờ)": small print in every page's footer."""
