"""Reorganisations of the unit tree (docs/reorganisations.md): each is previewed (what moves, who gains or loses
access), then confirmed — applied in the confirming request's one transaction, with each unit's history, audit and
`unit.changed` events — or cancelled, which changes nothing."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from edudx_common.auth import Principal
from edudx_common.db import utcnow
from edudx_common.pagination import PageParams
from edudx_common.tables import audit
from identity.auth import service as auth_service
from identity.errors import InvalidReorganisation, OutOfScope, ReorganisationNotFound, ReorganisationNotPending
from identity.reorganisations import repository
from identity.reorganisations.models import Reorganisation, ReorganisationKind, ReorganisationStatus
from identity.reorganisations.schemas import (
    AccessChange,
    AccessChangePreview,
    CodeChangePreview,
    CommuneChangePreview,
    ReorganisationCreate,
    ReorganisationPreview,
    UnitMovePreview,
)
from identity.units import repository as units_repository
from identity.units import service as units_service
from identity.units.models import Unit, UnitType
from identity.units.schemas import UnitRef
from identity.units.service import changes as unit_changes
from identity.users.models import User


def ref(unit: Unit) -> UnitRef:
    return UnitRef(id=unit.id, code=unit.code, name=unit.name)


def ref_or_none(unit: Unit | None) -> UnitRef | None:
    return ref(unit) if unit else None


def common_path(paths: list[str]) -> str:
    """The path of the lowest unit above (or equal to) every path given; "/" when they share no root."""
    parts = [p.strip("/").split("/") for p in paths]
    shared: list[str] = []
    for column in zip(*parts, strict=False):
        if len(set(column)) != 1:
            break
        shared.append(column[0])
    return "/" + "".join(f"{p}/" for p in shared) if shared else "/"


@dataclass
class Plan:
    preview: ReorganisationPreview
    scope_paths: list[str]  # the parents involved: the caller must administer the unit above them all
    units: dict[str, Unit] = field(default_factory=dict)  # role → unit, for applying


async def _unit(session: AsyncSession, principal: Principal, unit_id: uuid.UUID | None, what: str) -> Unit:
    if unit_id is None:
        raise InvalidReorganisation(f"Thiếu {what}.")
    return await units_service.get_visible(session, principal, unit_id)


async def _access_for_move(session: AsyncSession, unit: Unit, old_path: str,
                           new_path: str) -> list[AccessChangePreview]:
    """Accounts of the units above `unit` before and not after (they lose it), or after and not before (gain)."""
    old_above = set(units_service.path_ids(old_path)[:-1])
    new_above = set(units_service.path_ids(new_path)[:-1])
    changes: list[AccessChangePreview] = []
    holders = {u.id: u for u in await units_repository.get_many(session, list(old_above ^ new_above))}
    for user in await repository.active_users_of(session, list(old_above ^ new_above)):
        change: AccessChange = "loses" if user.unit_id in old_above else "gains"
        changes.append(_access(user, holders[user.unit_id], change, [unit]))
    return changes


def _access(user: User, unit: Unit, change: AccessChange, units: list[Unit], *,
            read_only: bool = False) -> AccessChangePreview:
    return AccessChangePreview(user_id=user.id, email=user.email, full_name=user.full_name, unit=ref(unit),
                               change=change, units=[ref(u) for u in units], read_only=read_only)


def _merge_access(changes: list[AccessChangePreview]) -> list[AccessChangePreview]:
    """One line per account and kind of change, listing every unit."""
    merged: dict[tuple[uuid.UUID, str], AccessChangePreview] = {}
    for change in changes:
        key = (change.user_id, change.change)
        if key in merged:
            known = {u.id for u in merged[key].units}
            merged[key].units.extend(u for u in change.units if u.id not in known)
        else:
            merged[key] = change
    return list(merged.values())


def _move(unit: Unit, old_parent: Unit | None, new_parent: Unit) -> UnitMovePreview:
    return UnitMovePreview(unit=ref(unit), old_parent=ref_or_none(old_parent), new_parent=ref(new_parent),
                           old_path=unit.path, new_path=units_service.child_path(new_parent, unit.id))


async def plan(session: AsyncSession, principal: Principal, data: ReorganisationCreate) -> Plan:
    """What the reorganisation would do now, checked against the tree as it is."""
    kind = data.kind
    if kind == ReorganisationKind.ARCHIVE_OFFICE:
        return await _plan_archive(session, principal, await _unit(session, principal, data.unit_id, "Phòng GDĐT"))
    if kind == ReorganisationKind.MERGE_DEPARTMENTS:
        surviving = await _unit(session, principal, data.surviving_unit_id, "Sở tiếp nhận")
        absorbed = [await _unit(session, principal, i, "Sở hợp nhất") for i in data.absorbed_unit_ids]
        return await _plan_merge(session, surviving, absorbed)
    unit = await _unit(session, principal, data.unit_id, "đơn vị")
    if kind == ReorganisationKind.MOVE_SCHOOL_COMMUNE:
        commune = await _unit(session, principal, data.commune_id, "UBND xã/phường") if data.commune_id else None
        return await _plan_commune(session, principal, unit, commune)
    if kind == ReorganisationKind.MOVE_UNIT:
        return await _plan_move(session, unit, await _unit(session, principal, data.new_parent_id, "đơn vị mới"))
    assert data.new_code is not None
    return await _plan_recode(session, unit, data.new_code)


async def _plan_archive(session: AsyncSession, principal: Principal, office: Unit) -> Plan:
    if UnitType(office.type) != UnitType.DISTRICT_OFFICE:
        raise InvalidReorganisation(f"'{office.name}' không phải Phòng GDĐT.")
    if not office.active:
        raise InvalidReorganisation(f"'{office.name}' đã ngừng hoạt động.")
    parent = await units_repository.get(session, office.parent_id) if office.parent_id else None
    if parent is None or not parent.active:
        raise InvalidReorganisation(f"'{office.name}' không có Sở đang hoạt động để nhận các trường.")
    children = await units_repository.active_children(session, office.id)
    for child in children:
        units_service.check_parent(parent, UnitType(child.type))
    children.sort(key=lambda u: (u.name_folded, u.code))
    users = await repository.active_users_of(session, [office.id])
    preview = ReorganisationPreview(
        summary=f"Giải thể {office.name}: {len(children)} đơn vị chuyển về trực thuộc {parent.name}; "
                f"{len(users)} tài khoản của Phòng ngừng hoạt động. Lịch sử của Phòng vẫn xem được.",
        moves=[_move(child, office, parent) for child in children],
        deactivated_units=[ref(office)],
        access_changes=[_access(user, office, "deactivated", children) for user in users],
    )
    return Plan(preview, [parent.path], {"office": office, "parent": parent})


async def _plan_merge(session: AsyncSession, surviving: Unit, absorbed: list[Unit]) -> Plan:
    for unit in (surviving, *absorbed):
        if UnitType(unit.type) != UnitType.DEPARTMENT:
            raise InvalidReorganisation(f"'{unit.name}' không phải Sở GDĐT.")
        if not unit.active:
            raise InvalidReorganisation(f"'{unit.name}' đã ngừng hoạt động.")
    for unit in absorbed:
        if surviving.path.startswith(unit.path) or unit.path.startswith(surviving.path):
            raise InvalidReorganisation("Một Sở không thể hợp nhất vào đơn vị trực thuộc nó hoặc ngược lại.")
    moves: list[UnitMovePreview] = []
    access: list[AccessChangePreview] = []
    survivors_users = await repository.active_users_of(session, [surviving.id])
    for unit in absorbed:
        children = sorted(await units_repository.active_children(session, unit.id),
                          key=lambda u: (u.name_folded, u.code))
        parent = await units_repository.get(session, unit.parent_id) if unit.parent_id else None
        moves.extend(_move(child, unit, surviving) for child in children)
        moves.append(_move(unit, parent, surviving))
        access.extend(_access(user, unit, "moves", [surviving]) for user in
                      await repository.active_users_of(session, [unit.id]))
        access.extend(_access(user, surviving, "gains", [unit, *children]) for user in survivors_users)
    names = ", ".join(u.name for u in absorbed)
    preview = ReorganisationPreview(
        summary=f"Hợp nhất {names} vào {surviving.name}: các đơn vị trực thuộc và tài khoản chuyển sang "
                f"{surviving.name}; Sở được hợp nhất ngừng hoạt động, tên vẫn xem được trong lịch sử.",
        moves=moves, deactivated_units=[ref(u) for u in absorbed],
        access_changes=_merge_access(access),
    )
    return Plan(preview, [surviving.path, *(u.path for u in absorbed)],
                {"surviving": surviving, **{f"absorbed{i}": u for i, u in enumerate(absorbed)}})


async def _plan_commune(session: AsyncSession, principal: Principal, unit: Unit, commune: Unit | None) -> Plan:
    if UnitType(unit.type) not in units_service.LEAF_TYPES:
        raise InvalidReorganisation("Chỉ trường/trung tâm mới gắn với UBND xã/phường.")
    if commune is not None:
        await unit_changes.checked_commune(session, principal, commune.id, UnitType(unit.type))
    if unit.commune_id == (commune.id if commune else None):
        raise InvalidReorganisation(f"'{unit.name}' đã thuộc UBND xã/phường này.")
    old = await units_repository.get(session, unit.commune_id) if unit.commune_id else None
    access = []
    if old is not None:
        access += [_access(u, old, "loses", [unit], read_only=True)
                   for u in await repository.active_users_of(session, [old.id])]
    if commune is not None:
        access += [_access(u, commune, "gains", [unit], read_only=True)
                   for u in await repository.active_users_of(session, [commune.id])]
    preview = ReorganisationPreview(
        summary=f"{unit.name}: UBND xã/phường quản lý đổi từ {old.name if old else '(chưa có)'} sang "
                f"{commune.name if commune else '(không có)'}.",
        commune_changes=[CommuneChangePreview(unit=ref(unit), old_commune=ref_or_none(old),
                                              new_commune=ref_or_none(commune))],
        access_changes=access)
    scope = [unit.path] + [c.path for c in (old, commune) if c is not None]
    return Plan(preview, [units_service.parent_path(p) for p in scope], {"unit": unit})


async def _plan_move(session: AsyncSession, unit: Unit, new_parent: Unit) -> Plan:
    if new_parent.path.startswith(unit.path):
        raise InvalidReorganisation("Không thể chuyển một đơn vị vào chính nó hoặc đơn vị trực thuộc nó.")
    if unit.parent_id == new_parent.id:
        raise InvalidReorganisation(f"'{unit.name}' đã trực thuộc '{new_parent.name}'.")
    units_service.check_parent(new_parent, UnitType(unit.type))
    old_parent = await units_repository.get(session, unit.parent_id) if unit.parent_id else None
    move = _move(unit, old_parent, new_parent)
    preview = ReorganisationPreview(
        summary=f"Chuyển {unit.name} từ {old_parent.name if old_parent else '(gốc)'} sang {new_parent.name}.",
        moves=[move], access_changes=await _access_for_move(session, unit, move.old_path, move.new_path))
    return Plan(preview, [units_service.parent_path(unit.path), new_parent.path],
                {"unit": unit, "new_parent": new_parent})


async def _plan_recode(session: AsyncSession, unit: Unit, new_code: str) -> Plan:
    if new_code == unit.code:
        raise InvalidReorganisation(f"'{unit.name}' đã có mã {new_code}.")
    if await units_repository.code_used(session, new_code):
        raise InvalidReorganisation(f"Mã '{new_code}' đã được dùng (mã không được dùng lại).")
    preview = ReorganisationPreview(
        summary=f"{unit.name}: mã mới {new_code}, mã cũ {unit.code} vẫn tra cứu được.",
        code_changes=[CodeChangePreview(unit=ref(unit), old_code=unit.code, new_code=new_code)])
    return Plan(preview, [units_service.parent_path(unit.path)], {"unit": unit})


# --- authority -----------------------------------------------------------------------------------------------

async def _check_authority(session: AsyncSession, principal: Principal, scope_path: str) -> None:
    """Admins of the unit above every unit involved (their common ancestor), or system admins."""
    units_service.ensure_admin(principal)
    root = await units_service.scope_root(session, principal)
    if root is not None and not scope_path.startswith(root.path):
        raise OutOfScope("Chỉ quản trị viên của đơn vị quản lý chung của các đơn vị liên quan (hoặc quản trị hệ "
                         "thống) mới thực hiện được việc sắp xếp này.")


async def propose(session: AsyncSession, principal: Principal, data: ReorganisationCreate) -> Reorganisation:
    found = await plan(session, principal, data)
    scope_path = common_path(found.scope_paths)
    await _check_authority(session, principal, scope_path)
    reorganisation = Reorganisation(
        kind=data.kind.value, params=data.model_dump(mode="json", exclude={"kind", "effective_date"}),
        preview=found.preview.model_dump(mode="json"), effective_date=data.effective_date or units_service.today(),
        scope_path=scope_path, created_by=principal.subject)
    session.add(reorganisation)
    await session.flush()
    audit.record(session, action="reorganisation.proposed", actor=principal, target_type="reorganisation",
                 target_id=reorganisation.id, after={"kind": reorganisation.kind, "params": reorganisation.params})
    return reorganisation


async def get_visible(session: AsyncSession, principal: Principal, reorganisation_id: uuid.UUID) -> Reorganisation:
    units_service.ensure_admin(principal)
    reorganisation = await repository.get(session, reorganisation_id)
    root = await units_service.scope_root(session, principal)
    if reorganisation is None or (root is not None and not reorganisation.scope_path.startswith(root.path)):
        raise ReorganisationNotFound("Không tìm thấy đợt sắp xếp đơn vị trong phạm vi quản lý của bạn.")
    return reorganisation


async def list_reorganisations(session: AsyncSession, principal: Principal, page: PageParams,
                               status: ReorganisationStatus | None) -> tuple[list[Reorganisation], int]:
    units_service.ensure_admin(principal)
    root = await units_service.scope_root(session, principal)
    return await repository.search(session, scope_path=root.path if root else None,
                                   status=status.value if status else None, limit=page.limit, offset=page.offset)


async def _pending(session: AsyncSession, principal: Principal, reorganisation_id: uuid.UUID) -> Reorganisation:
    await get_visible(session, principal, reorganisation_id)
    reorganisation = await repository.get_for_update(session, reorganisation_id)
    assert reorganisation is not None
    if reorganisation.status != ReorganisationStatus.PENDING:
        raise ReorganisationNotPending("Đợt sắp xếp này đã được xác nhận hoặc đã huỷ.")
    return reorganisation


async def cancel(session: AsyncSession, principal: Principal, reorganisation_id: uuid.UUID) -> Reorganisation:
    reorganisation = await _pending(session, principal, reorganisation_id)
    reorganisation.status = ReorganisationStatus.CANCELLED
    reorganisation.confirmed_by, reorganisation.confirmed_at = principal.subject, utcnow()
    audit.record(session, action="reorganisation.cancelled", actor=principal, target_type="reorganisation",
                 target_id=reorganisation.id)
    await session.flush()
    return reorganisation


async def confirm(session: AsyncSession, principal: Principal, reorganisation_id: uuid.UUID) -> Reorganisation:
    """Apply the reorganisation as the tree stands now (planned again: what changed since the preview is taken
    into account, and what no longer fits is refused); the stored preview becomes what was done."""
    reorganisation = await _pending(session, principal, reorganisation_id)
    data = ReorganisationCreate.model_validate({**reorganisation.params, "kind": reorganisation.kind,
                                                "effective_date": reorganisation.effective_date})
    found = await plan(session, principal, data)
    await _check_authority(session, principal, common_path(found.scope_paths))
    await apply(session, principal, data, found, reorganisation.effective_date)
    reorganisation.preview = found.preview.model_dump(mode="json")
    reorganisation.status = ReorganisationStatus.CONFIRMED
    reorganisation.confirmed_by, reorganisation.confirmed_at = principal.subject, utcnow()
    audit.record(session, action="reorganisation.confirmed", actor=principal, target_type="reorganisation",
                 target_id=reorganisation.id, after={"kind": reorganisation.kind, "params": reorganisation.params,
                                                     "effective_date": str(reorganisation.effective_date)})
    await session.flush()
    return reorganisation


async def apply(session: AsyncSession, principal: Principal, data: ReorganisationCreate, found: Plan,
                effective: date) -> None:
    units = found.units
    if data.kind == ReorganisationKind.ARCHIVE_OFFICE:
        office, parent = units["office"], units["parent"]
        for child in await units_repository.active_children(session, office.id):
            await unit_changes.reparent(session, principal, child, parent, effective=effective)
        await _deactivate_accounts(session, principal, office)
        before = units_service.snapshot(office)
        office.active, office.inactive_from = False, effective
        office.updated_at = utcnow()
        units_service.record(session, office, "archived", principal, before,
                             {**units_service.snapshot(office), "effective_date": str(effective)})
    elif data.kind == ReorganisationKind.MERGE_DEPARTMENTS:
        surviving = units["surviving"]
        for role, unit in units.items():
            if role.startswith("absorbed"):
                await unit_changes.merge_into(session, principal, unit, surviving, effective=effective,
                                               accounts=auth_service.UNIT_ACCOUNTS)
    elif data.kind == ReorganisationKind.MOVE_SCHOOL_COMMUNE:
        await unit_changes.set_commune(session, principal, units["unit"], data.commune_id, effective=effective)
    elif data.kind == ReorganisationKind.MOVE_UNIT:
        await unit_changes.reparent(session, principal, units["unit"], units["new_parent"], effective=effective)
    else:
        assert data.new_code is not None
        await unit_changes.recode(session, principal, units["unit"], data.new_code, effective=effective,
                                   note=data.note)
    await session.flush()


async def _deactivate_accounts(session: AsyncSession, principal: Principal, unit: Unit) -> None:
    for user in await repository.active_users_of(session, [unit.id]):
        user.active = False
        user.updated_at = utcnow()
        audit.record(session, action="user.updated", actor=principal, target_type="user", target_id=user.id,
                     unit_id=unit.id, unit_path=unit.path, before={"active": True}, after={"active": False})
    await auth_service.SESSIONS.end_for_unit(session, unit_id=unit.id)
