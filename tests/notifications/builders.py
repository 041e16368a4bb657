"""Building notifications test data: units and people in identity, campaigns in submissions (through its API,
so its real events reach notifications), events posted as another service would, and times in Vietnam."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from edudx_common.auth import Role
from edudx_common.db import utcnow
from edudx_common.tables.inbox import InboxEvent
from edudx_common.timezone import VIETNAM
from identity.units.models import Unit, UnitType
from identity.users.models import User
from notifications.delivery.models import Notification, OutgoingEmail
from tests.common.event_support import eventually
from tests.identity.builders import PASSWORD, make_unit, make_user
from tests.submissions.builders import make_campaign, make_school_year
from tests.submissions.status_builders import submitted

_counter = itertools.count(1)


def vn(day: date, hour: int = 8, minute: int = 0) -> datetime:
    """A time in Vietnam."""
    return datetime.combine(day, time(hour, minute), tzinfo=VIETNAM)


def today_vn() -> date:
    return utcnow().astimezone(VIETNAM).date()


@dataclass
class School:
    unit: Unit
    principal: User
    officer: User

    @property
    def addresses(self) -> set[str]:
        """Who a school's reminder goes to: principal and IT officer, copied to the contact address."""
        assert self.unit.email
        return {self.principal.email, self.officer.email, self.unit.email}


@dataclass
class District:
    so: Unit
    phong: Unit
    so_admin: User
    phong_admin: User
    phong_reviewer: User
    schools: list[School] = field(default_factory=list)


async def _with_email(session: AsyncSession, unit: Unit, email: str) -> Unit:
    unit.email = email
    await session.commit()
    return unit


async def make_district(sessions: async_sessionmaker[AsyncSession], *, schools: int) -> District:
    """A Sở, one Phòng with an admin and a reviewer, and `schools` schools under the Phòng, each with a principal,
    an IT officer and a contact e-mail."""
    n = next(_counter)
    async with sessions() as session:
        so = await _with_email(session, await make_unit(session, type=UnitType.DEPARTMENT,
                                                        name=f"Sở GDĐT Vĩnh Long {n}"), f"so{n}@vinhlong.edu.vn")
        phong = await _with_email(session, await make_unit(session, parent=so, type=UnitType.DISTRICT_OFFICE,
                                                           name=f"Phòng GDĐT Long Hồ {n}"), f"pgd{n}@longho.edu.vn")
        district = District(
            so=so, phong=phong,
            so_admin=await make_user(session, so, Role.AUTHORITY_ADMIN, name="Trần Văn Sở"),
            phong_admin=await make_user(session, phong, Role.AUTHORITY_ADMIN, name="Phạm Văn Hùng"),
            phong_reviewer=await make_user(session, phong, Role.REVIEWER, name="Lê Thị Hà"))
        for i in range(1, schools + 1):
            unit = await make_unit(session, parent=phong, name=f"Trường THCS Số {i:02d} ({n})", levels=["thcs"])
            await _with_email(session, unit, f"thcs{i:02d}.{n}@longho.edu.vn")
            district.schools.append(School(
                unit=unit,
                principal=await make_user(session, unit, Role.PRINCIPAL, name=f"Hiệu trưởng {i:02d}",
                                          email=f"ht{i:02d}.{n}@longho.edu.vn"),
                officer=await make_user(session, unit, Role.SCHOOL_IT_OFFICER, name=f"Cán bộ CNTT {i:02d}",
                                        email=f"cntt{i:02d}.{n}@longho.edu.vn")))
    return district


async def sign_in(identity_url: str, user: User, password: str = PASSWORD) -> dict[str, str]:
    async with httpx.AsyncClient(base_url=identity_url) as http:
        response = await http.post("/api/identity/auth/login", json={"email": user.email, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def service_headers(identity_url: str, client_id: str, secret: str,
                          audience: str = "notifications") -> dict[str, str]:
    """A service token of `client_id` for calling `audience` (notifications unless said otherwise)."""
    async with httpx.AsyncClient(base_url=identity_url) as http:
        response = await http.post("/api/identity/auth/token", data={
            "grant_type": "client_credentials", "client_id": client_id, "client_secret": secret,
            "audience": audience})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def publish_campaign(submissions_url: str, admin: dict[str, str], *, due_at: datetime,
                           title: str = "Báo cáo tổng kết ứng dụng CNTT năm học 2025-2026",
                           **fields: Any) -> dict[str, Any]:
    """A published campaign of the admin's unit for its lower-secondary schools (submissions emits the events)."""
    async with httpx.AsyncClient(base_url=submissions_url, timeout=30) as http:
        first = 2000 + next(_counter)  # a new school year per campaign: campaigns of one test do not collide
        year = await make_school_year(http, admin, name=f"{first}-{first + 1}")
        return await make_campaign(http, admin, school_year_id=year, due_at=due_at, title=title, levels=["thcs"],
                                   opens_at=utcnow() - timedelta(days=1), **fields)


async def submit_for(submissions_url: str, admin: dict[str, str], campaign_id: str,
                     unit_id: uuid.UUID) -> dict[str, Any]:
    """The school's complete report, submitted by its Phòng admin on the school's behalf."""
    async with httpx.AsyncClient(base_url=submissions_url, timeout=30) as http:
        return await submitted(http, admin, campaign_id, unit_id)


async def events_received(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        return int((await session.execute(select(func.count()).select_from(InboxEvent))).scalar_one())


async def wait_for_events(sessions: async_sessionmaker[AsyncSession], count: int) -> None:
    """Until notifications has accepted `count` events (submissions' outbox delivers them within a second or so)."""

    async def arrived() -> bool:
        return await events_received(sessions) >= count

    await eventually(arrived, within=30)


def envelope(event_type: str, payload: dict[str, Any], *, occurred_at: datetime | None = None,
             event_id: uuid.UUID | None = None) -> dict[str, Any]:
    return {"id": str(event_id or uuid.uuid4()), "type": event_type,
            "occurred_at": (occurred_at or utcnow()).isoformat(), "payload": payload}


async def make_emails(sessions: async_sessionmaker[AsyncSession], count: int, *, now: datetime | None = None,
                      kind: str = "results_published", unit_path: str = "/", to: str = "r{i}@truong.edu.vn",
                      ) -> list[str]:
    """`count` e-mails waiting to be sent (one notification), one recipient each. Returns their Message-IDs."""
    now = now or utcnow()
    notification = Notification(kind=kind, dedupe_key=f"test:{uuid.uuid4()}", status="expanded", created_at=now)
    rows = [OutgoingEmail(notification_id=notification.id, message_id=f"<test.{uuid.uuid4().hex}@edudx.example.vn>",
                          kind=kind, category="results", unit_path=unit_path, to_addresses=[to.format(i=i)],
                          subject=f"[EduDX] Thư thử số {i}", body_text=f"Nội dung thư số {i}",
                          body_html=f"<p>Nội dung thư số {i}</p>", next_attempt_at=now, created_at=now,
                          give_up_at=now + timedelta(days=3))
            for i in range(count)]
    async with sessions() as session, session.begin():
        session.add(notification)
        await session.flush()
        session.add_all(rows)
    return [r.message_id for r in rows]
