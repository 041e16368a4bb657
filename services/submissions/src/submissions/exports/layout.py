"""The body of a report as a flat list of blocks, so the DOCX and the PDF print the same words.

A renderer maps each block to its format and never decides what a value reads like.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Literal

from .document import FieldValue, PrintableReport, Section, TableValue
from .formatting import (
    UNANSWERED,
    clean,
    format_boolean,
    format_cell,
    format_date,
    format_number,
    is_numeric,
    with_unit,
)

ParagraphKind = Literal["heading", "subheading", "legal", "text", "item", "subitem"]

_BULLETS = ("- ", "+ ", "* ", "• ", "– ")


@dataclass(frozen=True)
class Span:
    text: str
    bold: bool = False
    italic: bool = False
    unanswered: bool = False
    """Printed grey and italic: the reader sees what was left blank."""
    address: bool = False
    """A web address: printed in full, kept on one line when it fits."""
    link: str | None = None
    """Where a click on it goes (http and https addresses only)."""


@dataclass(frozen=True)
class Paragraph:
    kind: ParagraphKind
    spans: tuple[Span, ...]
    keep_with_next: bool = False


@dataclass(frozen=True)
class Cell:
    text: str
    numeric: bool = False


@dataclass(frozen=True)
class Grid:
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]

    def column_shares(self) -> list[float]:
        """Each column's share of the table's width (summing to 1), by how much it holds in characters:
        its (bold) header — on one line up to 12 characters, else its longest word —, its longest cell,
        plus the cell padding. A long column can't squeeze a short one below its header, and both formats
        get the same columns."""
        weights = []
        for index, column in enumerate(self.columns):
            longest_word = max((len(word) for word in column.split()), default=1)
            header = min(len(column), max(longest_word, 12))
            longest_cell = max((len(row[index].text) for row in self.rows), default=0)
            weights.append(min(max(header * 1.3, longest_cell * 1.1) + 4, 40))
        total = sum(weights)
        return [weight / total for weight in weights]


Block = Paragraph | Grid


def body_blocks(report: PrintableReport) -> list[Block]:
    blocks: list[Block] = [Paragraph("legal", (Span(clean(line).strip(), italic=True),))
                           for line in report.legal_basis if clean(line).strip()]
    for section in report.sections:
        blocks += _section_blocks(section, depth=0)
    return blocks


def _section_blocks(section: Section, *, depth: int) -> list[Block]:
    number = clean(section.number).strip()
    title = clean(section.title).strip()
    if number and not number.endswith("."):
        number += "."
    heading = f"{number} {title}".strip()
    blocks: list[Block] = [Paragraph("heading" if depth == 0 else "subheading", (Span(heading, bold=True),),
                                     keep_with_next=True)]
    for field in section.fields:
        blocks += _field_blocks(field)
    for subsection in section.subsections:
        blocks += _section_blocks(subsection, depth=depth + 1)
    if not section.fields and not section.subsections:
        blocks.append(Paragraph("text", (Span(UNANSWERED, unanswered=True),)))
    return blocks


def _label(field: FieldValue, *, last: bool = False) -> Span | None:
    label = clean(field.label).strip().rstrip(":")
    if not label:
        return None
    return Span(f"{label}:" if last else f"{label}: ")


def _paragraph(*spans: Span | None, keep_with_next: bool = False) -> Paragraph:
    return Paragraph("text", tuple(span for span in spans if span is not None), keep_with_next=keep_with_next)


def _field_blocks(field: FieldValue) -> list[Block]:
    value = field.value
    if _is_unanswered(value):
        return [_paragraph(_label(field), Span(UNANSWERED, unanswered=True))]
    if isinstance(value, TableValue):
        return [_paragraph(_label(field, last=True), keep_with_next=True), _grid(value)]
    if isinstance(value, str) and field.kind in {"rich_text", "text"}:
        return _text_blocks(field, value)
    if isinstance(value, str) and field.kind == "url":
        address = clean(value).strip()
        link = address if address.lower().startswith(("http://", "https://")) else None
        return [_paragraph(_label(field), Span(address, address=True, link=link))]
    return [_paragraph(_label(field), Span(_format_value(value, field.kind, field.unit)))]


def _is_unanswered(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not clean(value).strip()
    if isinstance(value, list | tuple):
        return not any(not _is_unanswered(item) for item in value)
    if isinstance(value, TableValue):
        return not value.rows
    return False


def _format_value(value: object, kind: str, unit: str | None) -> str:
    if isinstance(value, bool):
        return format_boolean(value)
    if is_numeric(value):
        if kind == "integer" and isinstance(value, float) and value.is_integer():
            value = int(value)
        return with_unit(format_number(value), unit)  # type: ignore[arg-type]
    if isinstance(value, datetime.date):
        return format_date(value)
    if isinstance(value, list | tuple):
        return "; ".join(text for item in value if (text := format_cell(item)))
    return with_unit(format_cell(value), unit)


def _text_blocks(field: FieldValue, value: str) -> list[Block]:
    lines = _lines(value)
    if len(lines) == 1 and lines[0][0] == "text":
        return [_paragraph(_label(field), Span(lines[0][1]))]
    blocks: list[Block] = []
    label = _label(field, last=True)
    if label is not None:
        blocks.append(_paragraph(label, keep_with_next=True))
    blocks += [Paragraph(kind, (Span(text),)) for kind, text in lines]
    return blocks


def _lines(value: str) -> list[tuple[ParagraphKind, str]]:
    """Rich text lines: blank lines dropped, "- "/"+ " items kept as typed, indented ones one level deeper."""
    lines: list[tuple[ParagraphKind, str]] = []
    for raw in clean(value).split("\n"):
        text = raw.strip()
        if not text:
            continue
        indented = len(raw) - len(raw.lstrip()) >= 2
        if text.startswith(_BULLETS) or text in {"-", "+"}:
            kind: ParagraphKind = "subitem" if indented or text.startswith("+") else "item"
        else:
            kind = "text"
        lines.append((kind, text))
    return lines


def _grid(table: TableValue) -> Grid:
    width = max([len(table.columns), *(len(row) for row in table.rows)])
    columns = [clean(str(column)).strip() for column in table.columns]
    columns += [""] * (width - len(columns))
    rows = []
    for row in table.rows:
        cells = [Cell(format_cell(value), numeric=is_numeric(value)) for value in row]
        cells += [Cell("")] * (width - len(cells))
        rows.append(tuple(cells))
    return Grid(tuple(columns), tuple(rows))
