"""Demo data for the embedded run: the shared outline templates, school years, and the seed-004 year-end
campaign issued by the demo Sở (since 7/2025 it runs its schools' campaigns directly, with no Phòng between) for
its primary and lower-secondary schools, published."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import select

from edudx_common.auth import Principal, Role
from edudx_common.db import utcnow
from edudx_common.vocabulary import UnitType
from submissions.campaigns import service as campaigns_service
from submissions.campaigns.models import Campaign, CampaignKind
from submissions.campaigns.schemas import CampaignCreate, TargetRule
from submissions.clients.identity import IdentityClient
from submissions.events import EventSink
from submissions.outlines import service as outlines_service
from submissions.school_years import service as school_years_service
from submissions.school_years.schemas import SchoolYearCreate

DEMO_TITLE = "Báo cáo tổng kết ứng dụng CNTT và thống kê giáo dục năm học {year}"


def current_school_year_name(now: datetime) -> str:
    first = now.year if now.month >= 9 else now.year - 1
    return f"{first}-{first + 1}"


async def seed_demo(session: AsyncSession, identity: IdentityClient, events: EventSink, *,
                    issuer_unit_id: str, rubric_id: str | None = None) -> Campaign:
    outline = await outlines_service.seed_templates(session)
    now = utcnow()
    year_name = current_school_year_name(now)
    year = await school_years_service.get_by_name(session, year_name)
    if year is None:
        year = await school_years_service.create_school_year(session, SEED_PRINCIPAL, SchoolYearCreate(name=year_name))
    title = DEMO_TITLE.format(year=year_name)
    existing = (await session.execute(select(Campaign).where(Campaign.title == title))).scalar_one_or_none()
    if existing is not None:
        return existing
    campaign = await campaigns_service.create_campaign(session, SEED_PRINCIPAL, identity, CampaignCreate(
        title=title, kind=CampaignKind.YEAR_END_REPORT,
        legal_reference="Công văn 719/PGDĐT-TCCB ngày 02/6/2022 (mẫu)",
        instructions="Báo cáo theo đề cương đính kèm, có chữ ký và đóng dấu của Hiệu trưởng.",
        opens_at=now - timedelta(days=1),
        due_at=datetime(now.year, now.month, now.day, 10, tzinfo=UTC) + timedelta(days=14),  # 17:00 Vietnam time
        school_year_id=year.id, issuer_unit_id=issuer_unit_id, outline_id=outline.id,  # type: ignore[arg-type]
        rubric_id=rubric_id,  # type: ignore[arg-type]
        targets=TargetRule(unit_types=[UnitType.SCHOOL], education_levels=["tieu_hoc", "thcs"]),
    ))
    return await campaigns_service.publish_campaign(session, SEED_PRINCIPAL, identity, events, campaign.id)


SEED_PRINCIPAL = Principal(subject="system:seed", kind="service", roles=frozenset({Role.SYSTEM_ADMIN.value}))
