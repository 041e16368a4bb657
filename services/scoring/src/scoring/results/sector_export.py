"""Published results in the exchange layout: one row per school, the columns schools and the sector database
(CSDL ngành) exchange — school code, name, education level, each group's points and level, total, overall level
or class, rank where published, school year, campaign and publication date. CSV (UTF-8 with a byte-order mark,
so Excel reads the Vietnamese) and XLSX, the same columns in the same order; docs/results-exchange.md describes
them. Built from the publication snapshot: the level is the authority's as announced.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from enum import StrEnum
from typing import Any

import xlsxwriter

from edudx_common.timezone import format_vn
from scoring.clients.identity import UnitBrief
from scoring.results.models import PublishedResult

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
LEVEL_NAMES = {"mam_non": "Mầm non", "tieu_hoc": "Tiểu học", "thcs": "THCS", "thpt": "THPT", "gdtx": "GDTX"}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class ExchangeFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"


def _group_codes(rows: Sequence[PublishedResult]) -> list[str]:
    codes: list[str] = []
    for row in rows:
        for group in row.group_levels:
            if group["code"] not in codes:
                codes.append(group["code"])
    return codes


def columns(rows: Sequence[PublishedResult]) -> list[str]:
    groups = [title for code in _group_codes(rows) for title in (f"Điểm nhóm {code}", f"Mức nhóm {code}")]
    return ["STT", "Mã trường", "Tên trường", "Cấp học", *groups, "Tổng điểm", "Mức / Xếp loại", "Thứ hạng",
            "Năm học", "Đợt đánh giá", "Ngày công bố"]


def _values(rows: Sequence[PublishedResult], units: Mapping[uuid.UUID, UnitBrief]) -> Iterator[list[Any]]:
    codes = _group_codes(rows)
    for n, row in enumerate(rows, start=1):
        unit = units.get(row.unit_id)
        by_code = {g["code"]: g for g in row.group_levels}
        groups: list[Any] = []
        for code in codes:
            group = by_code.get(code)
            groups += [Decimal(str(group["total"])), group["level"] or ""] if group else ["", ""]
        yield [n, unit.code if unit else "", row.unit_name,
               ", ".join(LEVEL_NAMES.get(level, level) for level in unit.education_levels) if unit else "",
               *groups, Decimal(row.final_total), row.classification or "", row.rank if row.rank is not None else "",
               row.school_year or "", row.campaign_title, format_vn(row.published_at, with_time=False)]


def csv_cell(value: Any) -> Any:
    """Points as plain decimals with a dot ('91', '89.75': the file is read by programs too); a text cell
    starting like a formula is kept as text (CSV injection)."""
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    return f"'{value}" if isinstance(value, str) and value.startswith(_FORMULA_START) else value


def csv_bytes(rows: Sequence[PublishedResult], units: Mapping[uuid.UUID, UnitBrief]) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(columns(rows))
    for values in _values(rows, units):
        writer.writerow([csv_cell(v) for v in values])
    return text.getvalue().encode("utf-8-sig")


def xlsx_bytes(rows: Sequence[PublishedResult], units: Mapping[uuid.UUID, UnitBrief]) -> bytes:
    out = io.BytesIO()
    workbook = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    sheet = workbook.add_worksheet("Kết quả")
    bold = workbook.add_format({"bold": True, "text_wrap": True})
    for col, title in enumerate(columns(rows)):
        sheet.write_string(0, col, title, bold)
        sheet.set_column(col, col, 40 if title in ("Tên trường", "Đợt đánh giá") else 14)
    for r, values in enumerate(_values(rows, units), start=1):
        for col, value in enumerate(values):
            if isinstance(value, int | Decimal):
                sheet.write_number(r, col, float(value))
            else:
                sheet.write_string(r, col, value)  # codes stay text: '86702001' never becomes a number
    sheet.freeze_panes(1, 0)
    workbook.close()
    return out.getvalue()
