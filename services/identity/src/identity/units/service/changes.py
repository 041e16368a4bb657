"""Changes to the unit tree: creating, editing, recoding, moving, merging and (de)activating units, each audited,
with the unit's history of parents and communes kept for the tree on a past date.

Split from the package's `__init__` (scope, validation, reads), which these rules build on."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from edudx_common.auth import Principal
from edudx_common.db import utcnow
from edudx_common.text import fold
from identity.errors import InvalidTreeChange, OutOfScope, UnitCodeTaken, UnitInactive
from identity.units import repository
from identity.units.models import CodeKind, RelationKind, Unit, UnitCode, UnitRelation, UnitType
from identity.units.schemas import UnitCreate, UnitUpdate
from identity.units.service import (
    CHILDLESS_TYPES,
    DISTRICT_OFFICES_ABOLISHED,
    LEAF_TYPES,
    TYPE_LEVEL,
    UnitAccounts,
    check_levels,
    check_parent,
    child_path,
    ensure_admin,
    get_manageable,
    get_visible,
    record,
    scope_root,
    snapshot,
    today,
    within,
)

# -------------------------------------------------------------------------------------------

async def create_unit(session: AsyncSession, principal: Principal, data: UnitCreate, *,
                      since: date | None = None) -> Unit:
    ensure_admin(principal)
    parent: Unit | None = None
    if data.parent_id is None:
        if not principal.is_system_admin:
            raise OutOfScope("Chỉ quản trị hệ thống mới tạo được đơn vị gốc.")
    else:
        parent = await get_visible(session, principal, data.parent_id)
    check_parent(parent, data.type)
    check_levels(data.type, list(data.education_levels))
    if data.type == UnitType.DISTRICT_OFFICE and not principal.is_system_admin \
            and today() >= DISTRICT_OFFICES_ABOLISHED:
        raise InvalidTreeChange("Phòng GDĐT không còn từ 1/7/2025: trường trực thuộc Sở, gắn với UBND xã/phường.")
    if await repository.code_used(session, data.code):
        raise UnitCodeTaken(f"Mã đơn vị '{data.code}' đã được dùng (mã không được dùng lại).")
    commune = await checked_commune(session, principal, data.commune_id, data.type) if data.commune_id else None
    unit_id = uuid.uuid4()
    unit = Unit(
        id=unit_id, code=data.code, name=data.name, name_folded=fold(data.name), type=data.type.value,
        education_levels=[lvl.value for lvl in data.education_levels], parent_id=parent.id if parent else None,
        path=child_path(parent, unit_id), depth=parent.depth + 1 if parent else 0,
        address=data.address, email=str(data.email) if data.email else None, phone=data.phone,
        commune_id=commune.id if commune else None,
    )
    session.add(unit)
    await session.flush()
    start_history(session, unit, since)
    record(session, unit, "created", principal, None, snapshot(unit))
    return unit


def start_history(session: AsyncSession, unit: Unit, since: date | None = None) -> None:
    """A new unit's current code and relations, valid from `since` (default: today)."""
    day = since or today()
    session.add(UnitCode(code=unit.code, unit_id=unit.id, kind=CodeKind.CURRENT, valid_from=day))
    if unit.parent_id is not None:
        session.add(UnitRelation(unit_id=unit.id, kind=RelationKind.PROFESSIONAL, related_unit_id=unit.parent_id,
                                 valid_from=day))
    if unit.commune_id is not None:
        session.add(UnitRelation(unit_id=unit.id, kind=RelationKind.ADMINISTRATIVE,
                                 related_unit_id=unit.commune_id, valid_from=day))


async def shift_relation(session: AsyncSession, unit: Unit, kind: RelationKind, old: uuid.UUID | None,
                         new: uuid.UUID | None, effective: date | None = None) -> None:
    """Close the unit's open relation of `kind` on `effective` (default today) and open one to `new`.

    A unit made before relations were recorded (or by a bulk path) gets its old relation written from its creation
    day, so its history stays whole."""
    day = effective or today()
    current = await repository.open_relation(session, unit.id, kind)
    if current is not None:
        current.valid_to = max(day, current.valid_from)
    elif old is not None and not await repository.has_relations(session, unit.id, kind):
        since = min(unit.created_at.date(), day)
        session.add(UnitRelation(unit_id=unit.id, kind=kind, related_unit_id=old, valid_from=since, valid_to=day))
    if new is not None:
        session.add(UnitRelation(unit_id=unit.id, kind=kind, related_unit_id=new, valid_from=day))


async def checked_commune(session: AsyncSession, principal: Principal | None, commune_id: uuid.UUID,
                          unit_type: UnitType) -> Unit:
    """The commune a school may be given: an active UBND xã/phường the caller can see."""
    if unit_type not in LEAF_TYPES:
        raise InvalidTreeChange("Chỉ trường/trung tâm mới gắn với UBND xã/phường.")
    commune = await get_visible(session, principal, commune_id) if principal else await repository.get(session,
                                                                                                        commune_id)
    if commune is None or UnitType(commune.type) != UnitType.COMMUNE:
        raise InvalidTreeChange("Đơn vị được chọn không phải UBND xã/phường.")
    if not commune.active:
        raise UnitInactive(f"'{commune.name}' đã ngừng hoạt động.")
    return commune


