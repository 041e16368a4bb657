from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from edudx_common.auth import CurrentPrincipal
from edudx_common.db import SessionDep
from edudx_common.errors import PROBLEM_RESPONSES
from edudx_common.pagination import Page, PageParamsDep, make_page
from identity.reorganisations import service
from identity.reorganisations.schemas import ReorganisationCreate, ReorganisationRead, ReorganisationStatus

router = APIRouter(prefix="/reorganisations", tags=["reorganisations"], responses=PROBLEM_RESPONSES)


@router.post("", response_model=ReorganisationRead, status_code=status.HTTP_201_CREATED)
async def propose_reorganisation(body: ReorganisationCreate, session: SessionDep,
                                 principal: CurrentPrincipal) -> ReorganisationRead:
    """Prepare a reorganisation: nothing changes yet. The answer's `preview` lists the units that move (old and
    new parent and path), communes and codes that change, units that stop, and the accounts that gain or lose
    access. Admins of the unit above every unit involved, or system admins."""
    return ReorganisationRead.model_validate(await service.propose(session, principal, body))


@router.get("", response_model=Page[ReorganisationRead])
async def list_reorganisations(session: SessionDep, principal: CurrentPrincipal, page: PageParamsDep,
                               status: Annotated[ReorganisationStatus | None, Query()] = None,
                               ) -> Page[ReorganisationRead]:
    """Reorganisations within the caller's scope, newest first."""
    items, total = await service.list_reorganisations(session, principal, page, status)
    return make_page(ReorganisationRead, items, total, page)


@router.get("/{reorganisation_id}", response_model=ReorganisationRead)
async def get_reorganisation(reorganisation_id: uuid.UUID, session: SessionDep,
                             principal: CurrentPrincipal) -> ReorganisationRead:
    return ReorganisationRead.model_validate(await service.get_visible(session, principal, reorganisation_id))


@router.post("/{reorganisation_id}/confirm", response_model=ReorganisationRead)
async def confirm_reorganisation(reorganisation_id: uuid.UUID, session: SessionDep,
                                 principal: CurrentPrincipal) -> ReorganisationRead:
    """Apply it, all or nothing, in one transaction: units move (dated relations from the effective date), history
    and audit are written, and `unit.changed` events (with `former_path`) go to the other services."""
    return ReorganisationRead.model_validate(await service.confirm(session, principal, reorganisation_id))


@router.post("/{reorganisation_id}/cancel", response_model=ReorganisationRead)
async def cancel_reorganisation(reorganisation_id: uuid.UUID, session: SessionDep,
                                principal: CurrentPrincipal) -> ReorganisationRead:
    """Drop a pending reorganisation: nothing in the tree changes."""
    return ReorganisationRead.model_validate(await service.cancel(session, principal, reorganisation_id))
