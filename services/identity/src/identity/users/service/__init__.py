"""Rules for accounts: who sees whom, who may grant which role where."""

from __future__ import annotations

import uuid
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from edudx_common.auth import Principal, Role
from edudx_common.db import utcnow
from edudx_common.errors import Forbidden
from edudx_common.pagination import PageParams
from edudx_common.tables import audit
from edudx_common.text import fold
from identity.errors import EmailTaken, InvalidRoles, UnitInactive, UserNotFound
from identity.units import service as units_service
from identity.units.models import Unit, UnitType
from identity.users import repository
from identity.users.models import User
from identity.users.schemas import MeRead, ProfileUpdate, UserCreate, UserRead, UserUpdate

# Roles that act on a subtree sit on authority units; roles that prepare and submit sit on schools.
AUTHORITY_ROLES = {Role.AUTHORITY_ADMIN, Role.REVIEWER}
SCHOOL_ROLES = {Role.PRINCIPAL, Role.SCHOOL_IT_OFFICER}


class AccountSessions(Protocol):
    """Ending the sessions of accounts whose tokens no longer tell the truth. Sessions are auth's, and auth sits
    above accounts (signing in reads them): it hands this in, so accounts never import auth."""

    async def end_for_user(self, session: AsyncSession, *, user_id: uuid.UUID) -> None: ...

    async def end_for_unit(self, session: AsyncSession, *, unit_id: uuid.UUID) -> None: ...


class UnitAccounts:
    """The accounts' side of a merge or a deactivation in the unit tree (`units_service.UnitAccounts`)."""

    def __init__(self, sessions: AccountSessions) -> None:
        self._sessions = sessions

    async def move(self, session: AsyncSession, *, from_unit_id: uuid.UUID, to_unit_id: uuid.UUID) -> int:
        return await repository.move_all(session, from_unit_id=from_unit_id, to_unit_id=to_unit_id)

    async def end_sessions(self, session: AsyncSession, *, unit_id: uuid.UUID) -> None:
        await self._sessions.end_for_unit(session, unit_id=unit_id)


def check_roles_fit_unit(roles: list[Role] | list[str], unit: Unit) -> None:
    unit_type = UnitType(unit.type)
    for role in map(Role, roles):
        if role in AUTHORITY_ROLES and not unit_type.is_authority:
            raise InvalidRoles(f"Vai trò '{role.value}' chỉ dành cho tài khoản của Sở/Phòng/Bộ.")
        if role in SCHOOL_ROLES and unit_type not in units_service.LEAF_TYPES:
            raise InvalidRoles(f"Vai trò '{role.value}' chỉ dành cho tài khoản của trường/trung tâm.")


def ensure_may_grant(principal: Principal, roles: list[Role] | list[str]) -> None:
    if Role.SYSTEM_ADMIN in roles and not principal.is_system_admin:
        raise Forbidden("Chỉ quản trị hệ thống mới cấp được vai trò quản trị hệ thống.")


async def to_read(session: AsyncSession, users: list[User]) -> list[UserRead]:
    roles = await repository.roles_of(session, [u.id for u in users])
    return [
        UserRead.model_validate({**u.model_dump(), "roles": roles[u.id], "has_password": u.password_hash is not None})
        for u in users
    ]


async def list_users(session: AsyncSession, principal: Principal, page: PageParams, *,
                     unit_id: uuid.UUID | None, query: str | None, roles: list[str],
                     include_inactive: bool, unit_ids: list[uuid.UUID] | None = None) -> tuple[list[User], int]:
    """Authority admins and reviewers see accounts in their subtree; everyone else, their own unit's."""
    root = await units_service.scope_root(session, principal)
    if root is not None and not principal.has_any(Role.AUTHORITY_ADMIN, Role.REVIEWER):
        if (unit_id is not None and unit_id != root.id) or any(u != root.id for u in unit_ids or []):
            raise Forbidden("Bạn chỉ xem được tài khoản của đơn vị mình.")
        unit_id = root.id
    if unit_id is not None:
        await units_service.get_visible(session, principal, unit_id)
    return await repository.search(session, root_path=root.path if root else None, unit_id=unit_id,
                                   unit_ids=unit_ids, query=query, roles=roles, include_inactive=include_inactive,
                                   limit=page.limit, offset=page.offset)


async def get_visible(session: AsyncSession, principal: Principal, user_id: uuid.UUID) -> User:
    user = await repository.get(session, user_id)
    if user is None:
        raise UserNotFound()
    root = await units_service.scope_root(session, principal)
    if root is not None:
        unit = await units_service.get(session, user.unit_id)
        sees_subtree = principal.has_any(Role.AUTHORITY_ADMIN, Role.REVIEWER)
        visible = unit is not None and (units_service.within(unit, root) if sees_subtree else unit.id == root.id)
        if not visible:
            raise UserNotFound()
    return user


