"""Sessions without a transaction: a read session (no BEGIN/COMMIT on PostgreSQL) refuses every write before it
is sent; an autocommit session commits each statement by itself on PostgreSQL and is an ordinary transaction on
SQLite; neither leaves its mode on the pooled connection the next ordinary session gets."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from sqlalchemy import func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from edudx_common.db import (
    WriteInReadSession,
    autocommit_session_factory,
    create_engine,
    read_session,
    read_session_factory,
    session_factory,
    session_scope,
)
from tests.support import POSTGRES_URL, SCHEMA_PREFIX, on_postgres


class Base(DeclarativeBase):
    pass


class Probe(Base):
    __tablename__ = "probe"

    id: Mapped[int] = mapped_column(primary_key=True)
    note: Mapped[str]


probes = Probe.__table__


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    if on_postgres():
        schema = f"{SCHEMA_PREFIX}read_sessions"
        setup = create_engine(POSTGRES_URL)
        async with setup.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        await setup.dispose()
        engine = create_engine(POSTGRES_URL, schema=schema, pool_size=1, max_overflow=0)  # one shared connection
    else:
        engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'read_sessions.db'}")
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
        await conn.execute(insert(probes).values(id=1, note="đầu"))
    yield engine
    await engine.dispose()
    if on_postgres():
        setup = create_engine(POSTGRES_URL)
        async with setup.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA IF EXISTS "{SCHEMA_PREFIX}read_sessions" CASCADE'))
        await setup.dispose()


async def _notes(engine: AsyncEngine) -> list[str]:
    async with session_factory(engine)() as session:
        return list((await session.execute(select(Probe.note).order_by(Probe.id))).scalars())


async def test_a_read_session_reads_and_refuses_every_write(engine: AsyncEngine) -> None:
    reads = read_session_factory(engine)
    async with read_session(reads) as session:
        counted = (await session.execute(select(func.count()).select_from(probes))).scalar_one()
        with_cte = (await session.execute(select(select(probes.c.note).cte("notes")))).scalar_one()
        probe = await session.get(Probe, 1)
    writes: list[Any] = [
        insert(probes).values(id=2, note="thêm"),
        update(probes).values(note="sửa"),
        text("DELETE FROM probe"),
        # A SELECT whose CTE writes: the kind of statement the autosave sends.
        select(update(probes).values(note="sửa").returning(probes.c.id).cte("changed")),
    ]
    if on_postgres():  # SQLite has no row locks: it does not send FOR UPDATE
        writes.append(select(probes).with_for_update())
    refused = []
    for statement in writes:
        async with read_session(reads) as session:
            with pytest.raises(WriteInReadSession) as caught:
                await session.execute(statement)
            refused.append(caught.value)
    async with read_session(reads) as session:
        session.add(Probe(id=3, note="qua ORM"))
        with pytest.raises(WriteInReadSession):
            await session.commit()
        await session.rollback()
    async with read_session(reads) as session:
        found = await session.get(Probe, 1)
        assert found is not None
        found.note = "đổi thuộc tính"
        with pytest.raises(WriteInReadSession):
            await session.commit()

    assert (counted, with_cte, probe.note if probe else None) == (1, "đầu", "đầu")
    assert len(refused) == len(writes)
    assert await _notes(engine) == ["đầu"]


@pytest.mark.skipif(not on_postgres(), reason="BEGIN/COMMIT round trips are asyncpg's; run on PostgreSQL")
async def test_on_postgres_a_read_session_sends_no_begin_and_leaves_the_pool_transactional(
        engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    simple_queries: list[str] = []
    execute = asyncpg.connection.Connection.execute

    async def recorded(self: Any, query: str, *args: Any, **kwargs: Any) -> Any:
        simple_queries.append(query.split()[0].rstrip(";").upper())
        return await execute(self, query, *args, **kwargs)

    monkeypatch.setattr(asyncpg.connection.Connection, "execute", recorded)
    async with read_session(read_session_factory(engine)) as session:
        await session.execute(select(probes))
        await session.execute(select(func.count()).select_from(probes))
        await session.commit()
    read_queries, simple_queries[:] = list(simple_queries), []
    # The same pooled connection (pool of one), now for an ordinary session: a transaction again.
    async with session_factory(engine)() as session:
        await session.execute(insert(probes).values(id=2, note="bỏ"))
        await session.rollback()
    ordinary_queries = list(simple_queries)

    assert read_queries == []
    assert ordinary_queries == ["BEGIN", "ROLLBACK"]
    assert await _notes(engine) == ["đầu"]


async def test_an_autocommit_session_commits_each_statement_only_on_postgres(engine: AsyncEngine) -> None:
    autocommit = autocommit_session_factory(engine)
    with pytest.raises(LookupError):  # the request failed after its write
        async for session in session_scope(autocommit):
            await session.execute(update(probes).where(probes.c.id == 1).values(note="đã lưu"))
            raise LookupError
    after_failure = await _notes(engine)
    async for session in session_scope(autocommit):
        await session.execute(insert(probes).values(id=2, note="thêm"))
    # The pooled connection is back in an ordinary transaction for the next session.
    async with session_factory(engine)() as session:
        await session.execute(insert(probes).values(id=3, note="bỏ"))
        await session.rollback()

    # PostgreSQL: the statement committed by itself; SQLite: an ordinary transaction, rolled back.
    assert after_failure == (["đã lưu"] if on_postgres() else ["đầu"])
    assert await _notes(engine) == [after_failure[0], "thêm"]
