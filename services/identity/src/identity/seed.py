"""Demo data for the embedded run: a merged province as it stands in 2026, one account per role.

"Sở Giáo dục và Đào tạo Vĩnh Long" was merged on 1/7/2025 from the Sở of Vĩnh Long, Bến Tre and Trà Vinh; its ~60
schools sit directly under it (the professional line) and under 7 communes/wards (UBND xã/phường, the
administrative owners), in 2 clusters. Phòng GDĐT huyện Long Hồ existed until then: it is archived by a real
`archive_office` reorganisation effective 1/7/2025 (here, or — in the embedded run — through the API once its
2024-2025 campaign is done, see scripts/demo_last_year.py), and the two Sở by a real `merge_departments`, so the
tree's history (`as_of` before that day) and each unit's history are as real ones would be.

Idempotent: units, accounts, communes and clusters that already exist (by code / e-mail) are left as they are;
a reorganisation already done is not done again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from edudx_common.auth import GrantRight, Principal, Role
from identity.auth.passwords import Passwords
from identity.clusters import repository as clusters_repository
from identity.clusters import service as clusters_service
from identity.grants import repository as grants_repository
from identity.grants import service as grants_service
from identity.grants.schemas import CommuneGrantCreate
from identity.reorganisations import service as reorganisations_service
from identity.reorganisations.models import ReorganisationKind
from identity.reorganisations.schemas import ReorganisationCreate
from identity.units import repository as units_repository
from identity.units.models import Unit, UnitCluster, UnitType
from identity.units.schemas import UnitCreate
from identity.units.service import changes as unit_changes
from identity.units.service.import_rows import commune_unit_name
from identity.users import repository as users_repository
from identity.users import service as users_service
from identity.users.schemas import UserCreate

DEMO_PASSWORD = "EduDX@2025"
DEMO_NOTE = ("Tỉnh mẫu: Sở GDĐT Vĩnh Long (hợp nhất với Bến Tre, Trà Vinh từ 1/7/2025), 57 trường thuộc 7 xã/phường, "
             "2 cụm trường; Phòng GDĐT huyện Long Hồ đã giải thể từ 1/7/2025 (lịch sử vẫn xem được)")
SEED_PRINCIPAL = Principal(subject="system:seed", kind="service", roles=frozenset({Role.SYSTEM_ADMIN.value}))
SINCE = date(2020, 1, 1)  # the demo's schools and authorities existed long before the reform
REFORM = date(2025, 7, 1)  # Phòng abolished, provinces merged, communes took their schools

# (code, name, type, levels, professional parent until 1/7/2025, commune code from 1/7/2025)
DEMO_UNITS: list[tuple[str, str, UnitType, list[str], str | None, str | None]] = [
    # the Bộ above the Sở: it issues the Sở's own self-assessment (QĐ 3806 kind) in the demo
    # (scripts/demo_assessment.py); a campaign's issuer is never its own target, so the Sở cannot issue it itself
    ("BGDDT", "Bộ Giáo dục và Đào tạo", UnitType.MINISTRY, [], None, None),
    ("SGD-VL", "Sở Giáo dục và Đào tạo Vĩnh Long", UnitType.DEPARTMENT, [], "BGDDT", None),
    ("SGD-BT", "Sở Giáo dục và Đào tạo Bến Tre", UnitType.DEPARTMENT, [], "BGDDT", None),
    ("SGD-TV", "Sở Giáo dục và Đào tạo Trà Vinh", UnitType.DEPARTMENT, [], "BGDDT", None),
    ("PGD-LH", "Phòng Giáo dục và Đào tạo huyện Long Hồ", UnitType.DISTRICT_OFFICE, [], "SGD-VL", None),
    # Phòng Long Hồ's schools until 1/7/2025
    ("86701001", "Trường Mầm non Hoa Sen", UnitType.SCHOOL, ["mam_non"], "PGD-LH", "29263"),
    ("86701002", "Trường Mầm non Sơn Ca", UnitType.SCHOOL, ["mam_non"], "PGD-LH", "29281"),
    ("86702001", "Trường Tiểu học Long Phước", UnitType.SCHOOL, ["tieu_hoc"], "PGD-LH", "29275"),
    ("86702002", "Trường Tiểu học Hòa Phú", UnitType.SCHOOL, ["tieu_hoc"], "PGD-LH", "29263"),
    ("86702003", "Trường Tiểu học Phú Đức", UnitType.SCHOOL, ["tieu_hoc"], "PGD-LH", "29281"),
    ("86703001", "Trường THCS Hòa Bình", UnitType.SCHOOL, ["thcs"], "PGD-LH", "29275"),
    ("86703002", "Trường THCS Long Hồ", UnitType.SCHOOL, ["thcs"], "PGD-LH", "29263"),
    ("86704001", "Trường TH&THCS Lộc Hòa", UnitType.SCHOOL, ["tieu_hoc", "thcs"], "PGD-LH", "29275"),
    # Mang Thít's schools, under the Sở in the demo
    ("86711001", "Trường Mầm non Họa Mi", UnitType.SCHOOL, ["mam_non"], "SGD-VL", "29311"),
    ("86712001", "Trường Tiểu học Cái Nhum", UnitType.SCHOOL, ["tieu_hoc"], "SGD-VL", "29317"),
    ("86712002", "Trường Tiểu học Mỹ An", UnitType.SCHOOL, ["tieu_hoc"], "SGD-VL", "29317"),
    ("86713001", "Trường THCS Mang Thít", UnitType.SCHOOL, ["thcs"], "SGD-VL", "29311"),
    ("86713002", "Trường THCS Chánh An", UnitType.SCHOOL, ["thcs"], "SGD-VL", "29317"),
    ("86714001", "Trường TH&THCS Đức Thành", UnitType.SCHOOL, ["tieu_hoc", "thcs"], "SGD-VL", "29311"),
    # The province's own: upper-secondary schools and the centre have no commune
    ("86720001", "Trường THPT Lưu Văn Liệt", UnitType.SCHOOL, ["thpt"], "SGD-VL", None),
    ("86720002", "Trường THPT Nguyễn Thông", UnitType.SCHOOL, ["thpt"], "SGD-VL", None),
    ("86720003", "Trường THCS&THPT Mỹ Phước", UnitType.SCHOOL, ["thcs", "thpt"], "SGD-VL", None),
    ("86730001", "Trung tâm GDNN-GDTX huyện Long Hồ", UnitType.CENTER, ["gdtx"], "SGD-VL", None),
    ("83720001", "Trường THPT chuyên Bến Tre", UnitType.SCHOOL, ["thpt"], "SGD-BT", None),
    ("83720002", "Trường THPT Nguyễn Đình Chiểu", UnitType.SCHOOL, ["thpt"], "SGD-BT", None),
    ("84720001", "Trường THPT chuyên Nguyễn Thiện Thành", UnitType.SCHOOL, ["thpt"], "SGD-TV", None),
    ("84720002", "Trường THPT Phạm Thái Bường", UnitType.SCHOOL, ["thpt"], "SGD-TV", None),
]

# (5-digit code, commune or ward as named since 1/7/2025)
DEMO_COMMUNES: list[tuple[str, str]] = [
    ("29227", "Phường Long Châu"),
    ("29236", "Phường Thanh Đức"),
    ("29263", "Xã Long Hồ"),
    ("29275", "Xã Long Phước"),
    ("29281", "Xã Phú Quới"),
    ("29311", "Xã Mang Thít"),
    ("29317", "Xã Cái Nhum"),
]

# More schools of each commune, so that the province has ~60: (level word, level, code prefix, how many)
_MORE_SCHOOLS = [("Mầm non", "mam_non", "8675", 2), ("Tiểu học", "tieu_hoc", "8676", 2), ("THCS", "thcs", "8677", 1)]

# (code, name, commune codes of its schools)
DEMO_CLUSTERS: list[tuple[str, str, tuple[str, ...]]] = [
    ("CUM-1", "Cụm 1 – Long Hồ", ("29227", "29236", "29263", "29275", "29281")),
    ("CUM-2", "Cụm 2 – Mang Thít", ("29311", "29317")),
]

# (e-mail, full name, role, unit code). The Phòng's accounts are made so that its archive really stops them.
DEMO_ACCOUNTS: list[tuple[str, str, Role, str]] = [
    ("admin@edudx.vn", "Quản trị hệ thống", Role.SYSTEM_ADMIN, "SGD-VL"),
    # the Bộ's officer who asks the Sở for its own index (scripts/demo_assessment.py)
    ("cds.bo@moet.gov.vn", "Đỗ Minh Khoa", Role.AUTHORITY_ADMIN, "BGDDT"),
    ("cntt.so@vinhlong.edu.vn", "Trần Minh Quân", Role.AUTHORITY_ADMIN, "SGD-VL"),
    ("thamdinh.so@vinhlong.edu.vn", "Lê Thị Thu Hà", Role.REVIEWER, "SGD-VL"),
    ("vhxh.longphuoc@vinhlong.gov.vn", "Trương Thị Diễm", Role.VIEWER, "29275"),
    ("vhxh.longchau@vinhlong.gov.vn", "Lâm Văn Tài", Role.VIEWER, "29227"),
    ("hieutruong.hoabinh@vinhlong.edu.vn", "Nguyễn Văn An", Role.PRINCIPAL, "86703001"),
    ("cntt.hoabinh@vinhlong.edu.vn", "Đặng Thị Mai", Role.SCHOOL_IT_OFFICER, "86703001"),
    ("hieutruong.longphuoc@vinhlong.edu.vn", "Huỳnh Văn Bình", Role.PRINCIPAL, "86702001"),
    # the schools of the demo's finished QĐ 4725 self-assessment (scripts/demo_assessment.py)
    ("hieutruong.hoasen@vinhlong.edu.vn", "Trần Thị Hồng", Role.PRINCIPAL, "86701001"),
    ("hieutruong.cainhum@vinhlong.edu.vn", "Phan Văn Lộc", Role.PRINCIPAL, "86712001"),
    ("hieutruong.mangthit@vinhlong.edu.vn", "Ngô Thị Thanh", Role.PRINCIPAL, "86713001"),
    # with Hoa Sen, the schools of Phòng Long Hồ's 2024-2025 self-assessment (scripts/demo_last_year.py)
    ("hieutruong.hoaphu@vinhlong.edu.vn", "Đỗ Thị Kim Phượng", Role.PRINCIPAL, "86702002"),
    ("hieutruong.phuduc@vinhlong.edu.vn", "Cao Văn Đức", Role.PRINCIPAL, "86702003"),
]
# The commune official the Sở granted more than reading (issue 20): reviewing its schools' reports and their
# reminders. The other commune official (Long Phước) stays read-only, as every commune official is by default.
DEMO_GRANT = ("vhxh.longchau@vinhlong.gov.vn", "SGD-VL", [GrantRight.REVIEW, GrantRight.REMINDERS],
              "Quyết định giao UBND phường thẩm định báo cáo CĐS các trường trên địa bàn (dữ liệu mẫu)")
DEMO_GRANT_LABEL = "Sở cấp quyền thẩm định, nhận nhắc việc"
FORMER_OFFICE_ACCOUNTS: list[tuple[str, str, Role, str]] = [
    ("cntt.longho@vinhlong.edu.vn", "Phạm Văn Hùng", Role.AUTHORITY_ADMIN, "PGD-LH"),
    ("xem.longho@vinhlong.edu.vn", "Võ Thị Lan", Role.VIEWER, "PGD-LH"),
]


@dataclass(frozen=True)
class DemoAccount:
    email: str
    role: Role
    unit_name: str
    granted: str = ""  # what the Sở granted a commune official, for the banner


def more_schools() -> list[tuple[str, str, UnitType, list[str], str | None, str | None]]:
    """The communes' further schools: each commune has a few more preschools, primary and lower-secondary ones."""
    rows: list[tuple[str, str, UnitType, list[str], str | None, str | None]] = []
    for index, (commune_code, commune_name) in enumerate(DEMO_COMMUNES):
        place = commune_name.split(" ", 1)[1]
        for word, level, prefix, count in _MORE_SCHOOLS:
            for n in range(1, count + 1):
                suffix = "" if n == 1 else f" {n}"
                rows.append((f"{prefix}{index + 1:02d}{n:02d}", f"Trường {word} {place}{suffix}", UnitType.SCHOOL,
                             [level], "SGD-VL", commune_code))
    return rows


