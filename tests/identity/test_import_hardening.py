"""Imports against hostile files: roles before the body, a ZIP bomb refused in bounded memory, a busy limit."""

from __future__ import annotations

import tracemalloc
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import select

from edudx_common.auth import Role
from edudx_common.uploads import ConcurrencyLimit
from identity.units.models import Unit
from tests.archive_bombs import lying_zip, xlsx_bomb
from tests.identity.builders import login, make_province, make_user
from tests.identity.sheets import UNIT_HEADER, XLSX_TYPE, school_rows, xlsx

URLS = ("/api/identity/units/import", "/api/identity/users/import")
WORKBOOK = xlsx([UNIT_HEADER, *school_rows(3)])


async def _units(session: AsyncSession) -> int:
    return (await session.execute(select(func.count()).select_from(Unit))).scalar_one()


@pytest.mark.parametrize("url", URLS)
async def test_a_caller_without_the_role_is_refused_before_the_file_is_read(
        client: httpx.AsyncClient, session: AsyncSession, url: str) -> None:
    units = await make_province(session)
    principal = await make_user(session, units["s11"], Role.PRINCIPAL)
    headers = await login(client, principal)
    read: list[int] = []

    async def body() -> AsyncIterator[bytes]:
        read.append(1)
        yield b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.xlsx\"\r\n\r\n"
        yield WORKBOOK
        yield b"\r\n--b--\r\n"

    refused = await client.post(url, headers={**headers, "Content-Type": "multipart/form-data; boundary=b"},
                                params={"dry_run": "true"}, content=body())
    assert refused.status_code == 403, refused.text
    assert refused.json()["code"] == "forbidden"
    assert read == []


@pytest.mark.parametrize("bomb", ["honest", "lying"])
@pytest.mark.parametrize("url", URLS)
async def test_a_zip_bomb_is_refused_with_memory_bounded(client: httpx.AsyncClient, session: AsyncSession,
                                                         url: str, bomb: str) -> None:
    units = await make_province(session)
    admin = await make_user(session, units["so"], Role.AUTHORITY_ADMIN)
    headers = await login(client, admin)
    # 96 MB inflated (over the 64 MB bound) from a file of ~100 KB
    data = xlsx_bomb(96, base=WORKBOOK) if bomb == "honest" else lying_zip(96)
    assert len(data) < 500_000
    before = await _units(session)
    tracemalloc.start()
    try:
        refused = await client.post(url, headers=headers, params={"parent_id": str(units["p1"].id)},
                                    files={"file": ("bom.xlsx", data, XLSX_TYPE)})
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == "import_file_invalid"
    assert "bị từ chối" in refused.json()["detail"]
    assert peak < 16 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB while refusing a 96 MB bomb"
    assert await _units(session) == before


async def test_imports_beyond_the_concurrency_limit_get_503_with_retry_after(
        client: httpx.AsyncClient, session: AsyncSession, identity_app: object) -> None:
    units = await make_province(session)
    admin = await make_user(session, units["so"], Role.AUTHORITY_ADMIN)
    headers = await login(client, admin)
    state = identity_app.state  # type: ignore[attr-defined]
    saved = getattr(state, "import_limit", None)
    state.import_limit = ConcurrencyLimit(0)  # every slot taken
    try:
        busy = await client.post(URLS[0], headers=headers, params={"dry_run": "true", "parent_id": str(units["p1"].id)},
                                 files={"file": ("a.xlsx", WORKBOOK, XLSX_TYPE)})
    finally:
        state.import_limit = saved
    assert busy.status_code == 503
    assert busy.json()["code"] == "imports_busy"
    assert int(busy.headers["Retry-After"]) > 0
    ok = await client.post(URLS[0], headers=headers, params={"dry_run": "true", "parent_id": str(units["p1"].id)},
                           files={"file": ("a.xlsx", WORKBOOK, XLSX_TYPE)})
    assert ok.status_code == 200, ok.text