async def set_commune(session: AsyncSession, principal: Principal | None, unit: Unit, commune_id: uuid.UUID | None,
                      *, effective: date | None = None) -> Unit:
    """Give a school another administrative owner (or none), dated; recorded in its history."""
    if unit.commune_id == commune_id:
        return unit
    if commune_id is not None:
        await checked_commune(session, principal, commune_id, UnitType(unit.type))
    before = snapshot(unit)
    await shift_relation(session, unit, RelationKind.ADMINISTRATIVE, unit.commune_id, commune_id, effective)
    unit.commune_id = commune_id
    unit.updated_at = utcnow()
    record(session, unit, "commune_changed", principal, before, snapshot(unit))
    await session.flush()
    return unit


async def recode(session: AsyncSession, principal: Principal | None, unit: Unit, new_code: str, *,
                 effective: date | None = None, note: str | None = None) -> Unit:
    """Give a unit a new code; the old one stays, as former, and finds the unit still."""
    if new_code == unit.code:
        return unit
    if await repository.code_used(session, new_code):
        raise UnitCodeTaken(f"Mã đơn vị '{new_code}' đã được dùng (mã không được dùng lại).")
    day = effective or today()
    before = snapshot(unit)
    old = await session.get(UnitCode, unit.code)
    if old is None:
        session.add(UnitCode(code=unit.code, unit_id=unit.id, kind=CodeKind.FORMER,
                             valid_from=min(unit.created_at.date(), day), valid_to=day, note=note))
    else:
        old.kind, old.valid_to, old.note = CodeKind.FORMER, max(day, old.valid_from), note or old.note
    session.add(UnitCode(code=new_code, unit_id=unit.id, kind=CodeKind.CURRENT, valid_from=day, note=note))
    unit.code = new_code
    unit.updated_at = utcnow()
    record(session, unit, "recoded", principal, before, snapshot(unit))
    await session.flush()
    return unit


async def update_unit(session: AsyncSession, principal: Principal, unit_id: uuid.UUID, data: UnitUpdate) -> Unit:
    unit = await get_manageable(session, principal, unit_id, strictly=False)
    changes = data.model_dump(exclude_unset=True)
    if changes.get("type") is not None and UnitType(changes["type"]) != UnitType(unit.type) \
            and not within(unit, await scope_root(session, principal), strictly=True):
        # A unit's type decides what its admins may do: only the admins above it may change it.
        raise OutOfScope("Chỉ quản trị viên của đơn vị cấp trên mới được thay đổi loại đơn vị.")
    if "email" in changes and changes["email"] is not None:
        changes["email"] = str(changes["email"])
    commune_given = "commune_id" in changes
    commune_id = changes.pop("commune_id", None)
    unit = await apply_changes(session, principal, unit, changes)
    if commune_given:
        unit = await set_commune(session, principal, unit, commune_id)
    return unit


async def apply_changes(session: AsyncSession, principal: Principal | None, unit: Unit,
                        changes: dict[str, Any]) -> Unit:
    """Set plain fields (not parent) after checking the type/level rules; records history only on change."""
    new_type = UnitType(changes.get("type") or unit.type)
    if new_type != UnitType(unit.type):
        # The same rules as a new unit under this parent, and the children must still fit under the new type.
        check_parent(await repository.get(session, unit.parent_id) if unit.parent_id else None, new_type)
        if any(TYPE_LEVEL[UnitType(t)] <= TYPE_LEVEL[new_type] for t in await repository.child_types(session, unit.id)):
            raise InvalidTreeChange("Đơn vị trực thuộc hiện có không phù hợp với loại đơn vị mới.")
    levels = [str(lvl) for lvl in changes.get("education_levels", unit.education_levels)]
    check_levels(new_type, levels)
    if new_type in CHILDLESS_TYPES and await repository.count_descendants(session, unit) > 0:
        raise InvalidTreeChange("Đơn vị đang có đơn vị trực thuộc, không thể chuyển thành trường/trung tâm.")
    if new_type not in LEAF_TYPES and unit.commune_id is not None:
        raise InvalidTreeChange("Đơn vị đang gắn với UBND xã/phường: chỉ trường/trung tâm mới gắn với xã.")
    before = snapshot(unit)
    for name, value in changes.items():
        if name == "education_levels":
            value = [str(v) for v in value]
        elif name == "type":
            value = str(value)
        setattr(unit, name, value)
    unit.name_folded = fold(unit.name)
    after = snapshot(unit)
    if after != before:
        unit.updated_at = utcnow()
        record(session, unit, "updated", principal, before, after)
        await session.flush()
    return unit


async def move_unit(session: AsyncSession, principal: Principal, unit_id: uuid.UUID,
                    new_parent_id: uuid.UUID) -> Unit:
    unit = await get_manageable(session, principal, unit_id, strictly=True)
    new_parent = await get_visible(session, principal, new_parent_id)
    return await reparent(session, principal, unit, new_parent)


