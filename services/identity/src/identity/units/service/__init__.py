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
from edudx_common.timezone import in_vietnam
from identity.errors import InvalidTreeChange, OutOfScope, UnitInactive, UnitNotFound
from identity.units import repository
from identity.units.models import Unit, UnitChange, UnitCode, UnitRelation, UnitType
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
