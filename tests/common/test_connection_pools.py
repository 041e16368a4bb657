"""Every engine names itself to PostgreSQL and keeps the pool its settings give: operators see in
`pg_stat_activity` which service holds which connections, and size pools so all replicas fit max_connections
(the suite's own connection budget, tests/conftest.py, counts by the same name)."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from edudx_common.db import create_engine
from identity.config import Settings as IdentitySettings
from tests.support import POSTGRES_URL, SCHEMA_PREFIX, on_postgres


def test_pool_sizes_come_from_each_services_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IDENTITY_DATABASE_POOL_SIZE", "3")
    monkeypatch.setenv("IDENTITY_DATABASE_MAX_OVERFLOW", "0")
    settings = IdentitySettings()
    assert (settings.database_pool_size, settings.database_max_overflow) == (3, 0)
    monkeypatch.setenv("IDENTITY_DATABASE_POOL_SIZE", "0")
    with pytest.raises(ValueError, match="database_pool_size"):
        IdentitySettings()


@pytest.mark.skipif(not on_postgres(), reason="pg_stat_activity; run with EDUDX_TEST_DATABASE=postgresql")
async def test_an_engine_names_its_schema_and_keeps_no_more_than_its_pool() -> None:
    schema = f"{SCHEMA_PREFIX}pool_probe"
    engine = create_engine(POSTGRES_URL, schema=schema, pool_size=2, max_overflow=1)
    try:
        connections = [await engine.connect() for _ in range(3)]
        for conn in connections:
            await conn.execute(text("SELECT 1"))
        pool_full = asyncio.wait_for(engine.connect(), timeout=0.5)
        with pytest.raises(TimeoutError):  # pool 2 + overflow 1 are in use: a fourth waits
            await pool_full
        observer = create_engine(POSTGRES_URL)
        async with observer.connect() as conn:
            names = (await conn.execute(text(
                "SELECT application_name FROM pg_stat_activity WHERE application_name = :name"),
                {"name": f"edudx:{schema}"})).scalars().all()
        await observer.dispose()
        assert len(names) == 3
        for conn in connections:
            await conn.close()
    finally:
        await engine.dispose()
