"""Bulk import of units from a spreadsheet (the school list a Sở keeps in Excel).

Every row is checked with the same tree rules as the interactive endpoints (`units/service`); then rows
are created, or updated by code, parents before children. The managing unit is named by its code, which may
be an existing unit or another row of the same file, in any order. A blank optional cell keeps what is
stored, so re-importing the same file changes nothing.
"""

from __future__ import annotations

import uuid
from collections import Counter
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from edudx_common.auth import Principal
from edudx_common.text import fold
from identity.errors import InvalidTreeChange
from identity.imports.report import RowErrors, make_report, record_import, reject_if_needed
from identity.imports.schemas import ImportMode, ImportReport
from identity.imports.spreadsheet import Sheet
from identity.units import repository
from identity.units import service as units_service
from identity.units.models import CodeKind, EducationLevel, Unit, UnitCode, UnitType
from identity.units.schemas import UnitCreate
from identity.units.service import LEAF_TYPES
from identity.units.service import changes as unit_changes
from identity.units.service.import_rows import COLUMNS, ImportRow, commune_unit_name, parse_row, unique_rows

__all__ = ["COLUMNS", "import_units"]


async def import_units(session: AsyncSession, principal: Principal, sheet: Sheet, *,
                       default_parent_id: uuid.UUID | None, mode: ImportMode, dry_run: bool) -> ImportReport:
    units_service.ensure_admin(principal)
    root = await units_service.scope_root(session, principal)
    default_parent: Unit | None = None
    if default_parent_id is not None:
        default_parent = await units_service.get_visible(session, principal, default_parent_id)
        units_service.check_parent(default_parent, UnitType.SCHOOL)

    errors = RowErrors(sheet)
    rows = unique_rows([parse_row(r, errors) for r in sheet.rows], errors)
    known = await repository.get_by_codes(
        session, [r.code for r in rows] + [r.parent_code for r in rows if r.parent_code]
        + [r.old_code for r in rows if r.old_code] + [r.commune_code for r in rows if r.commune_code]
    )
    former = await repository.former_code_owners(session, [r.code for r in rows]
                                                 + [r.old_code for r in rows if r.old_code])
    by_code = {r.code: r for r in rows}
    for row in rows:
        _attach_existing(row, known, former, root, errors)
    for row in rows:
        _resolve_parent(row, by_code, known, default_parent, root, errors)
    ordered = _order(rows, errors)
    for row in ordered:
        await _check(session, row, root, errors)
        _check_commune(row, known, by_code, root, errors)
    reject_if_needed(errors, mode=mode, total_rows=len(sheet.rows))

    valid = [r for r in ordered if r.number not in errors]
    if not dry_run:
        tracked = {u.id: u for u in known.values()}
        if default_parent is not None:
            tracked[default_parent.id] = default_parent
        await _apply(session, principal, valid, tracked)
        await _link_communes(session, principal, valid, tracked, known)
    report = make_report(errors, Counter(r.outcome for r in valid), mode=mode, dry_run=dry_run,
                         total_rows=len(sheet.rows))
    if not dry_run:
        record_import(session, principal, root, "unit.imported", report)
    return report


# --- the rows and the stored tree -------------------------------------------------------------------------

