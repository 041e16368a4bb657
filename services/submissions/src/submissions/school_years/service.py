from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from edudx_common.auth import Principal, Role
from submissions.errors import NotAllowed, SchoolYearExists, SchoolYearNotFound
from submissions.school_years.models import SchoolYear
from submissions.school_years.schemas import SchoolYearCreate


async def list_school_years(session: AsyncSession) -> list[SchoolYear]:
    result = await session.execute(select(SchoolYear).order_by(col(SchoolYear.name).desc()))
    return list(result.scalars())


async def get(session: AsyncSession, school_year_id: uuid.UUID) -> SchoolYear:
    year = await session.get(SchoolYear, school_year_id)
    if year is None:
        raise SchoolYearNotFound()
    return year


async def get_by_name(session: AsyncSession, name: str) -> SchoolYear | None:
    result = await session.execute(select(SchoolYear).where(SchoolYear.name == name))
    return result.scalar_one_or_none()


async def create_school_year(session: AsyncSession, principal: Principal, data: SchoolYearCreate) -> SchoolYear:
    if not (principal.is_system_admin or principal.has_any(Role.AUTHORITY_ADMIN)):
        raise NotAllowed("Chỉ quản trị viên mới tạo được năm học.")
    if await get_by_name(session, data.name) is not None:
        raise SchoolYearExists(f"Năm học {data.name} đã có.")
    assert data.starts_on is not None and data.ends_on is not None
    year = SchoolYear(name=data.name, starts_on=data.starts_on, ends_on=data.ends_on)
    session.add(year)
    await session.flush()
    return year


async def next_year(session: AsyncSession, year: SchoolYear) -> SchoolYear:
    """The school year after `year`, created when it does not exist yet."""
    first = int(year.name[:4]) + 1
    name = f"{first}-{first + 1}"
    existing = await get_by_name(session, name)
    if existing is not None:
        return existing
    data = SchoolYearCreate(name=name)
    assert data.starts_on is not None and data.ends_on is not None
    created = SchoolYear(name=name, starts_on=data.starts_on, ends_on=data.ends_on)
    session.add(created)
    await session.flush()
    return created
