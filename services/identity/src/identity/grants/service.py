"""Rights a Sở grants a commune official (issue 20: "a commune official … no review rights by default; the Sở can
grant more").

A commune (UBND xã/phường) sits under its Sở in the tree and owns schools through `Unit.commune_id`; those schools
sit under the Sở professionally. The Sở's authority admins (and system admins) may grant an official of such a
commune `reminders` and/or `review` on the commune's schools. The grant reaches other services in the official's
access token (claim `commune_grants`, only the grants in force); narrowing or revoking it revokes the official's
sessions, so the old token stops working within the revocation poll interval, not at its expiry.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from edudx_common.auth import Principal, Role
from edudx_common.db import utcnow
from edudx_common.errors import Forbidden
from edudx_common.pagination import PageParams
from edudx_common.tables import audit
from edudx_common.timezone import VIETNAM
from identity.auth import repository as auth_repository
from identity.errors import CommuneGrantNotFound, CommuneGrantOverlaps, InvalidCommuneGrant, UserNotFound
from identity.grants import repository
from identity.grants.models import CommuneGrant
from identity.grants.schemas import CommuneGrantCreate, CommuneGrantRead, CommuneGrantUpdate
from identity.units import repository as units_repository
from identity.units import service as units_service
from identity.units.models import Unit, UnitType
from identity.users import repository as users_repository
from identity.users.models import User

ISSUER_TYPES = (UnitType.DEPARTMENT, UnitType.MINISTRY)


def in_force(grant: CommuneGrant, day: date) -> bool:
    return grant.revoked_at is None and grant.valid_from <= day and (grant.valid_to is None or grant.valid_to > day)


async def read(session: AsyncSession, grants: list[CommuneGrant]) -> list[CommuneGrantRead]:
    units = {u.id: u for u in await units_repository.get_many(
        session, list({g.commune_id for g in grants} | {g.issuer_unit_id for g in grants}))}
    users = {g.user_id: await users_repository.get(session, g.user_id) for g in grants}
    day = units_service.today()
    reads = []
    for grant in grants:
        item = CommuneGrantRead.model_validate(grant)
        user, commune, issuer = users.get(grant.user_id), units.get(grant.commune_id), units.get(grant.issuer_unit_id)
        item.user_name, item.user_email = (user.full_name, user.email) if user else ("", "")
        item.commune_name = commune.name if commune else ""
        item.issuer_name = issuer.name if issuer else ""
        item.in_force = in_force(grant, day)
        reads.append(item)
    return reads


async def list_grants(session: AsyncSession, principal: Principal, page: PageParams, *,
                      commune_id: list[uuid.UUID] | None, user_id: uuid.UUID | None,
                      include_revoked: bool) -> tuple[list[CommuneGrant], int]:
    """Grants issued by the caller's unit or units below it; a commune's officials see those on their commune."""
    root = await units_service.scope_root(session, principal)
    own_commune = root.id if root is not None and UnitType(root.type) == UnitType.COMMUNE else None
    return await repository.search(session, issuer_path=root.path if root else None, own_commune_id=own_commune,
                                   commune_ids=commune_id, user_id=user_id, include_revoked=include_revoked,
                                   limit=page.limit, offset=page.offset)


async def _issuer(session: AsyncSession, principal: Principal, issuer_unit_id: uuid.UUID | None) -> Unit:
    """The Sở granting: the caller's own unit by default; another one only if the caller manages it."""
    if principal.is_client or not (principal.is_system_admin or Role.AUTHORITY_ADMIN in principal.roles):
        raise Forbidden("Chỉ quản trị viên của Sở GDĐT mới được cấp quyền bổ sung cho cán bộ xã/phường.")
    if issuer_unit_id is None:
        if principal.unit_id is None:
            raise InvalidCommuneGrant("Hãy chọn Sở cấp quyền.")
        issuer_unit_id = principal.unit_id
    issuer = await units_service.get_manageable(session, principal, issuer_unit_id, strictly=False)
    if UnitType(issuer.type) not in ISSUER_TYPES:
        raise InvalidCommuneGrant("Quyền bổ sung cho cán bộ xã/phường do Sở GDĐT cấp.")
    return issuer


async def _grantee(session: AsyncSession, issuer: Unit, user_id: uuid.UUID) -> tuple[User, Unit]:
    """The official and their commune, which must own schools inside the Sở's tree (or sit in it)."""
    user = await users_repository.get(session, user_id)
    commune = await units_repository.get(session, user.unit_id) if user else None
    if user is None or commune is None:
        raise UserNotFound("Không tìm thấy cán bộ được cấp quyền.")
    if UnitType(commune.type) != UnitType.COMMUNE:
        raise InvalidCommuneGrant("Chỉ cấp quyền bổ sung cho cán bộ của UBND xã/phường.")
    if not user.active or not commune.active:
        raise InvalidCommuneGrant(f"Tài khoản của {user.full_name} hoặc {commune.name} đã ngừng hoạt động.")
    if not commune.path.startswith(issuer.path) \
            and not await repository.schools_of_commune_under(session, commune.id, issuer.path):
        raise InvalidCommuneGrant(f"{commune.name} không có trường nào thuộc {issuer.name}.")
    return user, commune


def _check_dates(valid_from: date, valid_to: date | None) -> None:
    if valid_to is not None and valid_to <= valid_from:
        raise InvalidCommuneGrant("Ngày hết hiệu lực phải sau ngày bắt đầu.")


