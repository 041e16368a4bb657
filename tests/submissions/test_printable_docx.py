"""The DOCX export, read back with python-docx as Word would open it."""

from __future__ import annotations

import io
import zipfile

import pytest
from docx import Document
from docx.document import Document as WordDocument
from docx.shared import Pt, RGBColor

from submissions.exports import FieldValue, Section, render_docx
from tests.submissions.printable_sample import make_report


@pytest.fixture(scope="module")
def document() -> WordDocument:
    return Document(io.BytesIO(render_docx(make_report())))


def _all_paragraphs(document: WordDocument) -> list[str]:
    texts = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                texts += [paragraph.text for paragraph in cell.paragraphs]
    return texts


def test_masthead_follows_the_decree(document: WordDocument) -> None:
    masthead = document.tables[0]
    left = [p.text for p in masthead.cell(0, 0).paragraphs if p.text]
    right = [p.text for p in masthead.cell(0, 1).paragraphs if p.text]
    assert left == ["PHÒNG GDĐT THỦ DẦU MỘT", "TRƯỜNG THCS HÒA BÌNH"]
    assert right == ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]
    assert masthead.cell(1, 0).text == "Số: 12/BC-THCSHB"
    assert masthead.cell(1, 1).text == "Thủ Dầu Một, ngày 09 tháng 6 năm 2022"
    unit = masthead.cell(0, 0).paragraphs[1].runs[0]
    assert unit.bold and unit.font.size == Pt(12)
    assert masthead.cell(1, 1).paragraphs[0].runs[0].italic
    # The rules under the unit name and the motto: bordered empty paragraphs.
    xml = masthead._tbl.xml
    assert xml.count("<w:pBdr>") == 2


def test_title_sections_and_answers(document: WordDocument) -> None:
    texts = [paragraph.text for paragraph in document.paragraphs]
    assert "BÁO CÁO" in texts
    assert "Công tác ứng dụng công nghệ thông tin và thống kê giáo dục năm học 2021-2022" in texts
    assert texts.count("Kết quả thực hiện:") >= 3
    for heading in ("1. Ứng dụng CNTT trong đổi mới phương pháp dạy - học và kiểm tra, đánh giá",
                    "2. Ứng dụng CNTT trong công tác quản lý, điều hành",
                    "4. Công tác tổ chức thực hiện nhiệm vụ CNTT",
                    "4c. Các phương hướng triển khai các Kế hoạch trong năm học 2022-2023"):
        assert heading in texts
        assert document.paragraphs[texts.index(heading)].runs[0].bold
    assert "- Triển khai học bạ số và chữ ký số cho 100% giáo viên chủ nhiệm;" in texts
    assert "+ Khối 6: 12 lớp, 100% học sinh tham gia;" in texts
    assert "Phần mềm quản lý đang sử dụng: Phần mềm quản lý trường học; Sổ điểm điện tử; Học bạ điện tử" in texts
    assert "Hoàn thành cập nhật CSDL ngành đúng hạn: Không" in texts
    assert "Kinh phí đầu tư CNTT trong năm: 1.234,5 triệu đồng" in texts
    assert "Ngày cập nhật CSDL lần cuối: 31/05/2022" in texts
    assert "Địa chỉ cổng thông tin điện tử của trường: https://thcshoabinh.tptdm.edu.vn" in texts
    assert any("<script>alert('x')</script> & ký tự \"đặc biệt\"" in text for text in texts)


def test_unanswered_fields_are_grey_italic(document: WordDocument) -> None:
    paragraph = next(p for p in document.paragraphs if p.text == "Thu phí không dùng tiền mặt: (chưa trả lời)")
    marker = paragraph.runs[-1]
    assert marker.text == "(chưa trả lời)"
    assert marker.italic and marker.font.color.rgb == RGBColor(0x6B, 0x6B, 0x6B)
    assert "Kết quả thực hiện: (chưa trả lời)" in [p.text for p in document.paragraphs]


