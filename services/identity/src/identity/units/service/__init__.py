"""Rules of the unit tree: who may see and change which units, and how moves and merges keep history."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from edudx_common.auth import Principal, Role
from edudx_common.db import utcnow
from edudx_common.errors import Forbidden
from edudx_common.logging import get_request_id
from edudx_common.pagination import PageParams
from edudx_common.tables import audit
from edudx_common.text import fold
from edudx_common.timezone import in_vietnam
from identity.errors import InvalidTreeChange, OutOfScope, UnitCodeTaken, UnitInactive, UnitNotFound
from identity.units import repository
from identity.units.models import CodeKind, RelationKind, Unit, UnitChange, UnitCode, UnitRelation, UnitType
from identity.units.schemas import UnitCreate, UnitUpdate
from identity.units.service import views

LEAF_TYPES = {UnitType.SCHOOL, UnitType.CENTER}
# A commune (UBND xã/phường) sits under its Sở so that the Sở's admins manage it and its officials' accounts; it
# owns schools through `commune_id`, never as their parent.
CHILDLESS_TYPES = {*LEAF_TYPES, UnitType.COMMUNE}
# Level in the administration: a unit sits strictly below its parent (Bộ > Sở > Phòng/xã > trường/trung tâm; a
# school may sit directly under a Sở or the Bộ, a Sở never under a Phòng).
TYPE_LEVEL = {UnitType.MINISTRY: 0, UnitType.DEPARTMENT: 1, UnitType.DISTRICT_OFFICE: 2, UnitType.COMMUNE: 2,
              UnitType.SCHOOL: 3, UnitType.CENTER: 3}
# Phòng GDĐT were abolished on this day (NĐ 142/2025): only a system admin records one after it (history).
DISTRICT_OFFICES_ABOLISHED = date(2025, 7, 1)
SNAPSHOT_FIELDS = ("code", "name", "type", "education_levels", "parent_id", "commune_id", "address", "email",
                   "phone", "active")


class UnitAccounts(Protocol):
    """What a merge or a deactivation does to a unit's accounts. Accounts and their sessions sit above the tree
    (users and auth read units, never the reverse): their features hand this in, so the tree imports neither."""

    async def move(self, session: AsyncSession, *, from_unit_id: uuid.UUID, to_unit_id: uuid.UUID) -> int:
        """Move every account of one unit to another; the number moved."""
        ...

    async def end_sessions(self, session: AsyncSession, *, unit_id: uuid.UUID) -> None:
        """End the sessions of every account of the unit."""
        ...


def path_ids(path: str) -> list[uuid.UUID]:
    return [uuid.UUID(part) for part in path.strip("/").split("/") if part]


def today() -> date:
    """The date in Vietnam: relations, codes and memberships change on the day people there see."""
    return in_vietnam(utcnow()).date()


def parent_path(path: str) -> str:
    """The path of the unit above the one at `path` ("/" for a root)."""
    return path[: path.rstrip("/").rfind("/") + 1] or "/"


def child_path(parent: Unit | None, unit_id: uuid.UUID) -> str:
    return f"{parent.path if parent else '/'}{unit_id.hex}/"


def snapshot(unit: Unit) -> dict[str, Any]:
    values = {name: getattr(unit, name) for name in SNAPSHOT_FIELDS}
    values["parent_id"] = str(unit.parent_id) if unit.parent_id else None
    values["commune_id"] = str(unit.commune_id) if unit.commune_id else None
    return values


def record(session: AsyncSession, unit: Unit, kind: str, principal: Principal | None,
           before: dict[str, Any] | None, after: dict[str, Any] | None) -> None:
    repository.add_change(session, UnitChange(
        unit_id=unit.id, kind=kind, actor_id=principal.subject if principal else None,
        request_id=get_request_id(), before=before, after=after,
    ))
    audit.record(session, action=f"unit.{kind}", actor=principal, target_type="unit", target_id=unit.id,
                 unit_id=unit.id, unit_path=unit.path, before=before, after=after)


# --- reads for the features built on the tree (accounts): unscoped, the caller decides what may be seen ---------

async def get(session: AsyncSession, unit_id: uuid.UUID) -> Unit | None:
    return await repository.get(session, unit_id)


async def get_many(session: AsyncSession, unit_ids: Sequence[uuid.UUID]) -> list[Unit]:
    return await repository.get_many(session, unit_ids)


async def get_by_codes(session: AsyncSession, codes: Sequence[str]) -> dict[str, Unit]:
    """Units by their current code."""
    return await repository.get_by_codes(session, codes)


# --- scope -------------------------------------------------------------------------------------------

async def scope_root(session: AsyncSession, principal: Principal) -> Unit | None:
    """The top of what `principal` may see; None means the whole tree (system admins, services)."""
    if principal.is_system_admin or principal.is_service:
        return None
    unit = await repository.get(session, principal.unit_id) if principal.unit_id else None
    if unit is None:
        raise Forbidden("Tài khoản chưa gắn với đơn vị nào.")
    return unit


def within(unit: Unit, root: Unit | None, *, strictly: bool = False) -> bool:
    if root is None:
        return True
    if strictly and unit.id == root.id:
        return False
    return unit.path.startswith(root.path)


async def get_visible(session: AsyncSession, principal: Principal, unit_id: uuid.UUID) -> Unit:
    """The unit if it lies in the caller's subtree; otherwise 404, as if it did not exist."""
    unit = await repository.get(session, unit_id)
    if unit is None:
        raise UnitNotFound(f"Không tìm thấy đơn vị {unit_id} trong phạm vi quản lý của bạn.")
    root = await scope_root(session, principal)
    if not within(unit, root) and not follows(root, unit):
        raise UnitNotFound(f"Không tìm thấy đơn vị {unit_id} trong phạm vi quản lý của bạn.")
    return unit


