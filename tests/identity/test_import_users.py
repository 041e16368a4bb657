"""Importing accounts from XLSX and CSV: roles that fit the unit, scope, one invitation per new account."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import select

from edudx_common.auth import Role
from identity.mail import Mail
from identity.users import repository as users_repository
from identity.users.models import User
from tests.identity.builders import login, make_province, make_user
from tests.identity.sheets import USER_HEADER, XLSX_TYPE, csv_bytes, xlsx

URL = "/api/identity/users/import"


class Outbox:
    """Stands in for the SMTP mailer: records what would have been sent."""

    def __init__(self) -> None:
        self.sent: list[Mail] = []

    async def send(self, mail: Mail, *, message_id: str | None = None) -> None:
        self.sent.append(mail)


@pytest.fixture
def outbox(identity_app: Any) -> Iterator[Outbox]:
    original = identity_app.state.mailer
    identity_app.state.mailer = box = Outbox()
    try:
        yield box
    finally:
        identity_app.state.mailer = original


async def post_file(client: httpx.AsyncClient, headers: dict[str, str], data: bytes, *,
                    name: str = "tai-khoan.xlsx", content_type: str = XLSX_TYPE, **params: Any) -> httpx.Response:
    return await client.post(URL, headers=headers, params=params, files={"file": (name, data, content_type)})


async def user_count(session: AsyncSession) -> int:
    await session.commit()
    total = (await session.execute(select(func.count()).select_from(User))).scalar_one()
    await session.commit()
    return int(total)


async def account(session: AsyncSession, email: str) -> tuple[User | None, list[str]]:
    await session.commit()
    result = await session.execute(select(User).where(User.email == email).execution_options(populate_existing=True))
    user = result.scalar_one_or_none()
    roles = (await users_repository.roles_of(session, [user.id]))[user.id] if user else []
    await session.commit()
    return user, roles


STAFF = [
    USER_HEADER,
    ["Nguyễn Thị Lan", "Lan.NT@HoaBinh.edu.vn", "0912 345 678", "T-HB", "Hiệu trưởng"],
    ["Trần Văn Minh", "minh.tv@hoabinh.edu.vn", None, "T-HB", "Cán bộ CNTT; Người xem"],
    ["Lê Hoàng Nam", "nam.lh@longphuoc.edu.vn", "0270 3822 001", "T-LP", "school_it_officer"],
    ["Phạm Thu Hà", "ha.pt@longho.edu.vn", None, "P-LH", "Chuyên viên thẩm định, Quản trị đơn vị"],
]


async def test_import_creates_accounts_with_roles_and_invites_each_once(
    client: httpx.AsyncClient, session: AsyncSession, outbox: Outbox
) -> None:
    units = await make_province(session)
    admin = await make_user(session, units["so"], Role.AUTHORITY_ADMIN)
    headers = await login(client, admin)

    first = await post_file(client, headers, xlsx(STAFF))

    assert first.status_code == 200, first.text
    assert first.json() == {"dry_run": False, "mode": "all_or_nothing", "total_rows": 4, "created": 4,
                            "updated": 0, "unchanged": 0, "skipped": 0, "errors": []}
    lan, lan_roles = await account(session, "lan.nt@hoabinh.edu.vn")
    assert lan is not None
    assert (lan.full_name, lan.phone, lan.unit_id, lan.password_hash) == (
        "Nguyễn Thị Lan", "0912 345 678", units["s11"].id, None)
    assert lan_roles == ["principal"]
    assert (await account(session, "minh.tv@hoabinh.edu.vn"))[1] == ["school_it_officer", "viewer"]
    assert (await account(session, "ha.pt@longho.edu.vn"))[1] == ["authority_admin", "reviewer"]
    assert sorted(m.to for m in outbox.sent) == sorted(
        ["lan.nt@hoabinh.edu.vn", "minh.tv@hoabinh.edu.vn", "nam.lh@longphuoc.edu.vn", "ha.pt@longho.edu.vn"])
    assert all("mời kích hoạt" in m.subject and "dat-mat-khau?token=" in m.text for m in outbox.sent)

    again = await post_file(client, headers, xlsx(STAFF))

    assert again.status_code == 200, again.text
    assert (again.json()["created"], again.json()["updated"], again.json()["unchanged"]) == (0, 0, 4)
    assert len(outbox.sent) == 4  # nobody is invited twice

    changed = [list(r) for r in STAFF]
    changed[3][3] = "T-HB"  # Nam moves school
    changed[2][4] = "Cán bộ CNTT"  # Minh is no longer a viewer
    moved = await post_file(client, headers, xlsx(changed))

    assert (moved.json()["updated"], moved.json()["unchanged"]) == (2, 2)
    nam, _ = await account(session, "nam.lh@longphuoc.edu.vn")
    assert nam is not None and nam.unit_id == units["s11"].id
    assert (await account(session, "minh.tv@hoabinh.edu.vn"))[1] == ["school_it_officer"]
    assert len(outbox.sent) == 4


async def test_roles_must_fit_the_unit_and_bad_rows_write_nothing(
    client: httpx.AsyncClient, session: AsyncSession, outbox: Outbox
) -> None:
    units = await make_province(session)
    admin = await make_user(session, units["so"], Role.AUTHORITY_ADMIN)
    rows = [
        USER_HEADER,
        ["Nguyễn Văn An", "an@longho.edu.vn", None, "P-LH", "Hiệu trưởng"],  # 2: a Phòng has no principal
        ["Trần Thị Bình", "binh@hoabinh.edu.vn", None, "T-HB", "Chuyên viên"],  # 3: reviewers sit at authorities
        ["Lê Văn Cường", "cuong@hoabinh.edu.vn", None, "T-HB", "system_admin"],  # 4: never from a file
        ["Phạm Văn Dũng", "dung@hoabinh.edu.vn", None, "T-HB", "Hiệu phó"],  # 5: unknown role
        ["Võ Thị Em", "AN@longho.edu.vn", None, "T-HB", "Hiệu trưởng"],  # 6: same e-mail as row 2
        ["Đỗ Văn Phúc", "phuc@hoabinh.edu.vn", None, "T-XX", "Hiệu trưởng"],  # 7: no such unit
        ["Hồ Thị Giang", "giang@hoabinh.edu.vn", None, "T-HB", None],  # 8: a new account needs a role
        ["Mai Văn Hùng", "hung@hoabinh", None, "T-HB", "Hiệu trưởng"],  # 9: not an e-mail
        ["Ngô Thị Lan", "lan@hoabinh.edu.vn", None, "T-HB", "Cán bộ CNTT"],  # 10: fine
    ]
    before = await user_count(session)

    response = await post_file(client, await login(client, admin), xlsx(rows))

    assert response.status_code == 422
    problem = response.json()
    assert problem["code"] == "import_rejected"
    assert [(e["row"], e["field"]) for e in problem["errors"]] == [
        (2, "Vai trò"), (3, "Vai trò"), (4, "Vai trò"), (5, "Vai trò"), (6, "E-mail"), (7, "Mã đơn vị"),
        (8, "Vai trò"), (9, "E-mail"),
    ]
    messages = {e["row"]: e["message"] for e in problem["errors"]}
    assert "trường/trung tâm" in messages[2]
    assert "Sở/Phòng/Bộ" in messages[3]
    assert "quản trị hệ thống" in messages[4]
    assert messages[6] == "E-mail 'an@longho.edu.vn' trùng với dòng 2"
    assert await user_count(session) == before
    assert outbox.sent == []

    partial = await post_file(client, await login(client, admin), xlsx(rows), mode="valid_only")

    assert partial.status_code == 200
    assert (partial.json()["created"], partial.json()["skipped"]) == (1, 8)
    assert [m.to for m in outbox.sent] == ["lan@hoabinh.edu.vn"]


async def test_an_email_outside_the_scope_is_refused_without_details(
    client: httpx.AsyncClient, session: AsyncSession, outbox: Outbox
) -> None:
    units = await make_province(session)
    admin = await make_user(session, units["p1"], Role.AUTHORITY_ADMIN)  # Phòng Long Hồ
    await make_user(session, units["s21"], Role.PRINCIPAL, email="hieutruong@ducthanh.edu.vn",
                    name="Trương Văn Bí Mật")
    rows = [
        USER_HEADER,
        ["Người Mới", "HieuTruong@ducthanh.edu.vn", None, "T-HB", "Hiệu trưởng"],
        ["Người Khác", "khac@ducthanh.edu.vn", None, "T-DT", "Hiệu trưởng"],  # a school of the other Phòng
    ]

    response = await post_file(client, await login(client, admin), xlsx(rows))

    assert response.status_code == 422
    errors = response.json()["errors"]
    assert errors[0] == {"row": 2, "field": "E-mail", "message": "E-mail đã thuộc tài khoản ngoài phạm vi "
                                                                 "quản lý"}
    assert (errors[1]["row"], errors[1]["field"]) == (3, "Mã đơn vị")
    assert "Bí Mật" not in response.text and "Đức Thành" not in response.text
    other, roles = await account(session, "hieutruong@ducthanh.edu.vn")
    assert other is not None and other.unit_id == units["s21"].id and other.full_name == "Trương Văn Bí Mật"
    assert roles == ["principal"]
    assert outbox.sent == []


async def test_dry_run_and_no_invites(client: httpx.AsyncClient, session: AsyncSession, outbox: Outbox) -> None:
    units = await make_province(session)
    admin = await make_user(session, units["so"], Role.AUTHORITY_ADMIN)
    headers = await login(client, admin)
    data = csv_bytes(STAFF, delimiter=";")
    before = await user_count(session)

    dry = await post_file(client, headers, data, name="tai-khoan.csv", content_type="text/csv", dry_run=True)

    assert dry.status_code == 200, dry.text
    assert (dry.json()["dry_run"], dry.json()["created"]) == (True, 4)
    assert await user_count(session) == before
    assert outbox.sent == []

    quiet = await post_file(client, headers, data, name="tai-khoan.csv", content_type="text/csv",
                            send_invites=False)

    assert quiet.json()["created"] == 4
    assert await user_count(session) == before + 4
    assert outbox.sent == []


async def test_only_authority_admins_import_accounts(
    client: httpx.AsyncClient, session: AsyncSession, outbox: Outbox
) -> None:
    units = await make_province(session)
    principal = await make_user(session, units["s11"], Role.PRINCIPAL)
    reviewer = await make_user(session, units["so"], Role.REVIEWER)

    for user in (principal, reviewer):
        response = await post_file(client, await login(client, user), xlsx(STAFF))
        assert response.status_code == 403
        assert response.json()["code"] == "forbidden"
    assert outbox.sent == []