def _snapshot(grant: CommuneGrant) -> dict[str, Any]:
    return {"user_id": str(grant.user_id), "commune_id": str(grant.commune_id),
            "issuer_unit_id": str(grant.issuer_unit_id), "rights": sorted(grant.rights),
            "valid_from": grant.valid_from.isoformat(),
            "valid_to": grant.valid_to.isoformat() if grant.valid_to else None, "note": grant.note}


def _audit(session: AsyncSession, principal: Principal, grant: CommuneGrant, action: str, issuer: Unit,
           before: dict[str, Any] | None, after: dict[str, Any] | None) -> None:
    audit.record(session, action=f"commune_grant.{action}", actor=principal, target_type="commune_grant",
                 target_id=grant.id, unit_id=issuer.id, unit_path=issuer.path, before=before, after=after)


async def create_grant(session: AsyncSession, principal: Principal, data: CommuneGrantCreate) -> CommuneGrant:
    issuer = await _issuer(session, principal, data.issuer_unit_id)
    user, commune = await _grantee(session, issuer, data.user_id)
    valid_from = data.valid_from or units_service.today()
    _check_dates(valid_from, data.valid_to)
    if await repository.open_grant(session, user_id=user.id, commune_id=commune.id,
                                   issuer_unit_id=issuer.id) is not None:
        raise CommuneGrantOverlaps(f"{user.full_name} đã có quyền bổ sung do {issuer.name} cấp: hãy sửa quyền đó "
                                   "thay vì cấp thêm.")
    grant = CommuneGrant(user_id=user.id, commune_id=commune.id, issuer_unit_id=issuer.id,
                         rights=sorted({r.value for r in data.rights}), valid_from=valid_from,
                         valid_to=data.valid_to, note=data.note, created_by=principal.subject)
    session.add(grant)
    await session.flush()
    _audit(session, principal, grant, "granted", issuer, None, _snapshot(grant))
    return grant


async def _managed(session: AsyncSession, principal: Principal, grant_id: uuid.UUID) -> tuple[CommuneGrant, Unit]:
    grant = await repository.get(session, grant_id)
    if grant is None:
        raise CommuneGrantNotFound("Không tìm thấy quyền bổ sung này.")
    try:
        issuer = await _issuer(session, principal, grant.issuer_unit_id)
    except Forbidden:
        raise CommuneGrantNotFound("Không tìm thấy quyền bổ sung trong phạm vi quản lý của bạn.") from None
    if grant.revoked_at is not None:
        raise CommuneGrantNotFound("Quyền bổ sung này đã bị thu hồi.")
    return grant, issuer


def _narrows(before: dict[str, Any], grant: CommuneGrant) -> bool:
    """Whether the change takes something away, so that a token already issued must stop being trusted."""
    lost = set(before["rights"]) - set(grant.rights)
    ends_sooner = grant.valid_to is not None and (before["valid_to"] is None
                                                  or grant.valid_to.isoformat() < before["valid_to"])
    starts_later = grant.valid_from.isoformat() > before["valid_from"]
    return bool(lost) or ends_sooner or starts_later


async def update_grant(session: AsyncSession, principal: Principal, grant_id: uuid.UUID,
                       data: CommuneGrantUpdate) -> CommuneGrant:
    grant, issuer = await _managed(session, principal, grant_id)
    before = _snapshot(grant)
    changes = data.model_dump(exclude_unset=True)
    if "rights" in changes:
        grant.rights = sorted({r.value for r in data.rights or []})
    if "valid_from" in changes and data.valid_from is not None:
        grant.valid_from = data.valid_from
    if "valid_to" in changes:
        grant.valid_to = data.valid_to
    if "note" in changes:
        grant.note = data.note
    _check_dates(grant.valid_from, grant.valid_to)
    after = _snapshot(grant)
    if after != before:
        grant.updated_at = utcnow()
        _audit(session, principal, grant, "updated", issuer, before, after)
        if _narrows(before, grant):
            await auth_repository.revoke_all_for_user(session, grant.user_id)
        await session.flush()
    return grant


async def revoke_grant(session: AsyncSession, principal: Principal, grant_id: uuid.UUID) -> CommuneGrant:
    """Revoke (the row stays, with who and when) and end the official's sessions: the rights stop at once."""
    grant, issuer = await _managed(session, principal, grant_id)
    grant.revoked_at, grant.revoked_by = utcnow(), principal.subject
    grant.updated_at = grant.revoked_at
    _audit(session, principal, grant, "revoked", issuer, _snapshot(grant), None)
    await auth_repository.revoke_all_for_user(session, grant.user_id)
    await session.flush()
    return grant


def _end_of(day: date) -> int:
    """Epoch seconds of the start of `day` in Vietnam (a grant's `valid_to` is exclusive)."""
    return int(datetime.combine(day, time.min, tzinfo=VIETNAM).timestamp())


async def token_claims(session: AsyncSession, user_id: uuid.UUID, unit_id: uuid.UUID) -> dict[str, Any]:
    """The `commune_grants` claim of the official's access token: the grants in force today on their commune."""
    grants = [g for g in await repository.in_force(session, user_ids=[user_id], on=units_service.today())
              if g.commune_id == unit_id]
    if not grants:
        return {}
    return {"commune_grants": [
        {"commune": g.commune_id.hex, "issuer": g.issuer_unit_id.hex, "rights": sorted(g.rights),
         "until": _end_of(g.valid_to) if g.valid_to else None} for g in grants]}