def follows(root: Unit | None, unit: Unit) -> bool:
    """A commune's officials see (read only) the schools it owns administratively."""
    return root is not None and UnitType(root.type) == UnitType.COMMUNE and unit.commune_id == root.id


def ensure_admin(principal: Principal) -> None:
    if not (principal.is_system_admin or Role.AUTHORITY_ADMIN in principal.roles):
        raise Forbidden("Chỉ quản trị viên của đơn vị quản lý mới được thay đổi đơn vị.")


async def get_manageable(session: AsyncSession, principal: Principal, unit_id: uuid.UUID, *,
                         strictly: bool) -> Unit:
    """A unit the caller may change. `strictly`: below the caller's own unit, not the unit itself."""
    ensure_admin(principal)
    unit = await get_visible(session, principal, unit_id)
    if not within(unit, await scope_root(session, principal), strictly=strictly):
        raise OutOfScope("Bạn chỉ được thay đổi các đơn vị cấp dưới của đơn vị mình.")
    return unit


# --- validation ----------------------------------------------------------------------------------------

def check_parent(parent: Unit | None, unit_type: UnitType) -> None:
    if parent is None:
        return
    if not parent.active:
        raise UnitInactive(f"Đơn vị quản lý '{parent.name}' đã ngừng hoạt động.")
    if UnitType(parent.type) in LEAF_TYPES:
        raise InvalidTreeChange(f"'{parent.name}' là trường/trung tâm, không thể có đơn vị trực thuộc.")
    if UnitType(parent.type) == UnitType.COMMUNE:
        raise InvalidTreeChange(f"'{parent.name}' là UBND xã/phường: trường gắn với xã qua mục UBND xã/phường quản "
                                "lý, không trực thuộc xã.")
    if unit_type == UnitType.COMMUNE and UnitType(parent.type) != UnitType.DEPARTMENT:
        raise InvalidTreeChange("UBND xã/phường chỉ trực thuộc Sở GDĐT.")
    if unit_type == UnitType.MINISTRY:
        raise InvalidTreeChange("Bộ GDĐT chỉ có thể là đơn vị gốc.")
    if TYPE_LEVEL[unit_type] <= TYPE_LEVEL[UnitType(parent.type)]:
        raise InvalidTreeChange(f"Loại đơn vị này không thể trực thuộc '{parent.name}'.")


def check_levels(unit_type: UnitType, levels: list[str]) -> None:
    if unit_type in LEAF_TYPES and not levels:
        raise InvalidTreeChange("Trường/trung tâm phải có ít nhất một cấp học.")
    if unit_type not in LEAF_TYPES and levels:
        raise InvalidTreeChange("Chỉ trường/trung tâm mới có cấp học.")


