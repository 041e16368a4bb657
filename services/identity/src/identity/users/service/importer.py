"""Bulk import of accounts from a spreadsheet: one row per person, matched by e-mail.

New accounts have no password: the caller sends each an invitation. Existing accounts in the caller's
subtree are updated (name, phone, unit, roles) when the row differs. A blank optional cell keeps what is
stored, so re-importing the same file changes nothing and invites nobody again.
"""

from __future__ import annotations

import re
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from email_validator import EmailNotValidError, validate_email
from sqlalchemy.ext.asyncio import AsyncSession

from edudx_common.auth import ROLE_LABELS_VI, Principal, Role
from edudx_common.db import utcnow
from edudx_common.text import fold
from identity.imports.report import RowErrors, make_report, record_import, reject_if_needed
from identity.imports.schemas import ImportMode, ImportReport
from identity.imports.spreadsheet import Column, Sheet, SheetRow, compact
from identity.units import service as units_service
from identity.units.models import Unit
from identity.users import repository
from identity.users import service as users_service
from identity.users.models import User, UserRole

COLUMNS = (
    Column("email", "E-mail", ("E-mail", "Thư điện tử", "Địa chỉ e-mail", "E-mail đăng nhập"), required=True,
           hint="Tên đăng nhập của tài khoản; tài khoản mới nhận e-mail mời đặt mật khẩu.",
           example="gv.an@vinhlong.edu.vn"),
    Column("full_name", "Họ và tên", ("Họ và tên", "Họ tên", "Tên người dùng"), required=True,
           example="Nguyễn Văn An"),
    Column("phone", "Điện thoại", ("Điện thoại", "Số điện thoại", "SĐT"), example="0912 345 678"),
    Column("unit_code", "Mã đơn vị", ("Mã đơn vị", "Mã trường", "Đơn vị (mã)"), required=True,
           hint="Mã của đơn vị (trường, phòng, sở) trong phạm vi bạn quản lý.", example="86703001"),
    Column("roles", "Vai trò", ("Vai trò", "Chức vụ", "role"),
           hint="Hiệu trưởng, Cán bộ CNTT, Chuyên viên, Quản trị đơn vị, Người xem; nhiều vai trò cách nhau "
                "bởi dấu ; hoặc ,", example="Cán bộ CNTT"),
)

_ROLE_WORDS: dict[Role, tuple[str, ...]] = {
    Role.PRINCIPAL: ("Hiệu trưởng",),
    Role.SCHOOL_IT_OFFICER: ("Cán bộ CNTT", "Phụ trách CNTT", "Đầu mối CNTT", "Viên chức CNTT"),
    Role.REVIEWER: ("Chuyên viên", "Thẩm định", "Chuyên viên thẩm định"),
    Role.AUTHORITY_ADMIN: ("Quản trị", "Quản trị đơn vị"),
    Role.VIEWER: ("Người xem",),
}
ROLE_NAMES = {compact(word): role for role, words in _ROLE_WORDS.items()
              for word in (role.value, ROLE_LABELS_VI[role], *words)}
# Never granted from a file, whatever the caller's own roles.
_NOT_IMPORTABLE = {compact(Role.SYSTEM_ADMIN.value), compact(ROLE_LABELS_VI[Role.SYSTEM_ADMIN])}
_ROLE_SEPARATORS = re.compile(r"[,;\n]+")
_PHONE = re.compile(r"^[0-9 +.()-]{1,40}$")
_ROLE_HINT = "dùng: Hiệu trưởng, Cán bộ CNTT, Chuyên viên, Quản trị đơn vị, Người xem"
_BATCH = 500


def parse_roles(text: str) -> list[str]:
    """'Hiệu trưởng; Cán bộ CNTT' → ['principal', 'school_it_officer']; ValueError names the bad one."""
    roles: set[Role] = set()
    for part in _ROLE_SEPARATORS.split(text):
        if not part.strip():
            continue
        role = ROLE_NAMES.get(compact(part))
        if role is None:
            raise ValueError(part.strip())
        roles.add(role)
    if not roles:
        raise ValueError(text)
    return sorted(r.value for r in roles)


