from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from edudx_common.auth import CurrentPrincipal
from edudx_common.db import SessionDep
from edudx_common.errors import PROBLEM_RESPONSES
from edudx_common.pagination import Page, PageParamsDep, page_of
from submissions.outlines import service
from submissions.outlines.schemas import OutlineCreate, OutlineRead, OutlineSummary

router = APIRouter(prefix="/outlines", tags=["outlines"], responses=PROBLEM_RESPONSES)


@router.get("", response_model=Page[OutlineSummary])
async def list_outlines(session: SessionDep, principal: CurrentPrincipal,
                        page: PageParamsDep) -> Page[OutlineSummary]:
    """Shared outline templates and the caller's unit's own."""
    return page_of(OutlineSummary, await service.list_outlines(session, principal), page)


@router.post("", response_model=OutlineRead, status_code=status.HTTP_201_CREATED)
async def create_outline(body: OutlineCreate, session: SessionDep, principal: CurrentPrincipal) -> OutlineRead:
    """A new outline owned by the caller's unit: numbered sections, guidance and typed fields
    (rich_text, text, number, integer, boolean, date, choice, url, table)."""
    return OutlineRead.model_validate(await service.create_outline(session, principal, body))


@router.get("/{outline_id}", response_model=OutlineRead)
async def get_outline(outline_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal) -> OutlineRead:
    """One outline with its sections and fields."""
    return OutlineRead.model_validate(await service.get_visible(session, principal, outline_id))


@router.put("/{outline_id}", response_model=OutlineRead)
async def update_outline(outline_id: uuid.UUID, body: OutlineCreate, session: SessionDep,
                         principal: CurrentPrincipal) -> OutlineRead:
    """Replace an outline. Campaigns already using it keep the copy they took."""
    return OutlineRead.model_validate(await service.update_outline(session, principal, outline_id, body))
