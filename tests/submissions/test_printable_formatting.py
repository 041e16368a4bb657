"""How values read on paper, and what the shared layout makes of a report's fields."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from submissions.exports import FieldValue, Section, TableValue
from submissions.exports.fonts import PDF_FALLBACK_FONT, choose_pdf_font
from submissions.exports.formatting import clean, date_line, format_cell, format_number, recipient_line
from submissions.exports.layout import Grid, Paragraph, body_blocks
from tests.submissions.printable_sample import make_report


@pytest.mark.parametrize(("value", "text"), [
    (1234.5, "1.234,5"),
    (1234, "1.234"),
    (0, "0"),
    (-1234567.25, "-1.234.567,25"),
    (0.1, "0,1"),
    (96.0, "96"),
    (Decimal("12.50"), "12,5"),
    (1 / 3, "0,333333"),
    (1e20, "100.000.000.000.000.000.000"),
])
def test_numbers_use_vietnamese_separators(value: float, text: str) -> None:
    assert format_number(value) == text


def test_cells_print_booleans_dates_and_blanks() -> None:
    assert format_cell(True) == "Có"
    assert format_cell(False) == "Không"
    assert format_cell(datetime.date(2022, 6, 9)) == "09/06/2022"
    assert format_cell(None) == ""
    assert format_cell(3) == "3"


@pytest.mark.parametrize(("date", "text"), [
    (datetime.date(2022, 6, 2), "Thủ Dầu Một, ngày 02 tháng 6 năm 2022"),
    (datetime.date(2022, 2, 15), "Thủ Dầu Một, ngày 15 tháng 02 năm 2022"),
    (datetime.date(2021, 10, 12), "Thủ Dầu Một, ngày 12 tháng 10 năm 2021"),
    (None, "Thủ Dầu Một, ngày …… tháng …… năm ……"),
])
def test_date_line_pads_as_the_decree_says(date: datetime.date | None, text: str) -> None:
    assert date_line("Thủ Dầu Một", date) == text


def test_recipients_get_a_dash_once() -> None:
    assert recipient_line("Lưu: VT.") == "- Lưu: VT."
    assert recipient_line("- Như trên;") == "- Như trên;"


def test_clean_drops_characters_xml_forbids() -> None:
    assert clean("a\x00b\x0bc\r\nd\x0c") == "abc\nd"


def _field_blocks(*fields: FieldValue) -> list[Paragraph | Grid]:
    report = make_report(legal_basis=[], sections=[Section("1", "Mục", list(fields), [])])
    return body_blocks(report)[1:]


def _texts(blocks: list[Paragraph | Grid]) -> list[str]:
    return ["".join(span.text for span in block.spans) for block in blocks if isinstance(block, Paragraph)]


def test_each_kind_prints_as_label_and_value() -> None:
    blocks = _field_blocks(
        FieldValue("Số phòng máy tính", "integer", 3.0, "phòng"),
        FieldValue("Tỉ lệ", "number", 97.5, "%"),
        FieldValue("Có cáp quang", "boolean", False),
        FieldValue("Ngày họp", "date", datetime.date(2022, 1, 5)),
        FieldValue("Phần mềm", "choice", ["SMAS", "", "vnEdu"]),
        FieldValue("Hình thức", "choice", "Toàn bộ các khoản"),
        FieldValue("Cổng thông tin", "url", "https://thcshoabinh.edu.vn/a?b=1&c=2"),
    )
    assert _texts(blocks) == [
        "Số phòng máy tính: 3 phòng",
        "Tỉ lệ: 97,5%",
        "Có cáp quang: Không",
        "Ngày họp: 05/01/2022",
        "Phần mềm: SMAS; vnEdu",
        "Hình thức: Toàn bộ các khoản",
        "Cổng thông tin: https://thcshoabinh.edu.vn/a?b=1&c=2",
    ]
    link = blocks[-1].spans[-1]  # type: ignore[union-attr]
    assert link.address and link.link == "https://thcshoabinh.edu.vn/a?b=1&c=2"


def test_only_web_addresses_become_links() -> None:
    (paragraph,) = _field_blocks(FieldValue("Địa chỉ", "url", "javascript:alert(1)"))
    assert isinstance(paragraph, Paragraph)
    assert paragraph.spans[-1].link is None


@pytest.mark.parametrize("value", [None, "", "  \n ", [], TableValue(["A"], [])])
def test_empty_answers_print_as_unanswered(value: object) -> None:
    (paragraph,) = _field_blocks(FieldValue("Ghi chú", "rich_text", value))
    assert isinstance(paragraph, Paragraph)
    assert _texts([paragraph]) == ["Ghi chú: (chưa trả lời)"]
    assert paragraph.spans[-1].unanswered


def test_rich_text_keeps_lines_and_bullets() -> None:
    blocks = _field_blocks(FieldValue("Kết quả", "rich_text", "Đầu đoạn:\r\n- một;\n\n  + hai;\n+ ba\nKết thúc."))
    kinds = [block.kind for block in blocks if isinstance(block, Paragraph)]
    assert _texts(blocks) == ["Kết quả:", "Đầu đoạn:", "- một;", "+ hai;", "+ ba", "Kết thúc."]
    assert kinds == ["text", "text", "item", "subitem", "subitem", "text"]


def test_tables_are_padded_to_a_rectangle() -> None:
    label, grid = _field_blocks(FieldValue("Hạ tầng", "table", TableValue(["Hạng mục", "Số lượng"], [
        ["Phòng máy", 3, "thừa"],
        ["Máy chiếu"],
    ])))
    assert _texts([label]) == ["Hạ tầng:"]
    assert isinstance(grid, Grid)
    assert grid.columns == ("Hạng mục", "Số lượng", "")
    assert [[cell.text for cell in row] for row in grid.rows] == [["Phòng máy", "3", "thừa"], ["Máy chiếu", "", ""]]
    assert grid.rows[0][1].numeric


def test_sections_without_content_say_so() -> None:
    report = make_report(legal_basis=[], sections=[Section("4", "Tổ chức", [], [Section("4a", "Kế hoạch", [], [])])])
    assert _texts(body_blocks(report)) == ["4. Tổ chức", "4a. Kế hoạch", "(chưa trả lời)"]


def test_pdf_font_prefers_a_times_like_family_with_vietnamese() -> None:
    assert choose_pdf_font({"DejaVu Serif", "Liberation Serif", "Noto Serif"}) == "Liberation Serif"
    assert choose_pdf_font({"DejaVu Serif", "DejaVu Serif Condensed"}) == "DejaVu Serif Condensed"
    assert choose_pdf_font(set()) == PDF_FALLBACK_FONT