async def create_user(session: AsyncSession, principal: Principal, data: UserCreate) -> User:
    units_service.ensure_admin(principal)
    unit = await units_service.get_visible(session, principal, data.unit_id)
    if not unit.active:
        raise UnitInactive(f"Đơn vị '{unit.name}' đã ngừng hoạt động.")
    ensure_may_grant(principal, data.roles)
    check_roles_fit_unit(data.roles, unit)
    email = str(data.email).lower()
    if await repository.get_by_email(session, email) is not None:
        raise EmailTaken(f"E-mail {email} đã có tài khoản.")
    user = User(email=email, full_name=data.full_name, full_name_folded=fold(data.full_name),
                phone=data.phone, unit_id=unit.id)
    session.add(user)
    await session.flush()
    await repository.set_roles(session, user.id, [r.value for r in data.roles])
    audit.record(session, action="user.created", actor=principal, target_type="user", target_id=user.id,
                 unit_id=unit.id, unit_path=unit.path,
                 after={"unit_id": unit.id, "roles": sorted(r.value for r in data.roles), "active": user.active})
    return user


async def update_user(session: AsyncSession, principal: Principal, user_id: uuid.UUID, data: UserUpdate, *,
                      sessions: AccountSessions) -> User:
    units_service.ensure_admin(principal)
    user = await get_visible(session, principal, user_id)
    changes: dict[str, Any] = data.model_dump(exclude_unset=True)
    if user.id == principal.user_id and ({"roles", "active", "unit_id"} & changes.keys()):
        raise Forbidden("Bạn không thể tự thay đổi vai trò, đơn vị hoặc trạng thái tài khoản của mình.")
    current_roles = (await repository.roles_of(session, [user.id]))[user.id]
    if Role.SYSTEM_ADMIN in current_roles and not principal.is_system_admin:
        raise Forbidden("Chỉ quản trị hệ thống mới sửa được tài khoản quản trị hệ thống.")
    unit = await units_service.get_visible(session, principal, changes.get("unit_id") or user.unit_id)
    roles = [r.value for r in changes["roles"]] if changes.get("roles") else current_roles
    ensure_may_grant(principal, [r for r in roles if r not in current_roles])
    check_roles_fit_unit(roles, unit)
    before = {"unit_id": user.unit_id, "roles": sorted(current_roles), "active": user.active}
    personal = _personal_snapshot(user)
    if changes.get("full_name"):
        user.full_name = " ".join(changes["full_name"].split())
        user.full_name_folded = fold(user.full_name)
    if "phone" in changes:
        user.phone = changes["phone"]
    if "active" in changes and changes["active"] is not None:
        user.active = changes["active"]
    user.unit_id = unit.id
    if roles != current_roles:
        await repository.set_roles(session, user.id, roles)
    if not user.active or sorted(roles) != sorted(current_roles) or user.unit_id != before["unit_id"]:
        # Tokens carry roles and unit, and a deactivated account must stop at once: end its sessions, which
        # every service learns within seconds (identity.auth.revocations).
        await sessions.end_for_user(session, user_id=user.id)
    user.updated_at = utcnow()
    audit.record(session, action="user.updated", actor=principal, target_type="user", target_id=user.id,
                 unit_id=unit.id, unit_path=unit.path, before=before,
                 after={"unit_id": user.unit_id, "roles": sorted(roles), "active": user.active},
                 changes=_personal_changes(personal, user))
    await session.flush()
    return user


def _personal_snapshot(user: User) -> dict[str, Any]:
    return {"full_name": user.full_name, "phone": user.phone}


def _personal_changes(before: dict[str, Any], user: User) -> dict[str, Any]:
    """Which personal fields changed, without their values: the trail need not hold a second copy of them."""
    changed = sorted(k for k, v in _personal_snapshot(user).items() if before[k] != v)
    return {"personal_fields_changed": changed} if changed else {}


async def update_profile(session: AsyncSession, user: User, data: ProfileUpdate) -> User:
    personal = _personal_snapshot(user)
    if data.full_name:
        user.full_name = " ".join(data.full_name.split())
        user.full_name_folded = fold(user.full_name)
    if "phone" in data.model_fields_set:
        user.phone = data.phone
    user.updated_at = utcnow()
    if changes := _personal_changes(personal, user):
        unit = await units_service.get(session, user.unit_id)
        audit.record(session, action="user.profile_updated",
                     actor=audit.Actor(kind="user", user_id=user.id, unit_id=user.unit_id), target_type="user",
                     target_id=user.id, unit_id=user.unit_id, unit_path=unit.path if unit else None, changes=changes)
    await session.flush()
    return user


async def me(session: AsyncSession, account: User) -> MeRead:
    """The signed-in account as it sees itself: its user record with its unit's name, code and type."""
    read = (await to_read(session, [account]))[0]
    unit = await units_service.get(session, read.unit_id)
    assert unit is not None
    return MeRead(**read.model_dump(), unit_name=unit.name, unit_code=unit.code,
                  unit_type=UnitType(unit.type))