@dataclass(eq=False)
class _Row:
    number: int
    email: str
    full_name: str
    phone: str | None  # None: not given
    unit_code: str
    roles: list[str] | None  # None: not given; []: given but invalid (already reported)
    unit: Unit | None = None
    existing: User | None = None
    changes: dict[str, Any] = field(default_factory=dict)
    new_roles: list[str] | None = None  # set when the roles change

    @property
    def outcome(self) -> str:
        if self.existing is None:
            return "created"
        return "updated" if self.changes or self.new_roles is not None else "unchanged"


async def import_users(session: AsyncSession, principal: Principal, sheet: Sheet, *, mode: ImportMode,
                       dry_run: bool) -> tuple[ImportReport, list[User]]:
    """Check and import the rows; returns the report and the accounts created (to be invited)."""
    units_service.ensure_admin(principal)
    root = await units_service.scope_root(session, principal)
    errors = RowErrors(sheet)
    rows = _unique([_parse(r, errors) for r in sheet.rows], errors)

    units = await units_service.get_by_codes(session, [r.unit_code for r in rows if r.unit_code])
    existing = await repository.get_by_emails(session, [r.email for r in rows])
    existing_ids = [u.id for u in existing.values()]
    current_units = {u.id: u for u in await _in_batches(units_service.get_many, session,
                                                          list({u.unit_id for u in existing.values()}))}
    current_roles: dict[uuid.UUID, list[str]] = {}
    for start in range(0, len(existing_ids), _BATCH):
        current_roles.update(await repository.roles_of(session, existing_ids[start:start + _BATCH]))

    for row in rows:
        _check(row, principal, root, units, existing, current_units, current_roles, errors)
    reject_if_needed(errors, mode=mode, total_rows=len(sheet.rows))

    valid = [r for r in rows if r.number not in errors]
    created: list[User] = []
    if not dry_run:
        created = await _apply(session, valid)
    report = make_report(errors, Counter(r.outcome for r in valid), mode=mode, dry_run=dry_run,
                         total_rows=len(sheet.rows))
    if not dry_run:
        record_import(session, principal, root, "user.imported", report)
    return report, created


async def _in_batches(query: Callable[[AsyncSession, list[uuid.UUID]], Any], session: AsyncSession,
                      ids: Sequence[uuid.UUID]) -> list[Any]:
    found: list[Any] = []
    for start in range(0, len(ids), _BATCH):  # keep IN lists within every backend's parameter limit
        found.extend(await query(session, list(ids[start:start + _BATCH])))
    return found


# --- reading rows ------------------------------------------------------------------------------------------

def _parse(source: SheetRow, errors: RowErrors) -> _Row | None:
    n = source.number
    raw_email, full_name, unit_code = source.get("email"), source.get("full_name"), source.get("unit_code")
    email = ""
    if not raw_email:
        errors.add(n, "email", "thiếu e-mail")
    else:
        try:
            email = validate_email(raw_email, check_deliverability=False).normalized.lower()
        except EmailNotValidError:
            errors.add(n, "email", f"e-mail '{raw_email}' không hợp lệ")
        else:
            if len(email) > 255:
                errors.add(n, "email", "e-mail dài quá 255 ký tự")
    if not full_name:
        errors.add(n, "full_name", "thiếu họ và tên")
    elif not 2 <= len(full_name) <= 200:
        errors.add(n, "full_name", "họ và tên phải dài từ 2 đến 200 ký tự")
    phone = source.get("phone") or None
    if phone is not None and (not _PHONE.match(phone) or not any(ch.isdigit() for ch in phone)):
        errors.add(n, "phone", f"số điện thoại '{phone}' chỉ được gồm chữ số, khoảng trắng và + . - ( )")
    if not unit_code:
        errors.add(n, "unit_code", "thiếu mã đơn vị")
    roles: list[str] | None = None
    if raw_roles := source.get("roles"):
        roles = []
        if any(compact(p) in _NOT_IMPORTABLE for p in _ROLE_SEPARATORS.split(raw_roles)):
            errors.add(n, "roles", "vai trò quản trị hệ thống không thể cấp bằng tệp nhập")
        else:
            try:
                roles = parse_roles(raw_roles)
            except ValueError as exc:
                errors.add(n, "roles", f"vai trò '{exc}' không hợp lệ ({_ROLE_HINT})")
    if not email:
        return None
    return _Row(number=n, email=email, full_name=full_name, phone=phone, unit_code=unit_code, roles=roles)


