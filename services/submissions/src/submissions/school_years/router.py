from __future__ import annotations

from fastapi import APIRouter, status

from edudx_common.auth import CurrentPrincipal
from edudx_common.db import SessionDep
from edudx_common.errors import PROBLEM_RESPONSES
from edudx_common.pagination import Page, PageParamsDep, page_of
from submissions.school_years import service
from submissions.school_years.schemas import SchoolYearCreate, SchoolYearRead

router = APIRouter(prefix="/school-years", tags=["school-years"], responses=PROBLEM_RESPONSES)


@router.get("", response_model=Page[SchoolYearRead])
async def list_school_years(session: SessionDep, _principal: CurrentPrincipal,
                            page: PageParamsDep) -> Page[SchoolYearRead]:
    """School years, newest first."""
    return page_of(SchoolYearRead, await service.list_school_years(session), page)


@router.post("", response_model=SchoolYearRead, status_code=status.HTTP_201_CREATED)
async def create_school_year(body: SchoolYearCreate, session: SessionDep,
                             principal: CurrentPrincipal) -> SchoolYearRead:
    """Add a school year ('2025-2026'); dates default to 1 September – 31 August."""
    return SchoolYearRead.model_validate(await service.create_school_year(session, principal, body))
