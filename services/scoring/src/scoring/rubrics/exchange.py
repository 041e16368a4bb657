"""Rubrics in and out of files: JSON (the definition as it is) and XLSX in the layout a Sở or Phòng already
keeps its rubric in (STT | Nội dung | Điểm chuẩn | … | Minh chứng), so any authority can bring its own.

An exported workbook imports back to the same definition. Reading never trusts the file: every cell is
checked, and problems name their sheet and row in Vietnamese.
"""

from __future__ import annotations

import io
import json
from typing import Any

import xlsxwriter
from openpyxl import load_workbook
from pydantic import ValidationError

from edudx_common.archives import ArchiveLimits, UnsafeArchive, check_archive
from edudx_common.errors import FieldError
from scoring.errors import RubricFileInvalid
from scoring.rubrics.definition import (
    Band,
    ClassificationMode,
    CriterionKind,
    EvidenceAttribute,
    MandatoryFailure,
    OverallLevel,
    RubricDefinition,
)

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_FILE_BYTES = 5_000_000
MAX_ROWS = 2_000
# A rubric workbook (a few hundred rows) unpacks to well under 1 MB; openpyxl holds shared strings in memory.
MAX_UNZIPPED_BYTES = 16 * 1024 * 1024

CRITERIA_SHEET = "Tiêu chí"
BANDS_SHEET = "Xếp loại"
SETTINGS_SHEET = "Thiết lập"
CRITERIA_COLUMNS = [("Mã", 10), ("Nội dung", 70), ("Loại", 18), ("Điểm chuẩn", 11), ("Bước điểm", 10),
                    ("Minh chứng", 40), ("Bắt buộc minh chứng", 12), ("Thuộc tính minh chứng", 40),
                    ("Cần để xếp mức", 14), ("Cách tính (tính tự động, JSON)", 40)]
BANDS_COLUMNS = [("Áp dụng cho", 14), ("Tên mức", 20), ("Từ", 8), ("Lấy cận dưới", 12), ("Đến", 8),
                 ("Lấy cận trên", 12)]

GROUP_ROW = "Nhóm"
KIND_LABELS = {CriterionKind.POINTS: "Điểm", CriterionKind.BLOCKS: "Khối điểm", CriterionKind.LEVELS: "Theo mức",
               CriterionKind.MANDATORY: "Điều kiện bắt buộc", CriterionKind.COMPUTED: "Tính tự động"}
ITEM_LABELS = {CriterionKind.BLOCKS: "Khối", CriterionKind.LEVELS: "Mức"}
COMMON_BANDS = "Chung"
MODE_LABELS = {ClassificationMode.TOTAL_BANDS: "Theo tổng điểm", ClassificationMode.GROUP_LEVELS: "Theo mức từng nhóm"}
OVERALL_LABELS = {OverallLevel.NONE: "Không", OverallLevel.LOWEST_GROUP: "Mức thấp nhất của các nhóm"}
FAILURE_LABELS = {MandatoryFailure.NO_EFFECT: "Không ảnh hưởng",
                  MandatoryFailure.CAP_LOWEST: "Hạ xuống mức thấp nhất",
                  MandatoryFailure.NOT_CLASSIFIED: "Không xếp mức"}
SETTINGS = [("title", "Tên bộ tiêu chí"), ("description", "Mô tả"), ("reference_note", "Ghi chú"),
            ("mode", "Cách xếp loại"), ("max_total", "Tổng điểm chuẩn"), ("step", "Bước điểm chung"),
            ("overall_level", "Mức chung"), ("mandatory_failure", "Khi không đạt điều kiện bắt buộc"),
            ("large_gap_ratio", "Tỷ lệ chênh lệch lớn"),
            ("review_reason_required", "Bắt buộc lý do khi điểm thẩm định khác tự chấm")]
YES, NO = "Có", "Không"


# --- JSON -----------------------------------------------------------------------------------------------------


def to_json(definition: RubricDefinition) -> bytes:
    return json.dumps(definition.model_dump(mode="json"), ensure_ascii=False, indent=2).encode()


