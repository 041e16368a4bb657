"""The PDF export: text that can be searched, fonts that travel with the file, nothing injected or fetched."""

from __future__ import annotations

import io
import unicodedata
from typing import Any

import pytest
from pypdf import PageObject, PdfReader

from submissions.exports import FieldValue, Section, render_pdf
from submissions.exports.pdf import _NoFetching, report_html
from tests.submissions.printable_sample import make_report

MARGIN_PT = 72 / 2.54 * 2  # the 2 cm top and bottom margins


@pytest.fixture(scope="module")
def pdf() -> bytes:
    return render_pdf(make_report())


def _pages(data: bytes) -> list[str]:
    """Each page's text, NFC, with every run of white space (line breaks included) as one space."""
    reader = PdfReader(io.BytesIO(data))
    return [" ".join(unicodedata.normalize("NFC", page.extract_text()).split()) for page in reader.pages]


def test_is_an_a4_pdf(pdf: bytes) -> None:
    assert pdf.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)
    assert reader.metadata is not None
    assert reader.metadata.title == (
        "BÁO CÁO Công tác ứng dụng công nghệ thông tin và thống kê giáo dục năm học 2021-2022")


def test_text_is_extractable_with_its_diacritics(pdf: bytes) -> None:
    text = " ".join(_pages(pdf))
    for expected in (
        "PHÒNG GDĐT THỦ DẦU MỘT",
        "TRƯỜNG THCS HÒA BÌNH",
        "Số: 12/BC-THCSHB",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Thủ Dầu Một, ngày 09 tháng 6 năm 2022",
        "BÁO CÁO",
        "Căn cứ Công văn số 1206/PGDĐT ngày 12/10/2021",
        "1. Ứng dụng CNTT trong đổi mới phương pháp dạy - học",
        "4a. Kết quả thực hiện các kế hoạch",
        "- Tổ chức dạy học trực tuyến trên hệ thống K12Online",
        "+ Khối 7, 8, 9: 36 lớp, tỉ lệ chuyên cần bình quân 96,5%;",
        "Phần mềm quản lý đang sử dụng: Phần mềm quản lý trường học; Sổ điểm điện tử; Học bạ điện tử",
        "Kinh phí đầu tư CNTT trong năm: 1.234,5 triệu đồng",
        "Có tổ chức kiểm tra, đánh giá trực tuyến / trắc nghiệm trên máy: Có",
        "Hoàn thành cập nhật CSDL ngành đúng hạn: Không",
        "Tỉ lệ CBQL, giáo viên biết sử dụng CNTT trong công tác: 100%",
        "https://thcshoabinh.k12online.vn/lop-hoc?nam-hoc=2021-2022&khoi=6",
        "Thu phí không dùng tiền mặt: (chưa trả lời)",
        "Hạng mục Số lượng Ghi chú",
        "Máy chiếu / màn hình tương tác 42 Trang bị năm 2021 & 2022",
        "Nơi nhận:",
        "- Lưu: VT.",
        "HIỆU TRƯỞNG",
        "(Ký tên, đóng dấu)",
        "Nguyễn Văn An",
    ):
        assert expected in text


def test_answers_with_markup_print_literally(pdf: bytes) -> None:
    text = " ".join(_pages(pdf))
    assert "thẻ <script>alert('x')</script> & ký tự \"đặc biệt\"" in text
    html = report_html(make_report())
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; ký tự &#34;đặc biệt&#34;" in html


def test_markup_in_every_text_slot_is_escaped() -> None:
    evil = '<img src="file:///etc/hostname"><link rel="stylesheet" href="http://127.0.0.1:9/x.css">'
    report = make_report(unit_name=evil, governing_body=evil, place=evil, subtitle=evil, legal_basis=[evil],
                         recipients=[evil], signer_title=evil, signer_name=evil, status_note=evil,
                         document_number=evil, sections=[Section(evil, evil, [
                             FieldValue(evil, "table", None),
                             FieldValue(evil, "url", evil),
                             FieldValue(evil, "choice", [evil]),
                         ], [])])
    html = report_html(report)
    assert "<img" not in html and "<link" not in html
    text = " ".join(_pages(render_pdf(report)))
    assert '<img src="file:///etc/hostname">' in text


def test_renderer_fetches_nothing() -> None:
    with pytest.raises(ValueError, match="disallowed protocol"):
        _NoFetching().fetch("file:///etc/hostname")


def test_fonts_are_embedded(pdf: bytes) -> None:
    reader = PdfReader(io.BytesIO(pdf))
    fonts: dict[str, Any] = {}
    for page in reader.pages:
        resources: Any = page["/Resources"]
        for reference in resources["/Font"].values():
            font = reference.get_object()
            fonts[font["/BaseFont"]] = font
    assert fonts
    for name, font in fonts.items():
        descriptor = (font["/DescendantFonts"][0].get_object() if font["/Subtype"] == "/Type0" else font)
        descriptor = descriptor["/FontDescriptor"].get_object()
        assert {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor.keys()), f"{name} is not embedded"


def _margin_texts(page: PageObject) -> tuple[str, str]:
    """The text drawn in the page's top and bottom 2 cm (the margins), each joined by spaces."""
    top: list[str] = []
    bottom: list[str] = []

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]  # points from the bottom of the page
        if text.strip() and y > float(page.mediabox.top) - MARGIN_PT:
            top.append(text.strip())
        elif text.strip() and y < MARGIN_PT:
            bottom.append(text.strip())

    page.extract_text(visitor_text=visit)
    return " ".join(top), " ".join(bottom)


def test_page_numbers_from_page_two_and_status_note_on_every_page(pdf: bytes) -> None:
    pages = PdfReader(io.BytesIO(pdf)).pages
    assert len(pages) >= 2
    margins = [_margin_texts(page) for page in pages]
    assert [top for top, _ in margins] == ["", *(str(number) for number in range(2, len(pages) + 1))]
    assert all(bottom == "Bản nộp lần 2, 10/06/2022 15:30 (nộp muộn 2 giờ)" for _, bottom in margins)


def test_blank_number_and_date_to_fill_by_hand() -> None:
    report = make_report(document_number="Số:      /BC-THCSHB", date=None, signer_name=None, status_note=None)
    text = " ".join(_pages(render_pdf(report)))
    assert "Số: /BC-THCSHB" in text
    assert "Thủ Dầu Một, ngày …… tháng …… năm ……" in text
    assert "Bản nộp" not in text
    assert '<td class="left number">Số:      /BC-THCSHB</td>' in report_html(report)
