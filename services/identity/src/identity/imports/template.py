"""The XLSX template an import offers for download, written from the same column definitions the parser reads:
the header row is exactly what the parser accepts, so the template can never drift from the importer."""

from __future__ import annotations

import io
from collections.abc import Sequence

import xlsxwriter

from identity.imports.spreadsheet import Column, shown_aliases

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATA_SHEET = "Dữ liệu"
HELP_SHEET = "Hướng dẫn"


def build_template(columns: Sequence[Column], *, title: str) -> bytes:
    """A workbook with the header on the first sheet (where the parser reads) and, on a second sheet, how to
    fill each column, whether it is required, the other names accepted for it and an example."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False,
                                            "strings_to_urls": False, "strings_to_numbers": False})
    workbook.set_properties({"title": title})
    required = workbook.add_format({"bold": True, "bg_color": "#FCE4D6", "border": 1, "text_wrap": True})
    optional = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True})
    text = workbook.add_format({"num_format": "@"})  # codes such as 0790001 keep their zeros
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})

    data = workbook.add_worksheet(DATA_SHEET)
    for index, column in enumerate(columns):
        data.set_column(index, index, max(14, len(column.label) + 4), text)
        data.write_string(0, index, column.label, required if column.required else optional)
        if column.hint:
            data.write_comment(0, index, column.hint, {"x_scale": 2, "y_scale": 1.5})
    data.freeze_panes(1, 0)

    guide = workbook.add_worksheet(HELP_SHEET)
    guide.set_column(0, 0, 26)
    guide.set_column(1, 1, 10)
    guide.set_column(2, 3, 50)
    guide.set_column(4, 4, 30)
    guide.write_string(0, 0, title, workbook.add_format({"bold": True, "font_size": 13}))
    guide.write_string(1, 0, f"Nhập dữ liệu vào trang '{DATA_SHEET}', mỗi dòng một mục, từ dòng 2. Cột tô cam là "
                             "bắt buộc. Có thể đổi thứ tự cột, xoá cột không bắt buộc, hoặc dùng tên cột khác được "
                             "chấp nhận (không phân biệt dấu, chữ hoa).")
    for index, heading in enumerate(("Cột", "Bắt buộc", "Cách ghi", "Tên cột khác được chấp nhận", "Ví dụ")):
        guide.write_string(3, index, heading, optional)
    for row, column in enumerate(columns, start=4):
        guide.write_string(row, 0, column.label, wrap)
        guide.write_string(row, 1, "Có" if column.required else "Không", wrap)
        guide.write_string(row, 2, column.hint, wrap)
        guide.write_string(row, 3, ", ".join(shown_aliases(column)), wrap)
        guide.write_string(row, 4, column.example, wrap)
    workbook.close()
    return buffer.getvalue()
