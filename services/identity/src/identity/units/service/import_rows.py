"""The rows of a unit import as read from the sheet: its columns (with the headings a Sở's own file may use),
each cell parsed and checked on its own, and a row's later plan (`ImportRow`). How rows relate to each other and
to the stored tree is `importer`'s."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from email_validator import EmailNotValidError, validate_email

from edudx_common.text import fold
from identity.imports.report import RowErrors
from identity.imports.spreadsheet import Column, SheetRow, compact
from identity.units.models import EducationLevel, Unit, UnitType

COLUMNS = (
    Column("code", "Mã đơn vị", ("Mã đơn vị", "Mã trường", "Mã", "Mã ĐV", "unit_code"), required=True,
           hint="Chữ không dấu, chữ số, dấu chấm, gạch dưới, gạch ngang; tối đa 40 ký tự.", example="86703001"),
    Column("name", "Tên đơn vị", ("Tên đơn vị", "Tên trường", "Tên"), required=True,
           example="Trường THCS Hòa Bình"),
    Column("type", "Loại đơn vị", ("Loại đơn vị", "Loại", "unit_type"),
           hint="Trường, Trung tâm, UBND xã/phường, Phòng GDĐT (trước 1/7/2025), Sở GDĐT, Bộ GDĐT. Để trống: "
                "Trường (hoặc giữ loại đã lưu).",
           example="Trường"),
    Column("levels", "Cấp học", ("Cấp học", "education_levels"),
           hint="Mầm non, Tiểu học, THCS, THPT, GDTX, hoặc ghép như TH&THCS. Bắt buộc với trường và trung tâm.",
           example="THCS"),
    Column("parent_code", "Đơn vị quản lý (mã)", (
        "Đơn vị quản lý", "Mã đơn vị quản lý", "Mã ĐV quản lý", "Đơn vị cấp trên", "Mã đơn vị cấp trên",
        "Cơ quan quản lý", "Mã cơ quan quản lý", "Đơn vị chủ quản", "Trực thuộc", "Đơn vị cha"),
           hint="Mã của đơn vị quản lý trực tiếp: đơn vị đã có, hoặc một dòng khác trong cùng tệp. Để trống: "
                "đơn vị quản lý mặc định chọn khi nhập.", example="867"),
    Column("old_code", "Mã cũ", ("Mã cũ", "Mã trường cũ", "Mã đơn vị cũ", "Mã trước đây"),
           hint="Mã trước khi đổi (nếu có): đơn vị đang mang mã cũ được nhận mã mới; mã cũ vẫn tra cứu được.",
           example="86703001"),
    Column("commune_code", "Mã xã/phường", (
        "Mã xã/phường", "Mã xã", "Mã phường", "Mã xã, phường", "Mã ĐVHC", "Mã đơn vị hành chính"),
           hint="Mã 5 chữ số của xã/phường (QĐ 19/2025/QĐ-TTg) có UBND quản lý trường. Xã chưa có thì được tạo "
                "dưới Sở, cần thêm tên xã/phường.", example="29227"),
    Column("commune_name", "Tên xã/phường", (
        "Tên xã/phường", "Xã/phường", "Tên xã", "Tên phường", "Xã, phường", "UBND xã/phường"),
           hint="Tên xã/phường, ví dụ 'Phường Long Châu' hoặc 'Xã Hòa Bình'. Cần khi xã/phường chưa có.",
           example="Xã Hòa Bình"),
    Column("address", "Địa chỉ", ("Địa chỉ",), example="Ấp Hòa Bình, xã Hòa Bình, tỉnh Vĩnh Long"),
    Column("email", "E-mail đầu mối", ("E-mail đầu mối", "E-mail", "Thư điện tử", "Địa chỉ e-mail"),
           example="thcshoabinh@vinhlong.edu.vn"),
    Column("phone", "Điện thoại", ("Điện thoại", "Số điện thoại", "SĐT"),
           hint="Chữ số, khoảng trắng và + . - ( ).", example="0270 3812 345"),
)

_TYPE_WORDS: dict[UnitType, tuple[str, ...]] = {
    UnitType.SCHOOL: ("Trường", "Trường học"),
    UnitType.CENTER: ("Trung tâm", "Trung tâm GDTX", "Trung tâm GDNN-GDTX"),
    UnitType.DISTRICT_OFFICE: ("Phòng", "Phòng GDĐT", "Phòng GD&ĐT", "Phòng Giáo dục",
                               "Phòng Giáo dục và Đào tạo"),
    UnitType.COMMUNE: ("UBND xã/phường", "UBND xã", "UBND phường", "Xã", "Phường", "Xã/phường"),
    UnitType.DEPARTMENT: ("Sở", "Sở GDĐT", "Sở GD&ĐT", "Sở Giáo dục và Đào tạo"),
    UnitType.MINISTRY: ("Bộ", "Bộ GDĐT", "Bộ GD&ĐT", "Bộ Giáo dục và Đào tạo"),
}
TYPE_NAMES = {compact(word): t for t, words in _TYPE_WORDS.items() for word in (t.value, *words)}

_LEVEL_WORDS: dict[EducationLevel, tuple[str, ...]] = {
    EducationLevel.PRESCHOOL: ("MN", "Mầm non", "Mẫu giáo", "Nhà trẻ"),
    EducationLevel.PRIMARY: ("TH", "Tiểu học"),
    EducationLevel.LOWER_SECONDARY: ("THCS", "Trung học cơ sở"),
    EducationLevel.UPPER_SECONDARY: ("THPT", "Trung học phổ thông"),
    EducationLevel.CONTINUING: ("GDTX", "Giáo dục thường xuyên"),
}
LEVEL_NAMES = {compact(word): lvl for lvl, words in _LEVEL_WORDS.items() for word in (lvl.value, *words)}
_LEVEL_SEPARATORS = re.compile(r"\s*(?:[&,;/+-]|\bva\b)\s*")
_LEVEL_PREFIX = re.compile(r"^lien cap\b\s*:?\s*")
_CODE = re.compile(r"^[A-Za-z0-9._-]{1,40}$")
_PHONE = re.compile(r"^[0-9 +.()-]{1,40}$")

_TYPE_HINT = "dùng: Trường, Trung tâm, UBND xã/phường, Phòng GDĐT, Sở GDĐT, Bộ GDĐT"
_LEVEL_HINT = "dùng: Mầm non, Tiểu học, THCS, THPT, GDTX, hoặc ghép như TH&THCS"


def parse_levels(text: str) -> list[str]:
    """'TH, THCS và THPT' → ['tieu_hoc', 'thcs', 'thpt'] in the enum's order; ValueError on an unknown one."""
    folded = _LEVEL_PREFIX.sub("", fold(text))
    found: set[EducationLevel] = set()
    for token in _LEVEL_SEPARATORS.split(folded):
        if not token.strip():
            continue
        level = LEVEL_NAMES.get(compact(token))
        if level is None:
            raise ValueError(token)
        found.add(level)
    if not found:
        raise ValueError(text)
    return [lvl.value for lvl in EducationLevel if lvl in found]