def from_json(data: bytes) -> RubricDefinition:
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RubricFileInvalid("Tệp JSON không đọc được: hãy dùng tệp xuất từ EduDX hoặc đúng cấu trúc.") from exc
    return _validated(document, lambda loc: ".".join(str(p) for p in loc))


def _validated(document: Any, where: Any) -> RubricDefinition:
    try:
        return RubricDefinition.model_validate(document)
    except ValidationError as exc:
        errors = [FieldError(field=where(e["loc"]), message=_plain(document, e)) for e in exc.errors()[:50]]
        raise RubricFileInvalid("Tệp có dữ liệu không hợp lệ (xem danh sách lỗi).", errors=errors) from exc


# What a person calls the fields of a definition, and what went wrong, instead of pydantic's English.
_FIELD_NAMES = {"title": "tên", "text": "nội dung", "code": "mã", "max_points": "điểm chuẩn", "points": "điểm",
                "step": "bước điểm", "label": "tên mức", "min": "cận dưới", "max": "cận trên", "mode": "cách xếp loại",
                "max_total": "tổng điểm chuẩn", "key": "khóa thuộc tính", "description": "mô tả"}
_PROBLEMS = {"missing": "còn trống", "string_type": "phải là chữ", "float_type": "phải là số",
             "float_parsing": "phải là số", "int_type": "phải là số nguyên", "int_parsing": "phải là số nguyên",
             "greater_than": "phải lớn hơn {gt}", "greater_than_equal": "không được nhỏ hơn {ge}",
             "less_than_equal": "không được lớn hơn {le}", "string_too_short": "còn trống hoặc quá ngắn",
             "string_too_long": "quá dài (tối đa {max_length} ký tự)", "enum": "không thuộc các giá trị cho phép",
             "too_short": "phải có ít nhất {min_length} mục"}


def _plain(document: Any, error: Any) -> str:
    """'Tiêu chí 1.2: điểm chuẩn phải là số' from a pydantic error located at groups.0.criteria.1.max_points."""
    where: list[str] = []
    node = document
    for part in error["loc"]:
        node = node[part] if isinstance(node, dict | list) and _has(node, part) else None
        if isinstance(part, int) and isinstance(node, dict):
            owner = "Nhóm" if "criteria" in node else "Tiêu chí" if "kind" in node else "Mục"
            where.append(f"{owner} {node.get('code') or part + 1}")
    last = next((p for p in reversed(error["loc"]) if isinstance(p, str)), "")
    problem = _PROBLEMS.get(error["type"])
    if problem is None:  # the definition's own rules speak Vietnamese already ("Value error, …")
        text = str(error["msg"]).removeprefix("Value error, ")
    else:
        text = f"{_FIELD_NAMES.get(last, 'giá trị')} {problem.format(**error.get('ctx', {}))}"
    if where:
        return f"{', '.join(where)}: {text}"
    return text[:1].upper() + text[1:]


def _has(node: Any, part: Any) -> bool:
    return part in node if isinstance(node, dict) else isinstance(part, int) and 0 <= part < len(node)


# --- XLSX out -------------------------------------------------------------------------------------------------


