"""Database engine and the per-request sessions: one transaction per request (`SessionDep`), or none where a
route declares it needs none (`ReadSessionDep`, `AutocommitSessionDep`).

Tables are declared without a schema. On PostgreSQL each service owns a schema and reaches it through
`search_path`, so the same models and migrations run on SQLite (one file per service) and PostgreSQL.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import DateTime, event, exc, text
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id() -> uuid.UUID:
    return uuid.uuid4()


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every backend (SQLite hands back naive values otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: store aware UTC values only")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None or value.tzinfo is UTC:  # asyncpg's (a row carries a dozen): already as wanted
            return value
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


CONNECT_TIMEOUT_SECONDS = 5.0
POOL_TIMEOUT_SECONDS = 10.0
# Per process. Every replica of every service keeps up to `pool_size` connections open, so their sum must stay
# under the server's max_connections: `<SVC>_DATABASE_POOL_SIZE` lowers it where many replicas share one server.
DEFAULT_POOL_SIZE = 10
DEFAULT_MAX_OVERFLOW = 10
# SQLSTATEs that say "the server is not there right now", not "this statement is wrong": class 08 (connection
# exceptions), 57P01-57P03 (shut down by an administrator or a crash; still starting up), 53300 (no connection slot
# left: every replica's pools together reached max_connections; it passes when others give theirs back).
UNAVAILABLE_SQLSTATES = ("08", "57P01", "57P02", "57P03", "53300")


def database_unavailable(error: BaseException) -> bool:
    """Whether `error` means the database cannot be reached (answer 503, try again) rather than a bug (500).

    Covers a connection cut while in use (a restart), a refused or timed-out connect (the server is down) and
    a pool that had no connection to give in time."""
    if isinstance(error, exc.TimeoutError):
        return True
    if isinstance(error, exc.DBAPIError) and error.connection_invalidated:
        return True
    seen: BaseException | None = error
    for _ in range(6):  # the driver's error sits a few causes below SQLAlchemy's
        if seen is None:
            break
        if isinstance(seen, ConnectionError | TimeoutError):
            return True
        sqlstate = getattr(seen, "sqlstate", None)
        if isinstance(sqlstate, str) and sqlstate.startswith(UNAVAILABLE_SQLSTATES):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def create_engine(
    database_url: str, *, schema: str | None = None, echo: bool = False,
    pool_size: int = DEFAULT_POOL_SIZE, max_overflow: int = DEFAULT_MAX_OVERFLOW,
) -> AsyncEngine:
    """An async engine. SQLite gets WAL and foreign keys; PostgreSQL gets the service's schema, a pool of
    `pool_size` kept connections plus `max_overflow` opened for bursts, and an `application_name` naming the schema
    (`edudx:submissions`) so `pg_stat_activity` shows which service holds which connection."""
    connect_args: dict[str, Any] = {}
    kwargs: dict[str, Any] = {}
    if database_url.startswith("sqlite"):
        _ensure_sqlite_folder(database_url)
        connect_args["timeout"] = 30
    else:
        if schema:
            connect_args["server_settings"] = {"search_path": schema, "application_name": f"edudx:{schema}"[:63]}
        # While the server is away a request must fail soon (503), not wait for asyncpg's 60 s connect timeout.
        connect_args["timeout"] = CONNECT_TIMEOUT_SECONDS
        # No `pool_pre_ping`: it cost a round trip (and a tenth of an autosave's CPU) on every checkout. asyncpg
        # notices a connection the server closed (a restart, a killed backend) as soon as the socket closes, and
        # `_replace_closed_connection` hands out a fresh one instead; a connection cut while in use is still
        # detected by SQLAlchemy, which then discards every pooled connection older than the cut.
        kwargs.update(pool_size=pool_size, max_overflow=max_overflow, pool_timeout=POOL_TIMEOUT_SECONDS)
    engine = create_async_engine(database_url, echo=echo, connect_args=connect_args, **kwargs)
    if database_url.startswith("sqlite"):
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    else:
        event.listen(engine.sync_engine.pool, "checkout", _replace_closed_connection)
    return engine


def _replace_closed_connection(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """A pooled connection whose socket the server closed is not handed out: the pool connects anew (no query)."""
    driver_connection = getattr(dbapi_connection, "driver_connection", None)
    is_closed = getattr(driver_connection, "is_closed", None)
    if is_closed is not None and is_closed():
        raise exc.DisconnectionError("the server closed this pooled connection")


def _ensure_sqlite_folder(database_url: str) -> None:
    path = database_url.split("///", 1)[-1]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def session_factory(engine: AsyncEngine, *, info: dict[str, Any] | None = None) -> async_sessionmaker[AsyncSession]:
    """Sessions of `engine`; `info` is copied into every session's `info` (e.g. identity's revocation channel)."""
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False, info=info or {})


# A transaction costs two round trips on asyncpg: BEGIN before the first statement and COMMIT after the last —
# half of an autosave's round trips, with their CPU here and in PostgreSQL. Under READ COMMITTED every statement
# takes its own snapshot anyway, so a request that only reads, or whose one write is a single atomic statement,
# gains nothing from it. Those routes say so with the sessions below: on PostgreSQL their connection, from the
# same pool, is put in AUTOCOMMIT when the session takes it and reset when it goes back (attributes of the
# driver's connection, no round trip). Set on the connection, not as an engine option: an engine option installs
# a connect hook that turns on SQLAlchemy's event dispatch for every statement, which ate most of the saving.
_AUTOCOMMIT_INFO = "edudx_autocommit"
_AUTOCOMMIT = {"isolation_level": "AUTOCOMMIT"}


class WriteInReadSession(RuntimeError):
    """A read session was asked to write: the route must use `SessionDep` (a bug, answered 500)."""


# A statement that may change data (or lock rows) in any of its parts, data-modifying CTEs included. Column names
# such as `updated_at` do not match; SQL text is SQLAlchemy's compiled form, with values as bound parameters.
_WRITING = re.compile(r"\b(?:INSERT|UPDATE|DELETE|MERGE|TRUNCATE|CREATE|ALTER|DROP|GRANT|REVOKE|LOCK|COPY|CALL|"
                      r"NOTIFY|VACUUM|REINDEX|CLUSTER|SET|RESET|DISCARD)\b", re.IGNORECASE)
_READS_ONLY = re.compile(r"\s*\(*\s*(?:SELECT|WITH|VALUES|SHOW|EXPLAIN)\b", re.IGNORECASE)
_checked_reads: dict[str, bool] = {}  # compiled SQL → reads only; statements come from a bounded compiled cache


def _reads_only(statement: str) -> bool:
    verdict = _checked_reads.get(statement)
    if verdict is None:
        verdict = _READS_ONLY.match(statement) is not None and _WRITING.search(statement) is None
        if len(_checked_reads) >= 2048:
            _checked_reads.clear()
        _checked_reads[statement] = verdict
    return verdict


def _refuse_writes(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
    if not _reads_only(statement):
        raise WriteInReadSession(f"a read session may not run: {statement[:200]}")


def read_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions for requests that only read, opened with `read_session`: no transaction on PostgreSQL (no
    BEGIN/COMMIT round trips), and on every backend any statement that could write fails with
    `WriteInReadSession` before it is sent. SQLite keeps its default (no round trips to save there)."""
    view = engine.execution_options(edudx_read_only=True)  # its own view of the engine and pool, for the guard
    event.listen(view.sync_engine, "before_cursor_execute", _refuse_writes)
    return async_sessionmaker(view, expire_on_commit=False, autoflush=False,
                              info={_AUTOCOMMIT_INFO: engine.dialect.name == "postgresql"})