@dataclass(eq=False)
class ImportRow:
    """One row of the file and, once checked, what importing it will do."""

    number: int
    code: str
    name: str
    type: UnitType | None  # None: not given
    levels: list[str] | None  # None: not given
    parent_code: str
    contacts: dict[str, str]  # address / email / phone given in the file
    old_code: str = ""
    commune_code: str = ""
    commune_name: str = ""
    recode_from: str = ""  # the existing unit was found by its old code: it takes the row's code
    keep_old_code: bool = False  # the old code is used by no unit: record it as this unit's former code
    relinks: bool = False  # the school gets another commune
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    existing: Unit | None = None
    parent: ImportRow | Unit | None = None  # the planned managing unit (None: a root, or kept when keeps_parent)
    keeps_parent: bool = False
    anchor: ImportRow | None = None  # the nearest row of the file above this one in the planned tree
    plan: Unit | None = None  # the unit as it will be: the real new unit, or a detached copy of an existing one
    changes: dict[str, Any] = field(default_factory=dict)
    moves: bool = False

    @property
    def outcome(self) -> str:
        if self.existing is None:
            return "created"
        changed = self.changes or self.moves or self.recode_from or self.keep_old_code or self.relinks
        return "updated" if changed else "unchanged"



def parse_row(source: SheetRow, errors: RowErrors) -> ImportRow | None:
    n = source.number
    code, name = source.get("code"), source.get("name")
    if not code:
        errors.add(n, "code", "thiếu mã đơn vị")
    elif not _CODE.match(code):
        errors.add(n, "code", f"mã đơn vị '{code}' chỉ được gồm chữ không dấu, số và . _ - (tối đa 40 ký tự)")
    if not name:
        errors.add(n, "name", "thiếu tên đơn vị")
    elif not 2 <= len(name) <= 255:
        errors.add(n, "name", "tên đơn vị phải dài từ 2 đến 255 ký tự")

    unit_type: UnitType | None = None
    if raw_type := source.get("type"):
        unit_type = TYPE_NAMES.get(compact(raw_type))
        if unit_type is None:
            errors.add(n, "type", f"loại đơn vị '{raw_type}' không hợp lệ ({_TYPE_HINT})")

    levels: list[str] | None = None
    if raw_levels := source.get("levels"):
        try:
            levels = parse_levels(raw_levels)
        except ValueError:
            errors.add(n, "levels", f"cấp học '{raw_levels}' không hợp lệ ({_LEVEL_HINT})")

    contacts: dict[str, str] = {}
    if address := source.get("address"):
        if len(address) > 500:
            errors.add(n, "address", "địa chỉ dài quá 500 ký tự")
        contacts["address"] = address
    if email := source.get("email"):
        try:
            contacts["email"] = validate_email(email, check_deliverability=False).normalized
        except EmailNotValidError:
            errors.add(n, "email", f"e-mail '{email}' không hợp lệ")
    if phone := source.get("phone"):
        if not _PHONE.match(phone) or not any(ch.isdigit() for ch in phone):
            errors.add(n, "phone", f"số điện thoại '{phone}' chỉ được gồm chữ số, khoảng trắng và + . - ( )")
        contacts["phone"] = phone

    old_code, commune_code = source.get("old_code"), source.get("commune_code")
    if old_code and not _CODE.match(old_code):
        errors.add(n, "old_code", f"mã cũ '{old_code}' chỉ được gồm chữ không dấu, số và . _ - (tối đa 40 ký tự)")
    if commune_code and not _CODE.match(commune_code):
        errors.add(n, "commune_code", f"mã xã/phường '{commune_code}' chỉ được gồm chữ không dấu, số và . _ -")
    commune_name = source.get("commune_name")
    if commune_name and not 2 <= len(commune_name) <= 240:
        errors.add(n, "commune_name", "tên xã/phường phải dài từ 2 đến 240 ký tự")
    if commune_name and not commune_code:
        errors.add(n, "commune_code", "thiếu mã xã/phường (có tên xã/phường)")

    if not code or not _CODE.match(code):
        return None
    return ImportRow(number=n, code=code, name=name, type=unit_type, levels=levels,
                parent_code=source.get("parent_code"), contacts=contacts,
                old_code=old_code if old_code != code else "", commune_code=commune_code, commune_name=commune_name)


def unique_rows(rows: list[ImportRow | None], errors: RowErrors) -> list[ImportRow]:
    first: dict[str, ImportRow] = {}
    for row in rows:
        if row is None:
            continue
        if row.code in first:
            errors.add(row.number, "code", f"mã đơn vị '{row.code}' trùng với dòng {first[row.code].number}")
        else:
            first[row.code] = row
    return list(first.values())



def commune_unit_name(name: str) -> str:
    """'Xã Hòa Bình' → 'UBND xã Hòa Bình': the unit is the People's Committee."""
    name = " ".join(name.split())
    if fold(name).startswith("ubnd"):
        return name
    return "UBND " + (name[0].lower() + name[1:] if fold(name).startswith(("xa ", "phuong ", "dac khu ")) else name)
