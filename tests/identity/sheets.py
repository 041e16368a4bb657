"""Import files built in memory: XLSX through XlsxWriter (what Excel writes), CSV as text."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass

import xlsxwriter

UNIT_HEADER = ["STT", "Mã trường", "Tên trường", "Loại đơn vị", "Cấp học", "Đơn vị quản lý", "Địa chỉ",
               "E-mail đầu mối", "Điện thoại"]
USER_HEADER = ["Họ và tên", "E-mail", "Điện thoại", "Mã đơn vị", "Vai trò"]

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Number:
    """A numeric cell, optionally shown through a number format such as '0000000000'."""

    value: float
    format: str | None = None


Cell = str | int | float | Number | None


def xlsx(rows: Sequence[Sequence[Cell]], *, title: str | None = None) -> bytes:
    """A workbook whose first sheet holds `rows` (the first one being the header), under an optional title row."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False})
    sheet = workbook.add_worksheet("Danh sách")
    formats: dict[str, object] = {}
    offset = 0
    if title:
        sheet.write_string(0, 0, title)
        offset = 1
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, Number):
                fmt = None
                if value.format:
                    fmt = formats.setdefault(value.format, workbook.add_format({"num_format": value.format}))
                sheet.write_number(r + offset, c, value.value, fmt)
            elif isinstance(value, int | float):
                sheet.write_number(r + offset, c, value)
            else:
                sheet.write_string(r + offset, c, value)
    workbook.close()
    return buffer.getvalue()


def csv_bytes(rows: Sequence[Sequence[Cell]], *, delimiter: str = ",", bom: bool = True) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, delimiter=delimiter, lineterminator="\r\n")
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return ("\ufeff" if bom else "").encode() + text.getvalue().encode("utf-8")


def school_rows(count: int, *, prefix: str = "79", parent_code: str = "") -> list[list[Cell]]:
    """`count` school rows in UNIT_HEADER's layout, with varied (and combined) education levels."""
    levels = ["Mầm non", "Tiểu học", "THCS", "THPT", "TH&THCS", "THCS, THPT", "Liên cấp TH, THCS và THPT"]
    kinds = ["Trường Mầm non", "Trường Tiểu học", "Trường THCS", "Trường THPT", "Trường TH&THCS", "Trường THCS&THPT",
             "Trường Liên cấp"]
    return [
        [i, f"{prefix}{i:04d}", f"{kinds[i % 7]} Số {i}", "Trường", levels[i % 7], parent_code,
         f"Ấp {i}, xã Hòa Bình", f"c{prefix}{i:04d}@vinhlong.edu.vn", f"0270 38{i:05d}"]
        for i in range(1, count + 1)
    ]
