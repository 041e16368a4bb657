"""Reading an uploaded spreadsheet (XLSX or CSV) into rows keyed by canonical column names.

Row numbers are the ones a person sees in Excel: the header is normally row 1, the first data row row 2.
The format is told by the content, not by the file name: an XLSX file is a ZIP archive.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Generator, Iterable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from edudx_common.archives import ArchiveLimits, UnsafeArchive, check_archive
from edudx_common.text import fold
from identity.errors import ImportFileInvalid

# A title such as "DANH SÁCH TRƯỜNG HỌC NĂM 2024" often sits above the header: look for it this far down.
HEADER_SEARCH_ROWS = 10
# Sheets often carry formatted but empty rows down to row 1,048,576: this many blank rows in a row end the data.
BLANK_ROWS_END = 1000
# What an XLSX may unpack to by default; the service passes its setting.
MAX_UNZIPPED_BYTES = 64 * 1024 * 1024

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Excel 97-2003 .xls
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
# "(mã)", "(*)", "[bắt buộc]" after a header name qualify it; they do not change which column it is.
_QUALIFIER = re.compile(r"\s*[(\[][^)\]]*[)\]]\s*")
_ZERO_PADDED = re.compile(r"^0+$")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
_CSV_DELIMITERS = (",", ";", "\t")

Record = tuple[int, list[str]]


@dataclass(frozen=True)
class Column:
    key: str  # canonical name, used in code only: never shown to a person
    label: str  # the header the template and the help write, and messages use when the file lacks the column
    aliases: tuple[str, ...]
    required: bool = False
    hint: str = ""  # how to fill the column, for the template's instructions sheet
    example: str = ""


@dataclass(frozen=True)
class SheetRow:
    number: int
    values: dict[str, str]

    def get(self, key: str) -> str:
        return self.values.get(key, "")


@dataclass(frozen=True)
class Sheet:
    headers: dict[str, str]  # canonical name → the header as written in the file
    rows: list[SheetRow]
    labels: dict[str, str] = field(default_factory=dict)  # canonical name → the column's Vietnamese label

    def header(self, key: str) -> str:
        """The column as the person knows it: the file's own header, else the documented label."""
        return self.headers.get(key) or self.labels.get(key, key)


def compact(text: str) -> str:
    """'Mã trường (*)' → 'matruong': what header and value matching compares."""
    return _NOT_ALNUM.sub("", fold(text))


_INTERNAL_NAME = re.compile(r"^[a-z]+(_[a-z]+)*$")


def shown_aliases(column: Column) -> list[str]:
    """The other headers accepted for a column, as a person would write them (not the API's field names)."""
    return [a for a in column.aliases if not _INTERNAL_NAME.match(a) and a != column.label]


def header_keys(text: str) -> set[str]:
    """What a header cell may match: as written, and without its bracketed qualifiers ('Đơn vị quản lý (mã)')."""
    keys = {compact(text), compact(_QUALIFIER.sub(" ", text))}
    return {k for k in keys if k}


def read_sheet(data: bytes, columns: Sequence[Column], *, max_rows: int,
               max_unzipped_bytes: int = MAX_UNZIPPED_BYTES) -> Sheet:
    """Parse `data` (XLSX or CSV) and map its header to `columns`; raises ImportFileInvalid."""
    if not data.strip():
        raise ImportFileInvalid("Tệp rỗng.")
    if data.startswith(_ZIP_MAGIC):
        with closing(_xlsx_records(data, max_unzipped_bytes)) as records:
            return _build(records, columns, max_rows=max_rows)
    if data.startswith(_OLE_MAGIC):
        raise ImportFileInvalid("Tệp Excel 97-2003 (.xls) chưa được hỗ trợ: trong Excel chọn Lưu thành (Save As) → "
                                "'Sổ làm việc Excel (.xlsx)' rồi nhập lại.")
    text = _decode_csv(data)
    return _build(_csv_records(text, _csv_delimiter(text, columns)), columns, max_rows=max_rows)


# --- XLSX ------------------------------------------------------------------------------------------------

def _xlsx_records(data: bytes, max_unzipped_bytes: int) -> Generator[Record, None, None]:
    from openpyxl import load_workbook  # imported here: only XLSX uploads pay for it

    try:
        check_archive(data, ArchiveLimits(max_total=max_unzipped_bytes))
    except UnsafeArchive as exc:
        raise ImportFileInvalid(f"Tệp XLSX bị từ chối: {exc}") from exc
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:
        raise ImportFileInvalid("Tệp XLSX bị hỏng hoặc không phải bảng tính Excel.") from exc
    try:
        if not workbook.worksheets:
            raise ImportFileInvalid("Tệp XLSX không có trang tính nào.")
        sheet = workbook.worksheets[0]
        # Some writers store a wrong used range ("A1"); without it openpyxl reads to the real end.
        sheet.reset_dimensions()
        rows = sheet.iter_rows()
        number = 0
        while True:
            try:
                cells = next(rows)
            except StopIteration:
                return
            except Exception as exc:
                raise ImportFileInvalid(f"Tệp XLSX bị hỏng ở khoảng dòng {number + 1}.") from exc
            number += 1
            yield number, [_cell_text(c.value, getattr(c, "number_format", None)) for c in cells]
    finally:
        workbook.close()


