"""Checking answers against an outline: types on every save, completeness on submit.

A draft keeps what was typed even when it is wrong (a URL without https://, a negative count): a save only drops
answers that have no place to go (a field the outline does not have, a value too large to store); the wrong ones
are stored and reported per field, and only a submit refuses them. Messages are Vietnamese and name the section,
since that is how a school finds what to fix.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from submissions.outlines.schemas import FieldKind, OutlineDefinition, OutlineField, OutlineSection, TableColumn

MAX_TEXT = 100_000
# What one answer may take in a stored draft whatever its field says (a table of 500 rows fits easily).
MAX_STORED_ANSWER = 1_000_000


@dataclass(frozen=True)
class ContentError:
    field: str
    message: str
    section: str | None = None


# What `str.strip()` removes (`str.isspace`: none above U+3000): an answer of only these is empty.
WHITESPACE = "".join(character for character in map(chr, range(0x3001)) if character.isspace())


def is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str | list | dict) and len(value) == 0) or (
        isinstance(value, str) and not value.strip())


def check_values(definition: OutlineDefinition, values: dict[str, Any]) -> list[ContentError]:
    """Type errors in a (partial) set of answers. `None` clears an answer and is always allowed."""
    fields = definition.fields_by_id()
    errors: list[ContentError] = []
    for field_id, value in values.items():
        if field_id not in fields:
            errors.append(ContentError(field_id, "Trường không có trong đề cương"))
            continue
        section, field = fields[field_id]
        if value is None:
            continue
        if field.kind == FieldKind.TABLE:
            errors.extend(_check_table(field, value, section))
        elif (message := _check_scalar(field.kind, value, field.options, field.multiple, field.min, field.max)):
            errors.append(ContentError(field_id, f"{field.label}: {message}", section.number))
    return errors


def split_storable(definition: OutlineDefinition, values: dict[str, Any]) -> tuple[dict[str, Any],
                                                                               list[ContentError]]:
    """(answers a draft stores, answers it cannot store with why). Wrong-but-storable answers are kept: the
    person sees the message at the field and fixes it later, on this device or another."""
    fields = definition.fields_by_id()
    kept: dict[str, Any] = {}
    refused: list[ContentError] = []
    for field_id, value in values.items():
        if field_id not in fields:
            refused.append(ContentError(field_id, "Trường không có trong đề cương (đề cương đã thay đổi?): chưa lưu"))
            continue
        section, field = fields[field_id]
        if value is not None and len(json.dumps(value, ensure_ascii=False, default=str)) > MAX_STORED_ANSWER:
            refused.append(ContentError(field_id, f"{field.label}: nội dung quá lớn để lưu", section.number))
            continue
        kept[field_id] = value
    return kept, refused


def missing_required(definition: OutlineDefinition, content: dict[str, Any]) -> list[ContentError]:
    """What stops a submit: required answers that are empty, tables with too few rows or empty required cells."""
    problems: list[ContentError] = []

    def visit(section: OutlineSection) -> None:
        for field in section.fields:
            value = content.get(field.id)
            where = f"Mục {section.number}. {section.title}"
            if field.required and is_empty(value):
                problems.append(ContentError(field.id, f"{where}: chưa trả lời '{field.label}'", section.number))
            elif field.kind == FieldKind.TABLE and isinstance(value, list):
                if field.min_rows and len(value) < field.min_rows:
                    problems.append(ContentError(field.id, f"{where}: bảng '{field.label}' cần ít nhất "
                                                           f"{field.min_rows} dòng", section.number))
                for index, row in enumerate(value, start=1):
                    for column in field.columns or []:
                        if column.required and is_empty(row.get(column.id)):
                            problems.append(ContentError(
                                f"{field.id}[{index}].{column.id}",
                                f"{where}: bảng '{field.label}', dòng {index}: chưa điền '{column.label}'",
                                section.number))
        for sub in section.sections:
            visit(sub)

    for section in definition.sections:
        visit(section)
    return problems


def unanswered_required(definition: OutlineDefinition, content: dict[str, Any]) -> int:
    """How many required fields `missing_required` would name: empty, or a table with too few rows (its empty
    cells are named by cell, not by field). Counted without building the messages: every autosave asks."""
    unanswered = 0
    for _, field in definition.fields_by_id().values():
        if not field.required:
            continue
        value = content.get(field.id)
        if is_empty(value) or (field.kind == FieldKind.TABLE and isinstance(value, list) and field.min_rows
                               and len(value) < field.min_rows):
            unanswered += 1
    return unanswered


def _check_table(field: OutlineField, value: Any, section: OutlineSection) -> list[ContentError]:
    if not isinstance(value, list) or not all(isinstance(row, dict) for row in value):
        return [ContentError(field.id, f"{field.label}: bảng phải là danh sách các dòng", section.number)]
    if field.max_rows and len(value) > field.max_rows:
        return [ContentError(field.id, f"{field.label}: tối đa {field.max_rows} dòng", section.number)]
    columns: dict[str, TableColumn] = {c.id: c for c in field.columns or []}
    errors = []
    for index, row in enumerate(value, start=1):
        for column_id, cell in row.items():
            column = columns.get(column_id)
            if column is None:
                errors.append(ContentError(f"{field.id}[{index}].{column_id}",
                                           f"{field.label}, dòng {index}: cột không có trong bảng", section.number))
            elif cell is not None and (message := _check_scalar(column.kind, cell, column.options, False,
                                                                   column.min, column.max)):
                errors.append(ContentError(f"{field.id}[{index}].{column_id}",
                                           f"{field.label}, dòng {index}, cột '{column.label}': {message}",
                                           section.number))
    return errors


def _check_scalar(kind: FieldKind, value: Any, options: list[str] | None, multiple: bool,
                  low: float | None, high: float | None) -> str | None:
    """None when `value` fits; otherwise what is wrong, in Vietnamese."""
    if kind in (FieldKind.TEXT, FieldKind.RICH_TEXT):
        if not isinstance(value, str):
            return "phải là văn bản"
        limit = int(high) if high is not None else MAX_TEXT
        if len(value) > limit:
            return f"tối đa {limit} ký tự"
        return None
    if kind in (FieldKind.NUMBER, FieldKind.INTEGER):
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            return "phải là số"
        if kind == FieldKind.INTEGER and not float(value).is_integer():
            return "phải là số nguyên"
        if low is not None and value < low:
            return f"không được nhỏ hơn {_number(low)}"
        if high is not None and value > high:
            return f"không được lớn hơn {_number(high)}"
        return None
    if kind == FieldKind.BOOLEAN:
        return None if isinstance(value, bool) else "phải là Có hoặc Không"
    if kind == FieldKind.DATE:
        try:
            date.fromisoformat(value)
        except (TypeError, ValueError):
            return "phải là ngày dạng YYYY-MM-DD"
        return None
    if kind == FieldKind.CHOICE:
        chosen = value if multiple else [value]
        if not isinstance(chosen, list) or not all(isinstance(v, str) for v in chosen):
            return "phải chọn trong danh sách" if not multiple else "phải là danh sách lựa chọn"
        unknown = [v for v in chosen if v not in (options or [])]
        return f"'{unknown[0]}' không có trong danh sách lựa chọn" if unknown else None
    if kind == FieldKind.URL:
        parts = urlsplit(value) if isinstance(value, str) else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.netloc or len(value) > 2000:
            return "phải là địa chỉ đầy đủ, bắt đầu bằng https:// (ví dụ https://thcs-hoabinh.edu.vn)"
        return None
    return f"kiểu {kind} không dùng được ở đây"


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