def to_xlsx(definition: RubricDefinition) -> bytes:
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False,
                                            "strings_to_urls": False, "strings_to_numbers": False})
    workbook.set_properties({"title": definition.title})
    header = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True,
                                  "valign": "vcenter"})
    bold = workbook.add_format({"bold": True, "text_wrap": True, "valign": "top"})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})

    sheet = workbook.add_worksheet(CRITERIA_SHEET)
    rows: list[tuple[list[Any], Any]] = []
    for group in definition.groups:
        rows.append(([group.code, group.title, GROUP_ROW, group.max_points], bold))
        for criterion in group.criteria:
            rows.append(([criterion.code, criterion.text, KIND_LABELS[criterion.kind], criterion.max_points,
                          criterion.step, criterion.evidence_expected, YES if criterion.evidence_required else NO,
                          _attributes_text(criterion.evidence_attributes), criterion.required_for_level,
                          None if criterion.computed is None
                          else json.dumps(criterion.computed.model_dump(mode="json"), ensure_ascii=False)], wrap))
            for item in criterion.items:
                rows.append(([item.code, item.text, ITEM_LABELS[criterion.kind], item.points], wrap))
    _write_table(sheet, CRITERIA_COLUMNS, rows, header)

    bands_sheet = workbook.add_worksheet(BANDS_SHEET)
    band_rows: list[tuple[list[Any], Any]] = [([COMMON_BANDS, *_band_cells(b)], wrap) for b in definition.bands]
    for group in definition.groups:
        band_rows += [([group.code, *_band_cells(b)], wrap) for b in group.bands]
        for criterion in group.criteria:
            band_rows += [([criterion.code, *_band_cells(b)], wrap) for b in criterion.bands]
    _write_table(bands_sheet, BANDS_COLUMNS, band_rows, header)

    settings_sheet = workbook.add_worksheet(SETTINGS_SHEET)
    values = {"mode": MODE_LABELS[definition.mode], "overall_level": OVERALL_LABELS[definition.overall_level],
              "mandatory_failure": FAILURE_LABELS[definition.mandatory_failure]}
    setting_rows: list[tuple[list[Any], Any]] = [
        ([label, values.get(name, getattr(definition, name))], wrap) for name, label in SETTINGS]
    _write_table(settings_sheet, [("Thiết lập", 30), ("Giá trị", 80)], setting_rows, header)
    workbook.close()
    return buffer.getvalue()


def _write_table(sheet: Any, columns: list[tuple[str, int]], rows: list[tuple[list[Any], Any]], header: Any) -> None:
    for col, (title, width) in enumerate(columns):
        sheet.set_column(col, col, width)
        sheet.write_string(0, col, title, header)
    for row, (cells, style) in enumerate(rows, start=1):
        for col, value in enumerate(cells):
            if value is None:
                continue
            if isinstance(value, bool):
                sheet.write_string(row, col, YES if value else NO, style)
            elif isinstance(value, int | float):
                sheet.write_number(row, col, value, style)
            else:
                sheet.write_string(row, col, str(value), style)
    sheet.freeze_panes(1, 0)


def _band_cells(band: Band) -> list[Any]:
    return [band.label, band.min, band.min_inclusive, band.max, band.max_inclusive]


def _attributes_text(attributes: list[EvidenceAttribute]) -> str | None:
    """'solution_name: Tên giải pháp; acquisition: Hình thức [Tự xây dựng | Thuê | Mua]'."""
    parts = [f"{a.key}: {a.label}" + (f" [{' | '.join(a.choices)}]" if a.choices else "") for a in attributes]
    return "; ".join(parts) or None


# --- XLSX in --------------------------------------------------------------------------------------------------


class _Problems:
    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def add(self, sheet: str, row: int, message: str) -> None:
        self.errors.append(FieldError(field=sheet, row=row, message=message))


def from_xlsx(data: bytes) -> RubricDefinition:
    try:
        check_archive(data, ArchiveLimits(max_total=MAX_UNZIPPED_BYTES))
    except UnsafeArchive as exc:
        raise RubricFileInvalid(f"Tệp bộ tiêu chí bị từ chối: {exc}") from exc
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise RubricFileInvalid("Tệp không phải bảng tính Excel (.xlsx) đọc được.") from exc
    try:
        missing = [n for n in (CRITERIA_SHEET, SETTINGS_SHEET) if n not in workbook.sheetnames]
        if missing:
            raise RubricFileInvalid(f"Bảng tính thiếu trang '{missing[0]}' (hãy dùng mẫu xuất từ EduDX).")
        problems = _Problems()
        settings = _read_settings(_rows(workbook[SETTINGS_SHEET]), problems)
        groups = _read_criteria(_rows(workbook[CRITERIA_SHEET]), problems)
        bands = _rows(workbook[BANDS_SHEET]) if BANDS_SHEET in workbook.sheetnames else []
        common = _read_bands(bands, groups, problems)
    finally:
        workbook.close()
    if problems.errors:
        raise RubricFileInvalid("Bảng tính có dòng không hợp lệ (xem danh sách lỗi).", errors=problems.errors[:100])
    document = {**settings, "bands": common, "groups": groups}
    return _validated(document, _sheet_of)