def test_answer_tables_have_a_bold_repeating_header(document: WordDocument) -> None:
    table = document.tables[1]
    assert table.style is not None and table.style.name == "Table Grid"
    cells = [[cell.text for cell in row.cells] for row in table.rows]
    assert cells == [
        ["Hạng mục", "Số lượng", "Ghi chú"],
        ["Phòng máy tính", "3", "2 phòng Tin học, 1 phòng đa năng"],
        ["Máy tính phục vụ dạy học", "96", ""],
        ["Máy chiếu / màn hình tương tác", "42", "Trang bị năm 2021 & 2022"],
        ["Đường truyền cáp quang (Mbps)", "1.234,5", "FTTH, 2 nhà mạng"],
    ]
    assert all(cell.paragraphs[0].runs[0].bold for cell in table.rows[0].cells)
    assert "<w:tblHeader/>" in table.rows[0]._tr.xml


def test_signature_block(document: WordDocument) -> None:
    signature = document.tables[-1]
    left = [p.text for p in signature.cell(0, 0).paragraphs]
    right = [p.text for p in signature.cell(0, 1).paragraphs]
    assert left == ["Nơi nhận:", "- Phòng GDĐT thành phố (để báo cáo);", "- Lưu: VT."]
    assert right == ["HIỆU TRƯỞNG", "(Ký tên, đóng dấu)", "Nguyễn Văn An"]
    caption = signature.cell(0, 0).paragraphs[0].runs[0]
    assert caption.bold and caption.italic
    space = signature.cell(0, 1).paragraphs[1].paragraph_format.space_after
    assert space is not None and space.cm == pytest.approx(3, abs=0.01)


def test_page_font_and_footer(document: WordDocument) -> None:
    section = document.sections[0]
    sizes = [section.page_width, section.page_height, section.top_margin, section.bottom_margin,
             section.left_margin, section.right_margin]
    centimetres = [length.cm if length is not None else None for length in sizes]
    assert centimetres == pytest.approx([21, 29.7, 2, 2, 3, 2], abs=0.01)
    normal = document.styles["Normal"]
    assert normal.font.name == "Times New Roman"
    assert normal.font.size == Pt(13)
    assert section.different_first_page_header_footer
    assert 'w:instr="PAGE"' in section.header.paragraphs[0]._p.xml
    assert section.footer.paragraphs[0].text == "Bản nộp lần 2, 10/06/2022 15:30 (nộp muộn 2 giờ)"
    assert section.first_page_footer.paragraphs[0].text == section.footer.paragraphs[0].text
    assert document.core_properties.author == "Trường THCS Hòa Bình"


def test_blank_number_and_date_to_fill_by_hand() -> None:
    report = make_report(document_number="Số:      /BC-THCSHB", date=None, signer_name=None,
                         signer_title="KT. Hiệu trưởng\nPhó hiệu trưởng", status_note=None)
    document = Document(io.BytesIO(render_docx(report)))
    masthead = document.tables[0]
    assert masthead.cell(1, 0).text == "Số:      /BC-THCSHB"
    assert masthead.cell(1, 1).text == "Thủ Dầu Một, ngày …… tháng …… năm ……"
    right = [p.text for p in document.tables[-1].cell(0, 1).paragraphs]
    assert right == ["KT. HIỆU TRƯỞNG", "PHÓ HIỆU TRƯỞNG", "(Ký tên, đóng dấu)"]
    assert document.sections[0].footer.paragraphs[0].text == ""


def test_text_pasted_with_control_characters_still_renders() -> None:
    report = make_report(sections=[Section("1", "Mục\x0b một", [
        FieldValue("Ghi chú\x00", "rich_text", "Dòng một\x0bvà\x0c hai\r\n- ý"),
    ], [])])
    data = render_docx(report)
    assert zipfile.ZipFile(io.BytesIO(data)).testzip() is None
    texts = _all_paragraphs(Document(io.BytesIO(data)))
    assert "1. Mục một" in texts
    assert "Dòng mộtvà hai" in texts