def autocommit_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions, opened with `session_scope`, in which on PostgreSQL each statement commits by itself (no
    BEGIN/COMMIT round trips): only for a route whose writes are each one atomic statement — a compare-and-set
    that writes its row and its history line in data-modifying CTEs — so that no failure can leave half of a
    change behind. On SQLite, which needs several statements for the same change (and has no round trips to
    save), an ordinary transaction."""
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False,
                              info={_AUTOCOMMIT_INFO: engine.dialect.name == "postgresql"})


@asynccontextmanager
async def read_session(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A session of `read_session_factory`; nothing to commit."""
    async with factory() as session:
        if session.info.get(_AUTOCOMMIT_INFO):
            await session.connection(execution_options=_AUTOCOMMIT)
        yield session


async def session_scope(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """Yield a session; commit when the request succeeds, roll back when anything raised. After the commit, and
    before the request is answered, sessions it revoked are announced to every replica (identity with Redis)."""
    from edudx_common.revocation import announce_committed, forget_revoked

    async with factory() as session:
        try:
            if session.info.get(_AUTOCOMMIT_INFO):  # autocommit_session_factory on PostgreSQL
                await session.connection(execution_options=_AUTOCOMMIT)
            yield session
            await session.commit()
        except BaseException:
            forget_revoked(session)
            await session.rollback()
            raise
        await announce_committed(session)


async def ping(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    async for session in session_scope(request.app.state.session_factory):
        yield session


async def get_read_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with read_session(request.app.state.read_session_factory) as session:
        yield session


async def get_autocommit_session(request: Request) -> AsyncIterator[AsyncSession]:
    async for session in session_scope(request.app.state.autocommit_session_factory):
        yield session


# scope="function": the commit runs before the response is sent, so a failed commit is a 500, never a 200.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
# For routes that only read (follow every call before choosing it): a write fails loudly.
ReadSessionDep = Annotated[AsyncSession, Depends(get_read_session, scope="function")]
# For routes whose every write is one atomic statement; see `autocommit_session_factory`.
AutocommitSessionDep = Annotated[AsyncSession, Depends(get_autocommit_session, scope="function")]