def _backdate(unit: Unit) -> None:
    unit.created_at = datetime.combine(SINCE, datetime.min.time(), tzinfo=UTC)


async def _reorganise(session: AsyncSession, data: ReorganisationCreate) -> None:
    done = await reorganisations_service.propose(session, SEED_PRINCIPAL, data)
    await reorganisations_service.confirm(session, SEED_PRINCIPAL, done.id)


async def _account(session: AsyncSession, passwords: Passwords, units: dict[str, Unit], email: str, full_name: str,
                   role: Role, unit_code: str) -> None:
    if await users_repository.get_by_email(session, email) is None:
        user = await users_service.create_user(session, SEED_PRINCIPAL, UserCreate(
            email=email, full_name=full_name, unit_id=units[unit_code].id, roles=[role], send_invite=False))
        user.password_hash = await passwords.hash(DEMO_PASSWORD)


async def _grant(session: AsyncSession, units: dict[str, Unit]) -> None:
    email, issuer_code, rights, note = DEMO_GRANT
    official = await users_repository.get_by_email(session, email)
    assert official is not None
    if await grants_repository.open_grant(session, user_id=official.id, commune_id=official.unit_id,
                                          issuer_unit_id=units[issuer_code].id) is None:
        await grants_service.create_grant(session, SEED_PRINCIPAL, CommuneGrantCreate(
            user_id=official.id, issuer_unit_id=units[issuer_code].id, rights=rights, valid_from=REFORM, note=note))


