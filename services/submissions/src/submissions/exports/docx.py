"""The report as an A4 Word document, laid out as a Nghị định 30/2020/NĐ-CP administrative document.

Word has no "short rule under a line" of its own: the rules under the unit name and the motto are
empty paragraphs with a bottom border, indented on both sides to the length the decree asks for
(a third to a half of the unit name; the whole motto). Text widths are estimated from Times New Roman's
metrics, since the server has no Word to measure with.
"""

from __future__ import annotations

import datetime
import io
from dataclasses import replace

from docx import Document as new_document
from docx.document import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph as DocxParagraph

from .document import PrintableReport
from .fonts import DOCX_FONT
from .formatting import clean, date_line, recipient_line, upper
from .layout import Block, Grid, Paragraph, Span, body_blocks

_PAGE_WIDTH, _PAGE_HEIGHT = Cm(21.0), Cm(29.7)
_MARGIN_TOP, _MARGIN_BOTTOM, _MARGIN_LEFT, _MARGIN_RIGHT = Cm(2), Cm(2), Cm(3), Cm(2)
_TEXT_WIDTH_CM = 21.0 - 3 - 2
_CELL_PADDING_CM = 0.19 * 2  # Word's default left + right cell margins
_MASTHEAD_CM = (6.2, 9.8)
_SIGNATURE_CM = (7.0, 9.0)
_GREY = RGBColor(0x6B, 0x6B, 0x6B)
# "Độc lập - Tự do - Hạnh phúc", bold 13 pt, in Times New Roman (its metrics, via Liberation Serif 2).
_MOTTO_WIDTH_CM = 5.6
# Average advance of a bold capital in Times New Roman, in em (Vietnamese upper-case names measure 0.61–0.64).
_BOLD_CAPS_EM = 0.64
_INDENT = Cm(1)

# Children of w:pPr that must come after w:pBdr (the schema fixes their order; Word enforces it).
_AFTER_PBDR = ("w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct",
               "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd",
               "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents",
               "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment", "w:textboxTightWrap",
               "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange")
_AFTER_SHD = ("w:noWrap", "w:tcMar", "w:textDirection", "w:tcFitText", "w:vAlign", "w:hideMark")


def render_docx(report: PrintableReport) -> bytes:
    """The report as DOCX bytes. Synchronous: run it in a worker thread."""
    document = new_document()
    _set_up(document, report)
    _masthead(document, report)
    _title(document, report)
    blocks = body_blocks(report)
    if blocks and isinstance(blocks[-1], Paragraph):
        # The decree wants the signature page to carry text too: the last paragraph goes with it.
        blocks[-1] = replace(blocks[-1], keep_with_next=True)
    for block in blocks:
        _block(document, block)
    _signature(document, report)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _set_up(document: Document, report: PrintableReport) -> None:
    section = document.sections[0]
    section.page_width, section.page_height = _PAGE_WIDTH, _PAGE_HEIGHT
    section.top_margin, section.bottom_margin = _MARGIN_TOP, _MARGIN_BOTTOM
    section.left_margin, section.right_margin = _MARGIN_LEFT, _MARGIN_RIGHT
    section.header_distance = section.footer_distance = Cm(1)

    normal = document.styles["Normal"]
    normal.font.name = DOCX_FONT
    normal.font.size = Pt(13)
    r_pr = normal.element.get_or_add_rPr()
    fonts = r_pr.get_or_add_rFonts()
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attribute), DOCX_FONT)
    language = OxmlElement("w:lang")
    language.set(qn("w:val"), "vi-VN")
    r_pr.append(language)
    normal.paragraph_format.space_before = Pt(0)
    normal.paragraph_format.space_after = Pt(6)
    normal.paragraph_format.line_spacing = 1.15

    # The decree: page numbers centred in the top margin, from the second page on.
    section.different_first_page_header_footer = True
    number = section.header.paragraphs[0]
    number.alignment = WD_ALIGN_PARAGRAPH.CENTER
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    placeholder = OxmlElement("w:r")  # shown until the viewer computes the field
    placeholder_text = OxmlElement("w:t")
    placeholder_text.text = "2"
    placeholder.append(placeholder_text)
    field.append(placeholder)
    number._p.append(field)

    note = clean(report.status_note or "").strip()
    if note:
        for footer in (section.footer, section.first_page_footer):
            paragraph = footer.paragraphs[0]
            paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            _run(paragraph, note, size=8.5, italic=True, color=_GREY)

    properties = document.core_properties
    properties.title = f"{upper(report.title)} {clean(report.subtitle).strip()}".strip()
    properties.author = properties.last_modified_by = clean(report.unit_name).strip()
    properties.language = "vi-VN"
    properties.created = properties.modified = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    properties.revision = 1
    properties.comments = ""