def _attach_existing(row: ImportRow, known: dict[str, Unit], former: dict[str, uuid.UUID], root: Unit | None,
                     errors: RowErrors) -> None:
    unit = known.get(row.code)
    if unit is None and row.code in former:
        errors.add(row.number, "code", f"mã đơn vị '{row.code}' là mã cũ của một đơn vị: mã không được dùng lại")
        return
    if row.old_code:
        holder = known.get(row.old_code)
        if unit is None and holder is not None:
            unit, row.recode_from = holder, row.old_code  # the school renumbered: the row's code is its new one
        elif holder is not None or former.get(row.old_code, unit.id if unit else None) != (unit.id if unit else None):
            errors.add(row.number, "old_code", f"mã cũ '{row.old_code}' đang hoặc đã là mã của một đơn vị khác")
            return
        else:
            row.keep_old_code = row.old_code not in former  # recorded as this unit's former code
    if unit is None:
        return
    if not units_service.within(unit, root):
        # Its name and place are not the caller's business: say only that the code is taken.
        errors.add(row.number, "code", f"mã đơn vị '{row.code}' đã được dùng cho một đơn vị ngoài phạm vi quản lý "
                                       "của bạn")
        return
    row.existing = unit
    row.id = unit.id
    if not unit.active:
        merged = " (đã sáp nhập)" if unit.merged_into_id else ""
        errors.add(row.number, "code", f"đơn vị mã '{row.code}' đã ngừng hoạt động{merged}: kích hoạt lại trước "
                                       "khi nhập")


def _resolve_parent(row: ImportRow, by_code: dict[str, ImportRow], known: dict[str, Unit], default_parent: Unit | None,
                    root: Unit | None, errors: RowErrors) -> None:
    if row.parent_code:
        if row.parent_code == row.code:
            errors.add(row.number, "parent_code", "đơn vị không thể là đơn vị quản lý của chính nó")
            return
        target: ImportRow | Unit | None = by_code.get(row.parent_code) or known.get(row.parent_code)
        if target is None or (isinstance(target, Unit) and not units_service.within(target, root)):
            errors.add(row.number, "parent_code", f"đơn vị quản lý '{row.parent_code}' không tồn tại trong tệp "
                                                  "hoặc trong phạm vi quản lý của bạn")
            return
        row.parent = target
    elif default_parent is not None:
        row.parent = by_code.get(default_parent.code, default_parent)
    elif row.existing is not None:
        row.keeps_parent = True
    elif root is not None:  # only a system admin creates a root unit
        errors.add(row.number, "parent_code", "thiếu mã đơn vị quản lý (hoặc chọn đơn vị quản lý mặc định khi "
                                              "nhập)")


# --- order and cycles --------------------------------------------------------------------------------------

def _anchor(row: ImportRow, by_id: dict[uuid.UUID, ImportRow]) -> ImportRow | None:
    """The nearest row of the file above `row` once imported: it must be in place before `row` is.

    Above an existing unit that is not in the file, that is its nearest ancestor that is in the file
    (the unit moves with it)."""
    if isinstance(row.parent, ImportRow):
        return row.parent
    if isinstance(row.parent, Unit):
        ancestors = units_service.path_ids(row.parent.path)
    elif row.keeps_parent and row.existing is not None:
        ancestors = units_service.path_ids(row.existing.path)[:-1]
    else:
        return None
    return next((by_id[i] for i in reversed(ancestors) if i in by_id), None)


def _order(rows: list[ImportRow], errors: RowErrors) -> list[ImportRow]:
    """Rows with every anchor before the rows it carries; rows whose anchors loop are errors."""
    by_id = {r.existing.id: r for r in rows if r.existing is not None}
    for row in rows:
        row.anchor = _anchor(row, by_id)
    done: set[ImportRow] = set()
    ordered: list[ImportRow] = []
    for row in rows:
        chain: list[ImportRow] = []
        position: dict[ImportRow, int] = {}
        node: ImportRow | None = row
        while node is not None and node not in done and node not in position:
            position[node] = len(chain)
            chain.append(node)
            node = node.anchor
        if node is not None and node in position:
            cycle = chain[position[node]:]
            for member in cycle:
                if len(cycle) == 1:
                    message = "không thể đặt đơn vị dưới chính nó hoặc dưới một đơn vị trực thuộc nó"
                else:
                    start = cycle.index(member)
                    loop = [*cycle[start:], *cycle[:start], member]
                    message = "vòng lặp đơn vị quản lý: " + " → ".join(c.code for c in loop)
                errors.add(member.number, "parent_code", message)
        for member in reversed(chain):
            done.add(member)
            ordered.append(member)
    return ordered