def _sheet_of(loc: tuple[Any, ...]) -> str:
    """The sheet a person fixes for an error at `loc` (the message names the group or criterion)."""
    if loc and loc[0] == "groups":
        return BANDS_SHEET if "bands" in loc else CRITERIA_SHEET
    return BANDS_SHEET if loc and loc[0] == "bands" else SETTINGS_SHEET


def _rows(sheet: Any) -> list[tuple[int, list[Any]]]:
    """(row number as Excel shows it, cells) after the header, blank rows skipped."""
    found = []
    for number, cells in enumerate(sheet.iter_rows(min_row=2, values_only=True), start=2):
        if number > MAX_ROWS:
            raise RubricFileInvalid(f"Bảng tính quá dài (tối đa {MAX_ROWS} dòng mỗi trang).")
        values = [c.strip() if isinstance(c, str) else c for c in cells]
        values = [None if v == "" else v for v in values]
        if any(v is not None for v in values):
            found.append((number, values))
    return found


def _cell(cells: list[Any], index: int) -> Any:
    return cells[index] if index < len(cells) else None


def _number(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, int | float):
        return float(value)
    return float(str(value).replace(",", "."))


def _yes_no(value: Any) -> bool:
    if value is None:
        return False
    text = str(value).strip().lower()
    if text in ("có", "co", "x", "true", "1", "yes"):
        return True
    if text in ("không", "khong", "false", "0", "no"):
        return False
    raise ValueError


def _choice(value: Any, labels: dict[Any, str]) -> Any:
    for key, label in labels.items():
        if str(value).strip().lower() in (label.lower(), str(key)):
            return key
    raise ValueError


def _read_settings(rows: list[tuple[int, list[Any]]], problems: _Problems) -> dict[str, Any]:
    by_label = {label: name for name, label in SETTINGS}
    choices: dict[str, dict[Any, str]] = {"mode": dict(MODE_LABELS), "overall_level": dict(OVERALL_LABELS),
                                          "mandatory_failure": dict(FAILURE_LABELS)}
    settings: dict[str, Any] = {}
    for number, cells in rows:
        label, value = _cell(cells, 0), _cell(cells, 1)
        name = by_label.get(str(label))
        if name is None:
            problems.add(SETTINGS_SHEET, number, f"Không biết thiết lập '{label}'.")
            continue
        try:
            if name in choices and value is not None:
                settings[name] = _choice(value, choices[name])
            elif name == "review_reason_required":
                settings[name] = _yes_no(value)
            elif name in ("max_total", "step", "large_gap_ratio"):
                if value is not None:
                    settings[name] = _number(value)
            elif value is not None:
                settings[name] = str(value)
        except ValueError:
            problems.add(SETTINGS_SHEET, number, f"Giá trị '{value}' của '{label}' không hợp lệ.")
    if "title" not in settings:
        problems.add(SETTINGS_SHEET, 2, "Thiếu tên bộ tiêu chí.")
    return settings


