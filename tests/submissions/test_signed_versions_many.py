"""The status board's export of a national campaign asks for the signed versions of 50,000 submissions at once:
more than the 32,767 parameters asyncpg sends in one PostgreSQL statement. It must answer, not fail
(bench/status_view.py at 50,000 targets got a 500 from the XLSX export). Fails on PostgreSQL without the batches;
SQLite's builds of today take more parameters."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from edudx_common.db import create_engine, session_factory
from submissions.signatures import repository
from tests.support import drop_schema_sync, migrated_database


@pytest.fixture
def database(tmp_path: Path) -> Iterator[tuple[str, str | None]]:
    url, schema = migrated_database(tmp_path, "submissions", "signed_versions_many")
    yield url, schema
    if schema:
        drop_schema_sync(url, schema)


async def test_signed_versions_of_more_submissions_than_one_statement_takes(
        database: tuple[str, str | None]) -> None:
    url, schema = database
    engine = create_engine(url, schema=schema)
    try:
        async with session_factory(engine)() as session:
            found = await repository.signed_versions(session, [uuid.uuid4() for _ in range(40_000)])
    finally:
        await engine.dispose()

    assert found == {}
