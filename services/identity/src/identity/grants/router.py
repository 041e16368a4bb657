from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from edudx_common.auth import CurrentPrincipal
from edudx_common.db import SessionDep
from edudx_common.errors import PROBLEM_RESPONSES
from edudx_common.pagination import Page, PageParamsDep, make_page
from identity.grants import service
from identity.grants.schemas import CommuneGrantCreate, CommuneGrantRead, CommuneGrantUpdate

router = APIRouter(prefix="/commune-grants", tags=["commune-grants"], responses=PROBLEM_RESPONSES)


@router.get("", response_model=Page[CommuneGrantRead])
async def list_commune_grants(
    session: SessionDep, principal: CurrentPrincipal, page: PageParamsDep,
    commune_id: Annotated[list[uuid.UUID] | None, Query(
        max_length=100, description="Chỉ quyền trên các UBND xã/phường này (lặp lại tham số cho nhiều xã)")] = None,
    user_id: Annotated[uuid.UUID | None, Query(description="Chỉ quyền của cán bộ này")] = None,
    include_revoked: Annotated[bool, Query(description="Kể cả quyền đã thu hồi")] = False,
) -> Page[CommuneGrantRead]:
    """Rights granted to commune officials by the caller's Sở (or units below it); a commune's officials see those
    on their commune. Newest first."""
    grants, total = await service.list_grants(session, principal, page, commune_id=commune_id, user_id=user_id,
                                              include_revoked=include_revoked)
    return make_page(CommuneGrantRead, await service.read(session, grants), total, page)


@router.post("", response_model=CommuneGrantRead, status_code=status.HTTP_201_CREATED)
async def create_commune_grant(body: CommuneGrantCreate, session: SessionDep,
                               principal: CurrentPrincipal) -> CommuneGrantRead:
    """Grant an official of a UBND xã/phường `reminders` and/or `review` on the commune's schools (the Sở's
    authority admins, system admins). One grant in force per official, commune and Sở: change it with PATCH."""
    return (await service.read(session, [await service.create_grant(session, principal, body)]))[0]


@router.patch("/{grant_id}", response_model=CommuneGrantRead)
async def update_commune_grant(grant_id: uuid.UUID, body: CommuneGrantUpdate, session: SessionDep,
                               principal: CurrentPrincipal) -> CommuneGrantRead:
    """Change the rights, dates or note of a grant; taking a right away ends the official's sessions."""
    return (await service.read(session, [await service.update_grant(session, principal, grant_id, body)]))[0]


@router.delete("/{grant_id}", response_model=CommuneGrantRead)
async def revoke_commune_grant(grant_id: uuid.UUID, session: SessionDep,
                               principal: CurrentPrincipal) -> CommuneGrantRead:
    """Revoke a grant (kept in the history with who revoked it and when) and end the official's sessions."""
    return (await service.read(session, [await service.revoke_grant(session, principal, grant_id)]))[0]
