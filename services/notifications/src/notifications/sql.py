"""Statements the same code runs on PostgreSQL and SQLite: bulk inserts that skip or update existing rows."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, literal
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel

from edudx_common.db import UTCDateTime

# PostgreSQL (asyncpg) and SQLite take at most 32,767 parameters per statement.
MAX_PARAMETERS = 30_000


def utc_literal(value: datetime | None) -> Any:
    """A time as a bound value inside an expression (CASE …), stored in UTC like a column value would be.

    Without the type, a time bound inside an expression skips the column's conversion to UTC."""
    return literal(value, type_=UTCDateTime())


def table_of(model: type[SQLModel]) -> Table:
    table: Table = model.__table__  # type: ignore[attr-defined]
    return table


def _insert(session: AsyncSession, table: Table) -> Any:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"PostgreSQL and SQLite only, not {dialect}")


async def insert_missing(session: AsyncSession, model: type[SQLModel], rows: Sequence[dict[str, Any]],
                         *, key: Iterable[str]) -> list[tuple[Any, ...]]:
    """Insert `rows`, skipping those whose `key` exists (ON CONFLICT DO NOTHING). Returns the keys inserted."""
    table = table_of(model)
    keys = list(key)
    inserted: list[tuple[Any, ...]] = []
    for chunk in _chunks(rows):
        statement = _insert(session, table).values(chunk).on_conflict_do_nothing(index_elements=keys)
        result = await session.execute(statement.returning(*(table.c[k] for k in keys)))
        inserted += [tuple(row) for row in result.all()]
    return inserted


async def insert_ignoring_existing(session: AsyncSession, model: type[SQLModel], rows: Sequence[dict[str, Any]],
                                   *, key: Iterable[str]) -> None:
    """Like `insert_missing` without reporting what was new: sent as one batched statement (executemany),
    which is much cheaper for thousands of rows."""
    if rows:
        statement = _insert(session, table_of(model)).on_conflict_do_nothing(index_elements=list(key))
        await session.execute(statement, list(rows))


async def upsert(session: AsyncSession, model: type[SQLModel], rows: Sequence[dict[str, Any]],
                 *, key: Iterable[str]) -> None:
    """Insert `rows`, replacing every other column of those whose `key` exists."""
    table = table_of(model)
    keys = list(key)
    for chunk in _chunks(rows):
        statement = _insert(session, table).values(chunk)
        columns = {c.name: statement.excluded[c.name] for c in table.columns if c.name not in keys}
        await session.execute(statement.on_conflict_do_update(index_elements=keys, set_=columns))


def _chunks(rows: Sequence[dict[str, Any]]) -> list[Sequence[dict[str, Any]]]:
    if not rows:
        return []
    size = max(1, MAX_PARAMETERS // max(1, len(rows[0])))
    return [rows[start : start + size] for start in range(0, len(rows), size)]
