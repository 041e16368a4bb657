"""The national summary workbook is written as XML text (results.streamed_xlsx), not by xlsxwriter: what openpyxl
reads of it — every cell with its type, the header's look, the number format, the frozen pane, the widths, the
autofilter, the title — is what xlsxwriter writes for the same lines (results_xlsx's summary sheet), including
text XML would misread (markup characters, edge spaces, line breaks, Vietnamese). Characters XML cannot hold are
written as Excel's _xHHHH_ escapes (xlsxwriter's inline strings write them raw, which is not XML)."""

from __future__ import annotations

import io
import uuid
import zipfile
from decimal import Decimal
from types import SimpleNamespace
from typing import Any, cast

from openpyxl import load_workbook

from scoring.results import export, streamed_xlsx
from scoring.results.export import SummaryLine
from scoring.rubrics.service import template_definition

NAMES = ["Trường THCS Nguyễn Trãi", "A & B <trường> \"số\" 'một'", " Trường có khoảng trắng ", "Đường\nmới", "=1+1"]


def _lines() -> list[SummaryLine]:
    return [SummaryLine(unit_name=name, group_name=None if n % 3 == 0 else f"Phòng GD&ĐT số {n % 2}",
                        self_total=Decimal("71.25") + n, review_total=None if n % 2 else Decimal(80) + n,
                        final_total=Decimal("80.5") if n % 2 else Decimal(80) + n, group_levels=[],
                        classification=None if n == 4 else "Khá", rank=n // 2 + 1, tied=n % 2 == 0,
                        previous_total=Decimal("60.75") if n % 2 else None,
                        previous_classification="Trung bình" if n % 2 else None,
                        submission_status="approved" if n % 2 else "under_review")
            for n, name in sorted(enumerate(NAMES), key=lambda found: (found[0] // 2, found[1]))]


def _reference(title: str, lines: list[SummaryLine], *, ranking: bool = True, previous: bool = True) -> bytes:
    """The summary as results_xlsx writes it (xlsxwriter), without a unit sheet."""
    campaign = SimpleNamespace(title=title)
    results = [SimpleNamespace(
        sheet=SimpleNamespace(unit_name=line.unit_name, submission_status=line.submission_status,
                              submission_id=uuid.uuid4()),
        group_name=line.group_name, rank=line.rank, tied=line.tied, previous_total=line.previous_total,
        previous_classification=line.previous_classification,
        outcome=SimpleNamespace(self_total=line.self_total, review_total=line.review_total,
                                final_total=line.final_total, groups=[],
                                classification=SimpleNamespace(label=line.classification)))
        for line in lines]
    computation = SimpleNamespace(campaign=campaign, ranking_enabled=ranking, definition=template_definition(
        "seed-004-cntt"), results=results, previous=(campaign, []) if previous else None)
    return export.results_xlsx(cast(Any, computation))


def _read(body: bytes) -> dict[str, Any]:
    book = load_workbook(io.BytesIO(body))
    sheet = book[export.SUMMARY_SHEET]
    cells = [[(c.value, type(c.value).__name__, c.number_format if c.value is not None else None, c.font.b,
               c.fill.fgColor.rgb if c.fill.fill_type else None, c.border.left.style, c.alignment.wrap_text,
               c.alignment.vertical) for c in row] for row in sheet.iter_rows()]
    return {"sheets": book.sheetnames, "title": book.properties.title, "cells": cells,
            "frozen": sheet.freeze_panes, "filter": sheet.auto_filter.ref,
            "widths": {i: round(d.width, 4) for d in sheet.column_dimensions.values() if d.width
                       for i in range(d.min, d.max + 1)}}


def test_the_streamed_summary_reads_as_xlsxwriter_writes_it() -> None:
    lines = _lines()
    definition = template_definition("seed-004-cntt")
    body = export.summary_xlsx("Đánh giá CĐS & Kế hoạch", definition, ranking=True, with_previous=True, lines=lines,
                               count=len(lines))
    written, reference = _read(body), _read(_reference("Đánh giá CĐS & Kế hoạch", lines))

    assert written == reference
    assert written["title"] == "Kết quả - Đánh giá CĐS & Kế hoạch" and written["frozen"] == "C2"
    header, first = written["cells"][0], written["cells"][1]
    assert header[0][:4] == ("STT", "str", "General", True) and header[0][4] == "FFDDEBF7"
    assert first[0][:3] == (1, "int", "General") and first[3][1:3] == ("float", "0.##")
    assert sorted(row[1][0] for row in written["cells"][1:]) == sorted(NAMES)
    assert len(written["widths"]) == len(header)
    assert written["filter"] == f"A1:{streamed_xlsx.column_letter(len(header) - 1)}{len(lines) + 1}"


def test_an_empty_summary_is_a_header_alone() -> None:
    definition = template_definition("seed-004-cntt")
    body = export.summary_xlsx("Đợt trống", definition, ranking=False, with_previous=False, lines=[], count=0)
    written = _read(body)
    assert written == _read(_reference("Đợt trống", [], ranking=False, previous=False))
    assert [row[0] for row in written["cells"]] == [("STT", "str", "General", True, "FFDDEBF7", "thin", True,
                                                      "center")]


def test_column_letters() -> None:
    assert [streamed_xlsx.column_letter(i) for i in (0, 25, 26, 51, 52, 701, 702)] == [
        "A", "Z", "AA", "AZ", "BA", "ZZ", "AAA"]


def test_characters_xml_cannot_hold_are_excel_escapes() -> None:
    lines = [SummaryLine(unit_name=name, group_name=None, self_total=Decimal(1), review_total=None,
                         final_total=Decimal(1), group_levels=[], classification=None, rank=1, tied=False,
                         previous_total=None, previous_classification=None, submission_status="approved")
             for name in ("Trường\x07chuông", "Trường _x0041_ thật")]
    body = export.summary_xlsx("Đợt", template_definition("seed-004-cntt"), ranking=True, with_previous=False,
                               lines=lines, count=2)
    sheet = zipfile.ZipFile(io.BytesIO(body)).read("xl/worksheets/sheet1.xml").decode()
    assert "Trường_x0007_chuông" in sheet and "Trường _x005F_x0041_ thật" in sheet and "\x07" not in sheet
    assert len(list(load_workbook(io.BytesIO(body), read_only=True)[export.SUMMARY_SHEET].iter_rows())) == 3
