from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from edudx_common.auth import CurrentPrincipal
from edudx_common.db import SessionDep
from edudx_common.errors import PROBLEM_RESPONSES
from edudx_common.pagination import Page, PageParamsDep, page_of
from identity.clusters import service
from identity.clusters.schemas import ClusterCreate, ClusterMembers, ClusterRead, ClusterUpdate

router = APIRouter(prefix="/clusters", tags=["clusters"], responses=PROBLEM_RESPONSES)


@router.get("", response_model=Page[ClusterRead])
async def list_clusters(session: SessionDep, principal: CurrentPrincipal, page: PageParamsDep,
                        owner_id: Annotated[uuid.UUID | None, Query(description="Sở định nghĩa cụm")] = None,
                        ) -> Page[ClusterRead]:
    """Clusters (cụm trường) of a Sở, or of every Sở the caller sees (and the Sở above the caller)."""
    return page_of(ClusterRead, await service.read(session, await service.list_clusters(session, principal, owner_id)),
                   page)


@router.post("", response_model=ClusterRead, status_code=status.HTTP_201_CREATED)
async def create_cluster(body: ClusterCreate, session: SessionDep, principal: CurrentPrincipal) -> ClusterRead:
    """Define a cluster (the Sở's admins)."""
    return (await service.read(session, [await service.create_cluster(session, principal, body)]))[0]


@router.patch("/{cluster_id}", response_model=ClusterRead)
async def update_cluster(cluster_id: uuid.UUID, body: ClusterUpdate, session: SessionDep,
                         principal: CurrentPrincipal) -> ClusterRead:
    """Rename a cluster, or stop using it."""
    return (await service.read(session, [await service.update_cluster(session, principal, cluster_id, body)]))[0]


@router.put("/{cluster_id}/members", response_model=ClusterRead)
async def set_cluster_members(cluster_id: uuid.UUID, body: ClusterMembers, session: SessionDep,
                              principal: CurrentPrincipal) -> ClusterRead:
    """The cluster's schools from today: schools left out leave it (dated), new ones join."""
    cluster = await service.change_members(session, principal, cluster_id, body.unit_ids)
    return (await service.read(session, [cluster]))[0]
