"""Clusters (cụm trường): groupings of schools a Sở defines; membership is dated like the tree's relations."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from edudx_common.auth import Principal
from edudx_common.tables import audit
from identity.clusters import repository
from identity.clusters.schemas import ClusterCreate, ClusterRead, ClusterUpdate
from identity.errors import ClusterCodeTaken, ClusterNotFound, InvalidTreeChange, UnitNotFound
from identity.units import repository as units_repository
from identity.units import service as units_service
from identity.units.models import UnitCluster, UnitClusterMember, UnitType


async def read(session: AsyncSession, clusters: list[UnitCluster]) -> list[ClusterRead]:
    members: dict[uuid.UUID, list[uuid.UUID]] = {}
    for member in await repository.current_members(session, [c.id for c in clusters]):
        members.setdefault(member.cluster_id, []).append(member.unit_id)
    reads = []
    for cluster in clusters:
        item = ClusterRead.model_validate(cluster)
        item.member_ids = sorted(members.get(cluster.id, []), key=str)
        reads.append(item)
    return reads


async def list_clusters(session: AsyncSession, principal: Principal,
                        owner_id: uuid.UUID | None) -> list[UnitCluster]:
    """Clusters of `owner_id` (which the caller must see), or of every unit the caller sees, and of the units above
    it (a school sees its Sở's clusters)."""
    if owner_id is not None:
        owner = await units_service.get_visible(session, principal, owner_id)
        return await repository.of_owners(session, [owner.id])
    root = await units_service.scope_root(session, principal)
    if root is None:
        return await repository.of_owners(session, None)
    below, _ = await units_repository.search(session, root_path=root.path, include_inactive=True,
                                             unit_types=[UnitType.DEPARTMENT, UnitType.MINISTRY], limit=10_000)
    return await repository.of_owners(session, [*units_service.path_ids(root.path), *(u.id for u in below)])


async def _manageable(session: AsyncSession, principal: Principal, cluster_id: uuid.UUID) -> UnitCluster:
    cluster = await repository.get(session, cluster_id)
    if cluster is None:
        raise ClusterNotFound("Không tìm thấy cụm trường.")
    try:
        await units_service.get_visible(session, principal, cluster.owner_unit_id)
    except UnitNotFound:
        raise ClusterNotFound("Không tìm thấy cụm trường trong phạm vi quản lý của bạn.") from None
    await units_service.get_manageable(session, principal, cluster.owner_unit_id, strictly=False)
    return cluster


async def create_cluster(session: AsyncSession, principal: Principal, data: ClusterCreate) -> UnitCluster:
    owner = await units_service.get_manageable(session, principal, data.owner_unit_id, strictly=False)
    if UnitType(owner.type) not in (UnitType.DEPARTMENT, UnitType.MINISTRY):
        raise InvalidTreeChange("Cụm trường do Sở GDĐT định nghĩa.")
    if await repository.by_owner_code(session, owner.id, data.code) is not None:
        raise ClusterCodeTaken(f"Mã cụm '{data.code}' đã được dùng.")
    cluster = UnitCluster(owner_unit_id=owner.id, code=data.code, name=data.name)
    session.add(cluster)
    await session.flush()
    audit.record(session, action="cluster.created", actor=principal, target_type="cluster", target_id=cluster.id,
                 unit_id=owner.id, unit_path=owner.path, after={"code": cluster.code, "name": cluster.name})
    return cluster


async def update_cluster(session: AsyncSession, principal: Principal, cluster_id: uuid.UUID,
                         data: ClusterUpdate) -> UnitCluster:
    cluster = await _manageable(session, principal, cluster_id)
    before = {"name": cluster.name, "active": cluster.active}
    if data.name is not None:
        cluster.name = data.name
    if data.active is not None:
        cluster.active = data.active
    after = {"name": cluster.name, "active": cluster.active}
    if after != before:
        audit.record(session, action="cluster.updated", actor=principal, target_type="cluster",
                     target_id=cluster.id, unit_id=cluster.owner_unit_id, before=before, after=after)
        await session.flush()
    return cluster


async def set_members(session: AsyncSession, principal: Principal | None, cluster: UnitCluster,
                      unit_ids: list[uuid.UUID], *, since: date | None = None) -> UnitCluster:
    """From `since` (today) the cluster holds exactly `unit_ids`: others leave, new ones join; the past stays."""
    day = since or units_service.today()
    owner = await units_repository.get(session, cluster.owner_unit_id)
    assert owner is not None
    wanted = set(unit_ids)
    units = {u.id: u for u in await units_repository.get_many(session, list(wanted))}
    for unit_id in wanted:
        unit = units.get(unit_id)
        if unit is None or not unit.path.startswith(owner.path) \
                or UnitType(unit.type) not in units_service.LEAF_TYPES:
            raise InvalidTreeChange("Cụm trường chỉ gồm các trường, trung tâm thuộc Sở định nghĩa cụm.")
    current = {m.unit_id: m for m in await repository.current_members(session, [cluster.id])}
    for unit_id, member in current.items():
        if unit_id not in wanted:
            member.valid_to = max(day, member.valid_from)
    for unit_id in wanted - current.keys():
        session.add(UnitClusterMember(cluster_id=cluster.id, unit_id=unit_id, valid_from=day))
    joined, left = sorted(map(str, wanted - current.keys())), sorted(map(str, current.keys() - wanted))
    if joined or left:
        audit.record(session, action="cluster.members_changed", actor=principal, target_type="cluster",
                     target_id=cluster.id, unit_id=owner.id, unit_path=owner.path,
                     changes={"joined": joined, "left": left})
    await session.flush()
    return cluster


async def change_members(session: AsyncSession, principal: Principal, cluster_id: uuid.UUID,
                         unit_ids: list[uuid.UUID]) -> UnitCluster:
    return await set_members(session, principal, await _manageable(session, principal, cluster_id), unit_ids)