def _cell_text(value: Any, number_format: str | None) -> str:
    """The text a person sees in the cell: 79001 not '79001.0', and a zero-padded number keeps its zeros."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        text = str(value)
        if number_format and _ZERO_PADDED.match(number_format) and value >= 0:
            text = text.zfill(len(number_format))
        return text
    if isinstance(value, float):
        return format(value, ".15g")
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M") if value.time() != time(0) else value.strftime("%d/%m/%Y")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return _clean(str(value))


def _clean(text: str) -> str:
    """NFC (a name typed on a Mac arrives decomposed), no invisible characters, single spaces."""
    return " ".join(unicodedata.normalize("NFC", text).translate(_INVISIBLE).split())


# --- CSV -------------------------------------------------------------------------------------------------

def _decode_csv(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode Text"
        text = data.decode("utf-16")
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ImportFileInvalid(
                "Tệp CSV không ở mã UTF-8 nên tiếng Việt sẽ bị lỗi font. Trong Excel chọn Lưu thành (Save As) → "
                "'CSV UTF-8 (Comma delimited)', hoặc gửi tệp .xlsx."
            ) from exc
    if "\x00" in text:
        raise ImportFileInvalid("Tệp không phải bảng tính XLSX hay CSV.")
    return text


def _csv_delimiter(text: str, columns: Sequence[Column]) -> str:
    """The delimiter under which the header is found; Vietnamese Excel writes ';', others ','."""
    head = "\n".join(text.splitlines()[: HEADER_SEARCH_ROWS + 1])
    if head.lower().startswith("sep=") and len(head) > 4:
        return head[4]
    for delimiter in _CSV_DELIMITERS:
        records = list(_csv_records(head, delimiter))
        if _find_header(records, columns) is not None:
            return delimiter
    return max(_CSV_DELIMITERS, key=lambda d: head.split("\n", 1)[0].count(d))


def _csv_records(text: str, delimiter: str) -> Iterator[Record]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    number = 0
    try:
        for record in reader:
            if number == 0 and len(record) == 1 and record[0].lower().startswith("sep="):
                continue  # Excel's delimiter hint is not a row a person sees
            number += 1
            yield number, [_clean(cell) for cell in record]
    except csv.Error as exc:
        raise ImportFileInvalid(f"Tệp CSV lỗi ở dòng {reader.line_num}: {exc}.") from exc


# --- header and rows -------------------------------------------------------------------------------------

def _header_map(cells: list[str], columns: Sequence[Column]) -> dict[int, Column]:
    by_alias = {key: column for column in columns for name in (column.key, column.label, *column.aliases)
                for key in header_keys(name)}
    found: dict[int, Column] = {}
    for i, cell in enumerate(cells):
        # The text as written wins over the text without its qualifiers.
        match = next((by_alias[k] for k in sorted(header_keys(cell), key=len, reverse=True) if k in by_alias), None)
        if cell and match is not None:
            found[i] = match
    return found


def _find_header(records: Iterable[Record], columns: Sequence[Column]) -> tuple[Record, dict[int, Column]] | None:
    required = {c.key for c in columns if c.required}
    for index, record in enumerate(records):
        if index >= HEADER_SEARCH_ROWS:
            break
        mapping = _header_map(record[1], columns)
        if required <= {c.key for c in mapping.values()}:
            return record, mapping
    return None


def _build(records: Iterator[Record], columns: Sequence[Column], *, max_rows: int) -> Sheet:
    seen: list[Record] = []
    found = None
    for record in records:
        seen.append(record)
        found = _find_header([record], columns)
        if found is not None or len(seen) >= HEADER_SEARCH_ROWS:
            break
    if found is None:
        raise ImportFileInvalid(_missing_columns_message(seen, columns))
    (header_number, header_cells), mapping = found

    headers: dict[str, str] = {}
    positions: dict[str, int] = {}
    for index, column in mapping.items():
        if column.key in headers:
            raise ImportFileInvalid(
                f"Các cột '{headers[column.key]}' và '{header_cells[index]}' (dòng {header_number}) cùng là "
                f"'{column.label}': hãy giữ một cột."
            )
        headers[column.key] = header_cells[index]
        positions[column.key] = index

    rows: list[SheetRow] = []
    blank_run = 0
    for number, cells in records:
        values = {key: cells[i] if i < len(cells) else "" for key, i in positions.items()}
        if not any(values.values()):
            blank_run += 1
            if blank_run >= BLANK_ROWS_END:
                break
            continue
        blank_run = 0
        if len(rows) >= max_rows:
            limit = f"{max_rows:,}".replace(",", ".")
            raise ImportFileInvalid(f"Tệp có hơn {limit} dòng dữ liệu: hãy chia thành nhiều tệp nhỏ hơn.")
        rows.append(SheetRow(number=number, values=values))
    if not rows:
        raise ImportFileInvalid(f"Tệp không có dòng dữ liệu nào dưới dòng tiêu đề (dòng {header_number}).")
    return Sheet(headers=headers, rows=rows, labels={c.key: c.label for c in columns})


def _missing_columns_message(records: list[Record], columns: Sequence[Column]) -> str:
    first = next((r for r in records if any(r[1])), None)
    if first is None:
        return "Tệp không có dòng tiêu đề."
    present = {c.key for c in _header_map(first[1], columns).values()}
    missing = [c for c in columns if c.required and c.key not in present]
    names = ", ".join(f"'{c.label}'" for c in missing)
    accepted = "; ".join(f"{c.label}: {', '.join(shown_aliases(c)[:3])}" for c in missing)
    return (f"Không tìm thấy dòng tiêu đề có đủ các cột bắt buộc. Thiếu cột {names} (tên cột được chấp nhận — "
            f"{accepted}). Dòng tiêu đề phải nằm trong {HEADER_SEARCH_ROWS} dòng đầu của trang tính thứ nhất.")
