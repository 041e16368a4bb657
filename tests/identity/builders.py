"""Small async builders for identity test data. Every builder commits, so the app under test sees it."""

from __future__ import annotations

import itertools
import uuid

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from edudx_common.auth import Role
from edudx_common.text import fold
from identity.auth.passwords import Passwords
from identity.units.models import Unit, UnitType
from identity.users import repository as users_repository
from identity.users.models import User

PASSWORD = "Mat-khau-2024"
_counter = itertools.count(1)
_passwords = Passwords(fast=True)


async def make_unit(
    session: AsyncSession,
    *,
    parent: Unit | None = None,
    type: UnitType = UnitType.SCHOOL,
    name: str | None = None,
    code: str | None = None,
    levels: list[str] | None = None,
    active: bool = True,
) -> Unit:
    n = next(_counter)
    unit_id = uuid.uuid4()
    if levels is None:
        levels = ["thcs"] if type in (UnitType.SCHOOL, UnitType.CENTER) else []
    name = name or f"Đơn vị thử {n}"
    unit = Unit(
        id=unit_id, code=code or f"U{n:05d}", name=name, name_folded=fold(name), type=type.value,
        education_levels=levels, parent_id=parent.id if parent else None,
        path=f"{parent.path if parent else '/'}{unit_id.hex}/", depth=parent.depth + 1 if parent else 0, active=active,
    )
    session.add(unit)
    await session.commit()
    return unit


async def make_user(
    session: AsyncSession,
    unit: Unit,
    *roles: Role,
    email: str | None = None,
    password: str | None = PASSWORD,
    name: str = "Nguyễn Văn Thử",
) -> User:
    n = next(_counter)
    user = User(
        email=(email or f"user{n}@vinhlong.edu.vn").lower(), full_name=name, full_name_folded=fold(name),
        unit_id=unit.id, password_hash=await _passwords.hash(password) if password else None,
    )
    session.add(user)
    await session.flush()
    await users_repository.set_roles(session, user.id, [r.value for r in roles])
    await session.commit()
    return user


async def login(client: httpx.AsyncClient, user: User, password: str = PASSWORD) -> dict[str, str]:
    """Authorization headers for `user`, obtained through the real login endpoint."""
    response = await client.post("/api/identity/auth/login", json={"email": user.email, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def make_province(session: AsyncSession, *, parent: Unit | None = None) -> dict[str, Unit]:
    """A Sở with two Phòng and two schools under each, plus one school directly under the Sở."""
    so = await make_unit(session, parent=parent, type=UnitType.DEPARTMENT, name="Sở GDĐT Vĩnh Long", code="SO-VL")
    p1 = await make_unit(session, parent=so, type=UnitType.DISTRICT_OFFICE, name="Phòng GDĐT Long Hồ", code="P-LH")
    p2 = await make_unit(session, parent=so, type=UnitType.DISTRICT_OFFICE, name="Phòng GDĐT Mang Thít", code="P-MT")
    return {
        "so": so, "p1": p1, "p2": p2,
        "s11": await make_unit(session, parent=p1, name="Trường THCS Hòa Bình", code="T-HB",
                               levels=["thcs"]),
        "s12": await make_unit(session, parent=p1, name="Trường Tiểu học Long Phước", code="T-LP",
                               levels=["tieu_hoc"]),
        "s21": await make_unit(session, parent=p2, name="Trường TH&THCS Đức Thành", code="T-DT",
                               levels=["tieu_hoc", "thcs"]),
        "s22": await make_unit(session, parent=p2, name="Trường Mầm non Hoa Sen", code="T-HS",
                               levels=["mam_non"]),
        "s0": await make_unit(session, parent=so, name="Trường THPT Lưu Văn Liệt", code="T-LVL",
                              levels=["thpt"]),
    }