async def seed_demo(session: AsyncSession, passwords: Passwords, *,
                    archive_office: bool = True) -> tuple[list[DemoAccount], dict[str, str]]:
    """Create what is missing; return the demo accounts and the demo units' ids by code. Without `archive_office`
    the Phòng stays active with its accounts: the embedded run lets its staff run their 2024-2025 campaign through
    the gateway first, then archives it through the API (scripts/demo_last_year.py)."""
    rows = [*DEMO_UNITS, *more_schools()]
    codes = [r[0] for r in rows] + [c for c, _ in DEMO_COMMUNES]
    units: dict[str, Unit] = await units_repository.get_by_codes(session, codes)
    for code, name, unit_type, levels, parent_code, _ in rows:
        if code in units:
            continue
        parent = units[parent_code] if parent_code else None
        units[code] = await unit_changes.create_unit(session, SEED_PRINCIPAL, UnitCreate(
            code=code, name=name, type=unit_type, education_levels=levels,  # type: ignore[arg-type]
            parent_id=parent.id if parent else None,
        ), since=SINCE)
        _backdate(units[code])
    for email, full_name, role, unit_code in FORMER_OFFICE_ACCOUNTS:
        if units["PGD-LH"].active:
            await _account(session, passwords, units, email, full_name, role, unit_code)
    await session.flush()

    if archive_office and units["PGD-LH"].active:
        await _reorganise(session, ReorganisationCreate(
            kind=ReorganisationKind.ARCHIVE_OFFICE, unit_id=units["PGD-LH"].id, effective_date=REFORM,
            note="NĐ 142/2025/NĐ-CP: không tổ chức cấp huyện từ 1/7/2025"))
    if units["SGD-BT"].active:
        await _reorganise(session, ReorganisationCreate(
            kind=ReorganisationKind.MERGE_DEPARTMENTS, surviving_unit_id=units["SGD-VL"].id,
            absorbed_unit_ids=[units["SGD-BT"].id, units["SGD-TV"].id], effective_date=REFORM,
            note="Nghị quyết sắp xếp đơn vị hành chính cấp tỉnh (12/6/2025)"))

    for code, name in DEMO_COMMUNES:
        if code not in units:
            units[code] = await unit_changes.create_unit(session, SEED_PRINCIPAL, UnitCreate(
                code=code, name=commune_unit_name(name), type=UnitType.COMMUNE, parent_id=units["SGD-VL"].id),
                since=REFORM)
            units[code].created_at = datetime.combine(REFORM, datetime.min.time(), tzinfo=UTC)
    for code, *_, commune_code in rows:
        if commune_code and units[code].commune_id is None:
            await unit_changes.set_commune(session, SEED_PRINCIPAL, units[code], units[commune_code].id,
                                            effective=REFORM)

    so = units["SGD-VL"]
    for code, name, commune_codes in DEMO_CLUSTERS:
        if await clusters_repository.by_owner_code(session, so.id, code) is None:
            cluster = UnitCluster(owner_unit_id=so.id, code=code, name=name)
            session.add(cluster)
            await session.flush()
            members = [units[r[0]].id for r in rows if r[5] in commune_codes]
            await clusters_service.set_members(session, SEED_PRINCIPAL, cluster, members, since=REFORM)

    accounts = []
    for email, full_name, role, unit_code in DEMO_ACCOUNTS:
        await _account(session, passwords, units, email, full_name, role, unit_code)
        accounts.append(DemoAccount(email=email, role=role, unit_name=units[unit_code].name,
                                    granted=DEMO_GRANT_LABEL if email == DEMO_GRANT[0] else ""))
    await session.flush()
    await _grant(session, units)
    return accounts, {code: str(unit.id) for code, unit in units.items()}


async def bootstrap_admin(session: AsyncSession, passwords: Passwords, *, unit_code: str, unit_name: str,
                          unit_type: UnitType, email: str, password: str) -> None:
    """First start of a real installation: the root unit and its system administrator."""
    unit = await units_repository.get_by_code(session, unit_code)
    if unit is None:
        unit = await unit_changes.create_unit(session, SEED_PRINCIPAL, UnitCreate(
            code=unit_code, name=unit_name, type=unit_type, parent_id=None))
    passwords.check_strength(password, email=email)
    user = await users_repository.get_by_email(session, email)
    if user is None:
        user = await users_service.create_user(session, SEED_PRINCIPAL, UserCreate(
            email=email, full_name="Quản trị hệ thống", unit_id=unit.id, roles=[Role.SYSTEM_ADMIN],
            send_invite=False))
    user.password_hash = await passwords.hash(password)
    await session.flush()