def _unique(rows: list[_Row | None], errors: RowErrors) -> list[_Row]:
    first: dict[str, _Row] = {}
    for row in rows:
        if row is None:
            continue
        if row.email in first:
            errors.add(row.number, "email", f"e-mail '{row.email}' trùng với dòng {first[row.email].number}")
        else:
            first[row.email] = row
    return list(first.values())


# --- rules -------------------------------------------------------------------------------------------------

def _check(row: _Row, principal: Principal, root: Unit | None, units: dict[str, Unit], existing: dict[str, User],
           current_units: dict[uuid.UUID, Unit], current_roles: dict[uuid.UUID, list[str]],
           errors: RowErrors) -> None:
    n = row.number
    user = existing.get(row.email)
    if user is not None:
        home = current_units.get(user.unit_id)
        if home is None or not units_service.within(home, root):
            # Whose account it is, and where, is not the caller's business.
            errors.add(n, "email", "E-mail đã thuộc tài khoản ngoài phạm vi quản lý")
            return
        if Role.SYSTEM_ADMIN in current_roles.get(user.id, []) and not principal.is_system_admin:
            errors.add(n, "email", "không thể sửa tài khoản quản trị hệ thống bằng tệp nhập")
            return
        row.existing = user

    unit = units.get(row.unit_code) if row.unit_code else None
    if row.unit_code and (unit is None or not units_service.within(unit, root)):
        errors.add(n, "unit_code", f"đơn vị '{row.unit_code}' không tồn tại trong phạm vi quản lý của bạn")
        unit = None
    elif unit is not None and not unit.active:
        errors.add(n, "unit_code", f"đơn vị '{row.unit_code}' đã ngừng hoạt động")
        unit = None
    row.unit = unit

    held = current_roles.get(user.id, []) if user is not None else []
    roles = row.roles if row.roles is not None else held
    if row.roles is None and not held:
        errors.add(n, "roles", f"thiếu vai trò ({_ROLE_HINT})")
    if unit is not None and roles:
        granted = [r for r in roles if r not in held]
        errors.check(n, "roles", users_service.ensure_may_grant, principal, granted)
        errors.check(n, "roles", users_service.check_roles_fit_unit, roles, unit)
    if n in errors or unit is None or user is None:
        return

    changes: dict[str, Any] = {}
    if row.full_name != user.full_name:
        changes["full_name"] = row.full_name
    if row.phone is not None and row.phone != user.phone:
        changes["phone"] = row.phone
    if unit.id != user.unit_id:
        changes["unit_id"] = unit.id
    new_roles = sorted(set(roles)) if set(roles) != set(held) else None
    if user.id == principal.user_id and ("unit_id" in changes or new_roles is not None):
        errors.add(n, "email", "bạn không thể tự thay đổi vai trò hoặc đơn vị của mình")
        return
    row.changes, row.new_roles = changes, new_roles


# --- writing -----------------------------------------------------------------------------------------------

async def _apply(session: AsyncSession, rows: list[_Row]) -> list[User]:
    created: list[User] = []
    for row in rows:
        assert row.unit is not None
        if row.existing is None:
            user = User(email=row.email, full_name=row.full_name, full_name_folded=fold(row.full_name),
                        phone=row.phone, unit_id=row.unit.id)
            session.add(user)
            created.append(user)
            continue
        user = row.existing
        if row.changes:
            for name, value in row.changes.items():
                setattr(user, name, value)
            user.full_name_folded = fold(user.full_name)
            user.updated_at = utcnow()
        if row.new_roles is not None:
            await repository.set_roles(session, user.id, row.new_roles)
            user.updated_at = utcnow()
    await session.flush()
    # A new account's roles go in after it: one flush for all, no per-row delete as set_roles would do.
    by_email = {r.email: r for r in rows}
    for user in created:
        for role in by_email[user.email].roles or []:
            session.add(UserRole(user_id=user.id, role=role))
    await session.flush()
    return created