# --- rules -------------------------------------------------------------------------------------------------

async def _check(session: AsyncSession, row: ImportRow, root: Unit | None, errors: RowErrors) -> None:
    """Check one row against the tree rules, its anchors already checked; plan what importing it does."""
    n = row.number
    if n in errors:
        return
    if row.anchor is not None and row.anchor.number in errors:
        which = "đơn vị quản lý" if row.parent is row.anchor else "đơn vị cấp trên"
        errors.add(n, "parent_code", f"{which} '{row.anchor.code}' (dòng {row.anchor.number}) có lỗi nên dòng này "
                                     "chưa nhập được")
        return
    existing = row.existing
    unit_type = row.type or (UnitType(existing.type) if existing else UnitType.SCHOOL)
    if row.levels is not None:
        levels = row.levels
    elif existing is not None and unit_type in LEAF_TYPES:
        levels = [lvl.value for lvl in EducationLevel if lvl.value in existing.education_levels]
    else:
        levels = []
    errors.check(n, "levels", units_service.check_levels, unit_type, levels)

    parent = row.parent.plan if isinstance(row.parent, ImportRow) else row.parent
    parent_id = existing.parent_id if row.keeps_parent and existing else (parent.id if parent else None)
    moves = existing is not None and parent_id != existing.parent_id
    if existing is None or moves:
        if moves and root is not None and existing is not None and existing.id == root.id:
            errors.add(n, "parent_code", "không thể chuyển đơn vị của chính bạn sang đơn vị quản lý khác")
        errors.check(n, "parent_code", units_service.check_parent, parent, unit_type)
    if (existing is not None and unit_type in LEAF_TYPES and UnitType(existing.type) not in LEAF_TYPES
            and await repository.count_descendants(session, existing) > 0):
        errors.add(n, "type", "đơn vị đang có đơn vị trực thuộc, không thể chuyển thành trường/trung tâm")
    if n in errors:
        return

    # New rows: the unit to insert (path set when written). Existing rows: a detached copy, for the rules
    # that look at the managing unit of rows below.
    row.plan = Unit(
        id=row.id, code=row.code, name=row.name, name_folded=fold(row.name), type=unit_type.value,
        education_levels=levels, parent_id=parent_id, path=existing.path if existing else "",
        depth=existing.depth if existing else 0, active=existing.active if existing else True,
        address=row.contacts.get("address"), email=row.contacts.get("email"), phone=row.contacts.get("phone"),
    )
    if existing is not None:
        wanted: dict[str, Any] = {"name": row.name, "type": unit_type.value, "education_levels": levels,
                                  **row.contacts}
        row.changes = {k: v for k, v in wanted.items() if not _same(k, v, getattr(existing, k))}
        row.moves = moves


def _check_commune(row: ImportRow, known: dict[str, Unit], by_code: dict[str, ImportRow], root: Unit | None,
                   errors: RowErrors) -> None:
    """A school's commune: an existing UBND xã/phường in the caller's scope, or one to create (needs its name)."""
    if not row.commune_code or row.number in errors or row.plan is None:
        return
    if UnitType(row.plan.type) not in LEAF_TYPES:
        errors.add(row.number, "commune_code", "chỉ trường/trung tâm mới gắn với UBND xã/phường")
        return
    commune = known.get(row.commune_code)
    row.relinks = commune is None or row.existing is None or row.existing.commune_id != commune.id
    if commune is None and row.commune_code in by_code:
        if by_code[row.commune_code].type != UnitType.COMMUNE:
            errors.add(row.number, "commune_code", f"mã '{row.commune_code}' trong tệp không phải UBND xã/phường")
        return
    if commune is None:
        if not row.commune_name:
            errors.add(row.number, "commune_name", f"xã/phường '{row.commune_code}' chưa có: cần tên xã/phường để "
                                                   "tạo")
        return
    if UnitType(commune.type) != UnitType.COMMUNE or not units_service.within(commune, root):
        errors.add(row.number, "commune_code", f"mã '{row.commune_code}' không phải UBND xã/phường trong phạm vi "
                                               "quản lý của bạn")
    elif not commune.active:
        errors.add(row.number, "commune_code", f"UBND xã/phường mã '{row.commune_code}' đã ngừng hoạt động")