def _masthead(document: Document, report: PrintableReport) -> None:
    left_cm, right_cm = _MASTHEAD_CM
    table = _borderless_table(document, rows=2, widths_cm=_MASTHEAD_CM)
    left, right = table.rows[0].cells
    unit = upper(report.unit_name)

    _centred(left.paragraphs[0], upper(report.governing_body), size=12)
    _centred(left.add_paragraph(), unit, size=12, bold=True)
    unit_width = min(len(unit) * _BOLD_CAPS_EM * 12 / 72 * 2.54, left_cm - _CELL_PADDING_CM)
    _rule(left, width_cm=max(unit_width * 0.4, 1.5), cell_cm=left_cm)

    _centred(right.paragraphs[0], "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", size=12, bold=True)
    _centred(right.add_paragraph(), "Độc lập - Tự do - Hạnh phúc", size=13, bold=True)
    _rule(right, width_cm=_MOTTO_WIDTH_CM, cell_cm=right_cm)

    number, date = table.rows[1].cells
    # Not stripped: "Số:      /BC-…" keeps the blank the number is written into by hand.
    _centred(number.paragraphs[0], clean(report.document_number), size=13).paragraph_format.space_before = Pt(6)
    _centred(date.paragraphs[0], date_line(report.place, report.date), size=13,
             italic=True).paragraph_format.space_before = Pt(6)


def _title(document: Document, report: PrintableReport) -> None:
    title = _centred(document.add_paragraph(), upper(report.title), size=14, bold=True)
    title.paragraph_format.space_before = Pt(18)
    title.paragraph_format.keep_with_next = True
    subtitle_text = clean(report.subtitle).strip()
    subtitle = _centred(document.add_paragraph(), subtitle_text, size=14, bold=True) if subtitle_text else title
    subtitle.paragraph_format.space_after = Pt(12)


def _block(document: Document, block: Block) -> None:
    if isinstance(block, Grid):
        _grid(document, block)
    else:
        _paragraph(document.add_paragraph(), block)


def _paragraph(paragraph: DocxParagraph, block: Paragraph) -> None:
    layout = paragraph.paragraph_format
    paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    if block.kind in {"heading", "subheading"}:
        layout.first_line_indent = _INDENT
        layout.space_before = Pt(6)
        layout.keep_with_next = True
    elif block.kind == "item":
        layout.left_indent, layout.first_line_indent = Cm(1.5), Cm(-0.5)
    elif block.kind == "subitem":
        layout.left_indent, layout.first_line_indent = Cm(2), Cm(-0.5)
    else:
        layout.first_line_indent = _INDENT
    if block.keep_with_next:
        layout.keep_with_next = True
    if any(span.address for span in block.spans):
        paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT  # justifying a line broken inside an address spreads it
    for span in block.spans:
        _span(paragraph, span)


def _span(paragraph: DocxParagraph, span: Span) -> None:
    if span.link:
        _hyperlink(paragraph, span.text, span.link)
        return
    _run(paragraph, span.text, bold=span.bold, italic=span.italic or span.unanswered,
         color=_GREY if span.unanswered else None)


def _hyperlink(paragraph: DocxParagraph, text: str, address: str) -> None:
    """A clickable address, printed in full and in black like the rest of the text."""
    relationship = paragraph.part.relate_to(address, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), relationship)
    run = OxmlElement("w:r")
    text_element = OxmlElement("w:t")
    text_element.text = text
    text_element.set(qn("xml:space"), "preserve")
    run.append(text_element)
    link.append(run)
    paragraph._p.append(link)