async def reparent(session: AsyncSession, principal: Principal | None, unit: Unit, new_parent: Unit, *,
                   merging: bool = False, effective: date | None = None) -> Unit:
    if new_parent.path.startswith(unit.path):
        raise InvalidTreeChange("Không thể chuyển một đơn vị vào chính nó hoặc đơn vị trực thuộc nó.")
    if unit.parent_id == new_parent.id:
        return unit
    if not merging:  # a merged unit is parked under the unit it went into, even a school
        check_parent(new_parent, UnitType(unit.type))
    before = snapshot(unit)
    old_prefix = unit.path
    new_prefix = child_path(new_parent, unit.id)
    new_depth = new_parent.depth + 1
    await shift_relation(session, unit, RelationKind.PROFESSIONAL, unit.parent_id, new_parent.id, effective)
    await repository.rewrite_subtree_paths(session, old_prefix=old_prefix, new_prefix=new_prefix,
                                           depth_delta=new_depth - unit.depth)
    # The UPDATE above bypassed the session: setting the same values here lets the change hook see the old path.
    unit.path, unit.depth = new_prefix, new_depth
    unit.parent_id = new_parent.id
    unit.updated_at = utcnow()
    await session.flush()
    await session.refresh(unit)
    record(session, unit, "moved", principal, before, snapshot(unit))
    return unit


async def merge_units(session: AsyncSession, principal: Principal, unit_id: uuid.UUID,
                      into_unit_id: uuid.UUID, *, accounts: UnitAccounts) -> Unit:
    """Merge `unit_id` into `into_unit_id`: children and accounts move over, the merged unit is kept,
    inactive, under the receiving unit so that its history stays in the same scope."""
    unit = await get_manageable(session, principal, unit_id, strictly=True)
    target = await get_visible(session, principal, into_unit_id)
    if target.id == unit.id or target.path.startswith(unit.path):
        raise InvalidTreeChange("Không thể sáp nhập một đơn vị vào chính nó hoặc đơn vị trực thuộc nó.")
    if not unit.active:
        raise UnitInactive(f"Đơn vị '{unit.name}' đã ngừng hoạt động.")
    if not target.active:
        raise UnitInactive(f"Đơn vị nhận '{target.name}' đã ngừng hoạt động.")
    if UnitType(target.type).is_authority != UnitType(unit.type).is_authority:
        raise InvalidTreeChange("Chỉ sáp nhập trường vào trường, hoặc cơ quan quản lý vào cơ quan quản lý.")
    return await merge_into(session, principal, unit, target, accounts=accounts)


async def merge_into(session: AsyncSession, principal: Principal | None, unit: Unit, target: Unit, *,
                     accounts: UnitAccounts, effective: date | None = None) -> Unit:
    """The merge itself, once checked: children and accounts go to `target`, `unit` is parked inactive under it."""
    for child in await repository.active_children(session, unit.id):
        await reparent(session, principal, child, target, effective=effective)
    moved_users = await accounts.move(session, from_unit_id=unit.id, to_unit_id=target.id)
    before = snapshot(unit)
    await reparent(session, principal, unit, target, merging=True, effective=effective)
    unit.active, unit.inactive_from = False, effective or today()
    unit.merged_into_id = target.id
    unit.updated_at = utcnow()
    if UnitType(target.type) in LEAF_TYPES:
        target.education_levels = sorted({*target.education_levels, *unit.education_levels})
        target.updated_at = utcnow()
    record(session, unit, "merged", principal, before, {**snapshot(unit), "merged_into_id": str(target.id)})
    record(session, target, "absorbed", principal, None,
           {"merged_unit_id": str(unit.id), "merged_unit_code": unit.code, "users_moved": moved_users})
    await session.flush()
    return target


async def set_active(session: AsyncSession, principal: Principal, unit_id: uuid.UUID, *, active: bool,
                     accounts: UnitAccounts) -> Unit:
    unit = await get_manageable(session, principal, unit_id, strictly=True)
    if unit.active == active:
        return unit
    if active:
        if unit.merged_into_id is not None:
            raise InvalidTreeChange("Đơn vị đã sáp nhập không thể hoạt động lại.")
        parent = await repository.get(session, unit.parent_id) if unit.parent_id else None
        if parent is not None and not parent.active:
            raise UnitInactive(f"Đơn vị quản lý '{parent.name}' đã ngừng hoạt động.")
    elif await repository.count_descendants(session, unit) > 0:
        raise InvalidTreeChange("Đơn vị còn đơn vị trực thuộc đang hoạt động: chuyển hoặc ngừng chúng trước.")
    before = snapshot(unit)
    unit.active, unit.inactive_from = active, None if active else today()
    unit.updated_at = utcnow()
    if not active:  # its accounts can no longer sign in: their open sessions end too
        await accounts.end_sessions(session, unit_id=unit.id)
    record(session, unit, "reactivated" if active else "deactivated", principal, before, snapshot(unit))
    await session.flush()
    return unit