def _same(key: str, new: Any, stored: Any) -> bool:
    if key == "education_levels":
        return set(new) == set(stored or [])
    return bool(new == stored)


# --- writing -----------------------------------------------------------------------------------------------

async def _apply(session: AsyncSession, principal: Principal, rows: list[ImportRow],
                 tracked: dict[uuid.UUID, Unit]) -> None:
    """Write the checked rows, in order. `tracked`: every unit loaded for the import, by id."""
    created: list[Unit] = []
    for row in rows:
        parent = tracked[row.parent.id] if isinstance(row.parent, ImportRow) else row.parent
        if row.existing is None:
            assert row.plan is not None
            unit = row.plan
            unit.path = units_service.child_path(parent, unit.id)
            unit.depth = parent.depth + 1 if parent else 0
            session.add(unit)
            tracked[unit.id] = unit
            created.append(unit)
            continue
        unit = row.existing
        if row.recode_from:
            await unit_changes.recode(session, principal, unit, row.code, note="Nhập từ danh sách đơn vị")
        if row.changes:
            await unit_changes.apply_changes(session, principal, unit, dict(row.changes))
        if row.moves:
            assert parent is not None
            await session.flush()  # new units must exist before anything moves under them
            old_prefix = unit.path
            await unit_changes.reparent(session, principal, unit, parent)
            # The move rewrote paths in one UPDATE: reload the loaded units it touched.
            for other in tracked.values():
                if other is not unit and other.path.startswith(old_prefix):
                    await session.refresh(other)
    await session.flush()
    for unit in created:
        unit_changes.start_history(session, unit)
        units_service.record(session, unit, "created", principal, None, units_service.snapshot(unit))
    await session.flush()
    day = units_service.today()
    for row in rows:
        if row.keep_old_code:  # listed with a former code no unit holds: it stays this unit's, and finds it
            session.add(UnitCode(code=row.old_code, unit_id=row.id, kind=CodeKind.FORMER, valid_from=day,
                                 valid_to=day, note="Nhập từ danh sách đơn vị"))
    await session.flush()


async def _link_communes(session: AsyncSession, principal: Principal, rows: list[ImportRow],
                         tracked: dict[uuid.UUID, Unit], known: dict[str, Unit]) -> None:
    """Give each school its commune, creating the communes the file names that do not exist yet (under the
    nearest Sở above the school)."""
    communes = {code: unit for code, unit in known.items() if UnitType(unit.type) == UnitType.COMMUNE}
    communes.update({u.code: u for u in tracked.values() if UnitType(u.type) == UnitType.COMMUNE})
    for row in rows:
        if not row.commune_code:
            continue
        school = tracked[row.id]
        commune = communes.get(row.commune_code)
        if commune is None:
            above = await repository.get_many(session, units_service.path_ids(school.path)[:-1])
            department = next((u for u in reversed(above) if UnitType(u.type) == UnitType.DEPARTMENT), None)
            if department is None:
                raise InvalidTreeChange(f"Dòng {row.number}: không có Sở GDĐT phía trên trường để tạo UBND "
                                        f"xã/phường '{row.commune_code}'.")
            commune = await unit_changes.create_unit(session, principal, UnitCreate(
                code=row.commune_code, name=commune_unit_name(row.commune_name), type=UnitType.COMMUNE,
                parent_id=department.id))
            communes[commune.code] = commune
        await unit_changes.set_commune(session, principal, school, commune.id)
