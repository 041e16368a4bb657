"""Demo data for the embedded run: a Sở, two Phòng, ~20 schools across levels, one account per role.

Idempotent: units and accounts that already exist (by code / e-mail) are left as they are.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from edudx_common.auth import Principal, Role
from identity.auth.passwords import Passwords
from identity.units import repository as units_repository
from identity.units import service as units_service
from identity.units.models import Unit, UnitType
from identity.units.schemas import UnitCreate
from identity.users import repository as users_repository
from identity.users import service as users_service
from identity.users.schemas import UserCreate

DEMO_PASSWORD = "EduDX@2025"
SEED_PRINCIPAL = Principal(subject="system:seed", kind="service", roles=frozenset({Role.SYSTEM_ADMIN.value}))

# (code, name, type, levels, parent code)
DEMO_UNITS: list[tuple[str, str, UnitType, list[str], str | None]] = [
    ("SGD-VL", "Sở Giáo dục và Đào tạo Vĩnh Long (demo)", UnitType.DEPARTMENT, [], None),
    ("PGD-LH", "Phòng Giáo dục và Đào tạo huyện Long Hồ", UnitType.DISTRICT_OFFICE, [], "SGD-VL"),
    ("PGD-MT", "Phòng Giáo dục và Đào tạo huyện Mang Thít", UnitType.DISTRICT_OFFICE, [], "SGD-VL"),
    ("86701001", "Trường Mầm non Hoa Sen", UnitType.SCHOOL, ["mam_non"], "PGD-LH"),
    ("86701002", "Trường Mầm non Sơn Ca", UnitType.SCHOOL, ["mam_non"], "PGD-LH"),
    ("86702001", "Trường Tiểu học Long Phước", UnitType.SCHOOL, ["tieu_hoc"], "PGD-LH"),
    ("86702002", "Trường Tiểu học Hòa Phú", UnitType.SCHOOL, ["tieu_hoc"], "PGD-LH"),
    ("86702003", "Trường Tiểu học Phú Đức", UnitType.SCHOOL, ["tieu_hoc"], "PGD-LH"),
    ("86703001", "Trường THCS Hòa Bình", UnitType.SCHOOL, ["thcs"], "PGD-LH"),
    ("86703002", "Trường THCS Long Hồ", UnitType.SCHOOL, ["thcs"], "PGD-LH"),
    ("86704001", "Trường TH&THCS Lộc Hòa", UnitType.SCHOOL, ["tieu_hoc", "thcs"], "PGD-LH"),
    ("86711001", "Trường Mầm non Họa Mi", UnitType.SCHOOL, ["mam_non"], "PGD-MT"),
    ("86712001", "Trường Tiểu học Cái Nhum", UnitType.SCHOOL, ["tieu_hoc"], "PGD-MT"),
    ("86712002", "Trường Tiểu học Mỹ An", UnitType.SCHOOL, ["tieu_hoc"], "PGD-MT"),
    ("86713001", "Trường THCS Mang Thít", UnitType.SCHOOL, ["thcs"], "PGD-MT"),
    ("86713002", "Trường THCS Chánh An", UnitType.SCHOOL, ["thcs"], "PGD-MT"),
    ("86714001", "Trường TH&THCS Đức Thành", UnitType.SCHOOL, ["tieu_hoc", "thcs"], "PGD-MT"),
    ("86720001", "Trường THPT Lưu Văn Liệt", UnitType.SCHOOL, ["thpt"], "SGD-VL"),
    ("86720002", "Trường THPT Nguyễn Thông", UnitType.SCHOOL, ["thpt"], "SGD-VL"),
    ("86720003", "Trường THCS&THPT Mỹ Phước", UnitType.SCHOOL, ["thcs", "thpt"], "SGD-VL"),
    ("86730001", "Trung tâm GDNN-GDTX huyện Long Hồ", UnitType.CENTER, ["gdtx"], "SGD-VL"),
]

# (e-mail, full name, role, unit code)
DEMO_ACCOUNTS: list[tuple[str, str, Role, str]] = [
    ("admin@edudx.vn", "Quản trị hệ thống", Role.SYSTEM_ADMIN, "SGD-VL"),
    ("cntt.so@vinhlong.edu.vn", "Trần Minh Quân", Role.AUTHORITY_ADMIN, "SGD-VL"),
    ("thamdinh.so@vinhlong.edu.vn", "Lê Thị Thu Hà", Role.REVIEWER, "SGD-VL"),
    ("cntt.longho@vinhlong.edu.vn", "Phạm Văn Hùng", Role.AUTHORITY_ADMIN, "PGD-LH"),
    ("xem.longho@vinhlong.edu.vn", "Võ Thị Lan", Role.VIEWER, "PGD-LH"),
    ("hieutruong.hoabinh@vinhlong.edu.vn", "Nguyễn Văn An", Role.PRINCIPAL, "86703001"),
    ("cntt.hoabinh@vinhlong.edu.vn", "Đặng Thị Mai", Role.SCHOOL_IT_OFFICER, "86703001"),
    ("hieutruong.longphuoc@vinhlong.edu.vn", "Huỳnh Văn Bình", Role.PRINCIPAL, "86702001"),
]


@dataclass(frozen=True)
class DemoAccount:
    email: str
    role: Role
    unit_name: str


async def seed_demo(session: AsyncSession, passwords: Passwords) -> tuple[list[DemoAccount], dict[str, str]]:
    """Create what is missing; return the demo accounts and the demo units' ids by code."""
    units: dict[str, Unit] = await units_repository.get_by_codes(session, [u[0] for u in DEMO_UNITS])
    for code, name, unit_type, levels, parent_code in DEMO_UNITS:
        if code in units:
            continue
        parent = units[parent_code] if parent_code else None
        units[code] = await units_service.create_unit(session, SEED_PRINCIPAL, UnitCreate(
            code=code, name=name, type=unit_type, education_levels=levels,  # type: ignore[arg-type]
            parent_id=parent.id if parent else None,
        ))
    accounts = []
    for email, full_name, role, unit_code in DEMO_ACCOUNTS:
        unit = units[unit_code]
        if await users_repository.get_by_email(session, email) is None:
            user = await users_service.create_user(session, SEED_PRINCIPAL, UserCreate(
                email=email, full_name=full_name, unit_id=unit.id, roles=[role], send_invite=False,
            ))
            user.password_hash = passwords.hash(DEMO_PASSWORD)
        accounts.append(DemoAccount(email=email, role=role, unit_name=unit.name))
    await session.flush()
    return accounts, {code: str(unit.id) for code, unit in units.items()}


async def bootstrap_admin(session: AsyncSession, passwords: Passwords, *, unit_code: str, unit_name: str,
                          unit_type: UnitType, email: str, password: str) -> None:
    """First start of a real installation: the root unit and its system administrator."""
    unit = await units_repository.get_by_code(session, unit_code)
    if unit is None:
        unit = await units_service.create_unit(session, SEED_PRINCIPAL, UnitCreate(
            code=unit_code, name=unit_name, type=unit_type, parent_id=None))
    passwords.check_strength(password, email=email)
    user = await users_repository.get_by_email(session, email)
    if user is None:
        user = await users_service.create_user(session, SEED_PRINCIPAL, UserCreate(
            email=email, full_name="Quản trị hệ thống", unit_id=unit.id, roles=[Role.SYSTEM_ADMIN],
            send_invite=False))
    user.password_hash = passwords.hash(password)
    await session.flush()