# --- queries -------------------------------------------------------------------------------------------

async def list_units(session: AsyncSession, principal: Principal, page: PageParams, *, root_id: uuid.UUID | None,
                     **filters: Any) -> tuple[list[Unit], int]:
    root = await get_visible(session, principal, root_id) if root_id else await scope_root(session, principal)
    if root_id is None and root is not None and UnitType(root.type) == UnitType.COMMUNE \
            and filters.get("commune_id") == root.id:
        root = None  # a commune's own schools, wherever they sit in the professional tree
    return await repository.search(session, root_path=root.path if root else None,
                                   limit=page.limit, offset=page.offset, **filters)


async def list_children(session: AsyncSession, principal: Principal, unit_id: uuid.UUID, page: PageParams,
                        *, include_inactive: bool) -> tuple[list[Unit], int]:
    unit = await get_visible(session, principal, unit_id)
    return await repository.search(session, root_path=unit.path, parent_id=unit.id,
                                   include_inactive=include_inactive, limit=page.limit, offset=page.offset)


async def list_ancestors(session: AsyncSession, principal: Principal, unit_id: uuid.UUID) -> list[Unit]:
    """From the root down to the parent. Visible for any unit in scope: a school may see its Phòng's name."""
    unit = await get_visible(session, principal, unit_id)
    return await repository.get_many(session, path_ids(unit.path)[:-1])


async def unit_history(session: AsyncSession, principal: Principal, unit_id: uuid.UUID,
                       page: PageParams) -> tuple[list[UnitChange], int]:
    """The unit's own history and that of every unit merged into it."""
    unit = await get_visible(session, principal, unit_id)
    ids = [unit.id, *await repository.merged_into(session, unit.id)]
    return await repository.history(session, ids, limit=page.limit, offset=page.offset)


# --- changes -------------------------------------------------------------------------------------------

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


# --- the tree on a past date ---------------------------------------------------------------------------------

async def list_as_of(session: AsyncSession, principal: Principal, unit_id: uuid.UUID, day: date, page: PageParams, *,
                     children_only: bool, include_inactive: bool, unit_types: list[str] | None = None,
                     education_levels: list[str] | None = None) -> tuple[list[Any], int,
                                                                        dict[uuid.UUID, uuid.UUID | None]]:
    """The unit's subtree (or children) as it stood on `day`: paths, parents and communes as of then.

    A unit's active flag is not dated: on a past day every unit that existed then is listed (an archived Phòng or
    a merged Sở was working then); today, `include_inactive` decides as for the live tree."""
    unit = await get_visible(session, principal, unit_id)
    tree, communes = await views.tree_on(session, day)
    if unit.id not in tree:
        return [], 0, communes
    root = tree[unit.id]
    rows = [u for u in tree.values()
            if (u.parent_id == unit.id if children_only else u.path.startswith(root.path))
            and (include_inactive or day < today() or u.active)
            and (not unit_types or u.type in unit_types)
            and (not education_levels or set(u.education_levels) & set(education_levels))]
    rows.sort(key=lambda u: (u.depth, u.name_folded, u.code))
    return rows[page.offset: page.offset + page.limit], len(rows), communes


async def list_relations(session: AsyncSession, principal: Principal,
                         unit_id: uuid.UUID) -> list[tuple[UnitRelation, Unit | None]]:
    unit = await get_visible(session, principal, unit_id)
    relations = await repository.relations_of(session, unit.id)
    related = {u.id: u for u in await repository.get_many(session, [r.related_unit_id for r in relations])}
    return [(r, related.get(r.related_unit_id)) for r in relations]


async def list_codes(session: AsyncSession, principal: Principal, unit_id: uuid.UUID) -> list[UnitCode]:
    unit = await get_visible(session, principal, unit_id)
    return await repository.codes_of(session, unit.id)


async def lookup(session: AsyncSession, principal: Principal, code: str) -> Unit:
    """The unit in the caller's scope whose current or former code is `code`."""
    unit = await repository.find_by_any_code(session, code)
    if unit is None:
        raise UnitNotFound(f"Không tìm thấy đơn vị có mã '{code}' trong phạm vi quản lý của bạn.")
    return await get_visible(session, principal, unit.id)