def _grid(document: Document, grid: Grid) -> None:
    table = document.add_table(rows=1 + len(grid.rows), cols=len(grid.columns))
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    widths = [_TEXT_WIDTH_CM * share for share in grid.column_shares()]
    for column, width in zip(table.columns, widths, strict=True):
        column.width = Cm(width)  # the grid LibreOffice lays out by; Word reads the cells' widths
    header = table.rows[0]
    _row_flags(header, header_row=True)
    for cell, column, width in zip(header.cells, grid.columns, widths, strict=True):
        cell.width = Cm(width)
        _shade(cell, "F0F0F0")
        _cell_text(cell, column, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    for row, values in zip(table.rows[1:], grid.rows, strict=True):
        _row_flags(row)
        for cell, value, width in zip(row.cells, values, widths, strict=True):
            cell.width = Cm(width)
            _cell_text(cell, value.text, align=WD_ALIGN_PARAGRAPH.RIGHT if value.numeric else WD_ALIGN_PARAGRAPH.LEFT)
    spacer = document.add_paragraph()
    spacer.paragraph_format.space_after = Pt(0)
    spacer.paragraph_format.line_spacing = Pt(6)
    spacer.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY


def _cell_text(cell: _Cell, text: str, *, bold: bool = False, align: WD_ALIGN_PARAGRAPH) -> None:
    paragraph = cell.paragraphs[0]
    paragraph.alignment = align
    paragraph.paragraph_format.space_after = Pt(0)
    paragraph.paragraph_format.line_spacing = 1.0
    _run(paragraph, text, size=12, bold=bold)


def _signature(document: Document, report: PrintableReport) -> None:
    spacer = document.add_paragraph()
    spacer.paragraph_format.space_after = Pt(0)
    spacer.paragraph_format.keep_with_next = True
    table = _borderless_table(document, rows=1, widths_cm=_SIGNATURE_CM)
    _row_flags(table.rows[0])
    left, right = table.rows[0].cells

    recipients = [line for line in (recipient_line(text) for text in report.recipients) if line.strip("- ")]
    if recipients:
        caption = left.paragraphs[0]
        _tight(caption)
        _run(caption, "Nơi nhận:", size=12, bold=True, italic=True)
        for line in recipients:
            _run(_tight(left.add_paragraph()), line, size=11)

    titles = [upper(line) for line in clean(report.signer_title).split("\n") if line.strip()]
    paragraph = right.paragraphs[0]
    for index, title in enumerate(titles):
        _centred(paragraph if index == 0 else right.add_paragraph(), title, size=13, bold=True)
    hint = _centred(right.add_paragraph() if titles else paragraph, "(Ký tên, đóng dấu)", size=13, italic=True)
    hint.paragraph_format.space_after = Cm(3)  # the signature and the seal
    if report.signer_name and clean(report.signer_name).strip():
        _centred(right.add_paragraph(), clean(report.signer_name).strip(), size=13, bold=True)


def _borderless_table(document: Document, *, rows: int, widths_cm: tuple[float, float]) -> Table:
    table: Table = document.add_table(rows=rows, cols=2)  # no style: "Normal Table", no borders
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for column, width in zip(table.columns, widths_cm, strict=True):
        column.width = Cm(width)
        for cell in column.cells:
            cell.width = Cm(width)
    return table


def _row_flags(row: object, *, header_row: bool = False) -> None:
    """Rows never split across pages; a header row repeats on each page the table spans."""
    tr_pr = row._tr.get_or_add_trPr()  # type: ignore[attr-defined]
    cant_split = OxmlElement("w:cantSplit")
    tr_pr.append(cant_split)
    if header_row:
        tr_pr.append(OxmlElement("w:tblHeader"))


def _shade(cell: _Cell, fill: str) -> None:
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().insert_element_before(shading, *_AFTER_SHD)


def _rule(cell: _Cell, *, width_cm: float, cell_cm: float) -> None:
    """A centred horizontal rule `width_cm` long: an empty paragraph's bottom border, indented."""
    paragraph = cell.add_paragraph()
    indent = max((cell_cm - _CELL_PADDING_CM - width_cm) / 2, 0)
    layout = paragraph.paragraph_format
    layout.left_indent = layout.right_indent = Cm(indent)
    layout.space_before = layout.space_after = Pt(0)
    layout.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    layout.line_spacing = Pt(3)
    border = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for name, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(name), value)
    border.append(bottom)
    paragraph._p.get_or_add_pPr().insert_element_before(border, *_AFTER_PBDR)


def _centred(paragraph: DocxParagraph, text: str, *, size: float, bold: bool = False,
             italic: bool = False) -> DocxParagraph:
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _tight(paragraph)
    _run(paragraph, text, size=size, bold=bold, italic=italic)
    return paragraph


def _tight(paragraph: DocxParagraph) -> DocxParagraph:
    paragraph.paragraph_format.space_before = Pt(0)
    paragraph.paragraph_format.space_after = Pt(0)
    paragraph.paragraph_format.line_spacing = 1.0
    return paragraph


def _run(paragraph: DocxParagraph, text: str, *, size: float | None = None, bold: bool = False,
         italic: bool = False, color: RGBColor | None = None) -> None:
    run = paragraph.add_run(text)
    run.bold = bold or None
    run.italic = italic or None
    if size is not None:
        run.font.size = Pt(size)
    if color is not None:
        run.font.color.rgb = color