def _read_criteria(rows: list[tuple[int, list[Any]]], problems: _Problems) -> list[dict[str, Any]]:
    kinds = {label: kind for kind, label in KIND_LABELS.items()}
    items = {label: kind for kind, label in ITEM_LABELS.items()}
    groups: list[dict[str, Any]] = []
    criterion: dict[str, Any] | None = None
    for number, cells in rows:
        code, text, kind = _cell(cells, 0), _cell(cells, 1), _cell(cells, 2)
        code = None if code is None else (str(int(code)) if isinstance(code, float) and code.is_integer()
                                          else str(code))
        try:
            points = _number(_cell(cells, 3))
            step = _number(_cell(cells, 4))
        except ValueError:
            problems.add(CRITERIA_SHEET, number, "Điểm chuẩn và bước điểm phải là số.")
            continue
        if kind == GROUP_ROW:
            groups.append({"code": code, "title": text, "max_points": points, "criteria": [], "bands": []})
            criterion = None
        elif kind in kinds:
            if not groups:
                problems.add(CRITERIA_SHEET, number, f"Tiêu chí {code} phải nằm dưới một dòng 'Nhóm'.")
                continue
            try:
                required = _yes_no(_cell(cells, 6))
                attributes = _parse_attributes(_cell(cells, 7))
                computed = _computed(_cell(cells, 9))
            except ValueError:
                problems.add(CRITERIA_SHEET, number, f"Tiêu chí {code}: cột 'Bắt buộc minh chứng' ghi Có/Không, "
                                                     "cột thuộc tính ghi 'khóa: tên [giá trị | …]; …', cột cách "
                                                     "tính ghi JSON như tệp xuất từ EduDX.")
                continue
            criterion = {"code": code, "text": text, "kind": kinds[kind], "max_points": points or 0, "step": step,
                         "evidence_expected": _cell(cells, 5), "evidence_required": required,
                         "evidence_attributes": attributes, "items": [], "bands": [],
                         "required_for_level": _cell(cells, 8), "computed": computed}
            groups[-1]["criteria"].append(criterion)
        elif kind in items:
            if criterion is None or criterion["kind"] is not items[kind]:
                problems.add(CRITERIA_SHEET, number, f"Dòng '{kind}' {code} phải nằm ngay dưới một tiêu chí "
                                                     f"loại '{KIND_LABELS[items[kind]]}'.")
                continue
            criterion["items"].append({"code": code, "text": text, "points": points})
        else:
            problems.add(CRITERIA_SHEET, number, f"Cột 'Loại' ghi '{kind}': hãy dùng Nhóm, "
                                                 + ", ".join(KIND_LABELS.values()) + ", Khối hoặc Mức.")
    if not groups and not problems.errors:
        problems.add(CRITERIA_SHEET, 2, "Chưa có nhóm tiêu chí nào.")
    return groups


def _computed(value: Any) -> Any:
    """The JSON of a computed criterion's source, as the export writes it."""
    if value is None:
        return None
    try:
        return json.loads(str(value))
    except json.JSONDecodeError as exc:
        raise ValueError from exc


def _parse_attributes(value: Any) -> list[dict[str, Any]]:
    if value is None:
        return []
    found = []
    for part in str(value).split(";"):
        if not part.strip():
            continue
        key, sep, rest = part.partition(":")
        if not sep:
            raise ValueError
        label, _, choices = rest.partition("[")
        found.append({"key": key.strip(), "label": label.strip(),
                      "choices": [c.strip() for c in choices.rstrip("] ").split("|") if c.strip()]})
    return found


def _read_bands(rows: list[tuple[int, list[Any]]], groups: list[dict[str, Any]],
                problems: _Problems) -> list[dict[str, Any]]:
    owners: dict[str, list[dict[str, Any]]] = {}
    for group in groups:
        owners[str(group["code"])] = group["bands"]
        for criterion in group["criteria"]:
            owners[str(criterion["code"])] = criterion["bands"]
    common: list[dict[str, Any]] = []
    for number, cells in rows:
        owner = str(_cell(cells, 0))
        target = common if owner == COMMON_BANDS else owners.get(owner)
        if target is None:
            problems.add(BANDS_SHEET, number, f"'{owner}' không phải 'Chung' hay mã một nhóm / tiêu chí.")
            continue
        try:
            target.append({"label": _cell(cells, 1), "min": _number(_cell(cells, 2)),
                           "min_inclusive": _yes_no(_cell(cells, 3)), "max": _number(_cell(cells, 4)),
                           "max_inclusive": _yes_no(_cell(cells, 5))})
        except ValueError:
            problems.add(BANDS_SHEET, number, "Cận phải là số; cột 'Lấy cận' ghi Có hoặc Không.")
    return common

