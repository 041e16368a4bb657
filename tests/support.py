"""Helpers every test package uses: which database to run on, migrating it, emptying it, and keys."""

from __future__ import annotations

import os
import random
import socket
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import MetaData, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from edudx_common.tables.audit import TABLE as AUDIT_TABLE
from identity.keys import generate_private_key_pem

REPO = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get("EDUDX_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
# Two checkouts may run their PostgreSQL suites at once against one server: each gives its own prefix.
SCHEMA_PREFIX = os.environ.get("EDUDX_TEST_SCHEMA_PREFIX", "test_")


def on_postgres() -> bool:
    return os.environ.get("EDUDX_TEST_DATABASE", "sqlite") == "postgresql"


def database_url(tmp_dir: Path, name: str) -> tuple[str, str | None]:
    """(url, schema) for a test database called `name`: a SQLite file, or a PostgreSQL schema."""
    if on_postgres():
        return POSTGRES_URL, f"{SCHEMA_PREFIX}{name}"
    return f"sqlite+aiosqlite:///{tmp_dir / f'{name}.db'}", None


def alembic_config(service: str, url: str, schema: str | None = None) -> Config:
    config = Config(str(REPO / "services" / service / "alembic.ini"))
    config.attributes["database_url"] = url
    config.attributes["database_schema"] = schema
    return config


def drop_schema_sync(url: str, schema: str) -> None:
    """Start PostgreSQL runs from nothing: drop the test schema (and its version table) if a run left it."""
    import asyncio

    from edudx_common.db import create_engine

    async def drop() -> None:
        engine = create_engine(url)
        async with engine.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        await engine.dispose()

    asyncio.run(drop())


def migrate(service: str, url: str, schema: str | None, revision: str = "head") -> None:
    command.upgrade(alembic_config(service, url, schema), revision)


def migrated_database(tmp_dir: Path, service: str, name: str) -> tuple[str, str | None]:
    """(url, schema) of a fresh database called `name` with `service`'s migrations applied."""
    url, schema = database_url(tmp_dir, name)
    if schema:
        drop_schema_sync(url, schema)
    migrate(service, url, schema)
    return url, schema


async def empty_tables(engine: AsyncEngine, metadata: MetaData) -> None:
    """Delete every row of `metadata`'s tables (use `service_metadata`: only that service's tables).

    The audit log is append-only (its triggers refuse DELETE): it keeps growing across tests, which read it by
    request id, time or their own fresh units."""
    pending = [table for table in reversed(metadata.sorted_tables) if table.name != AUDIT_TABLE]
    async with engine.begin() as conn:
        # Dependants first; but where foreign keys form a cycle the sorted order can put a referenced table
        # first (it varied between runs), so a table still referenced is retried after the others.
        for _attempt in range(len(pending)):
            refused = []
            for table in pending:
                try:
                    async with conn.begin_nested():
                        await conn.execute(table.delete())
                except IntegrityError:
                    refused.append(table)
            if not refused:
                return
            pending = refused
        raise AssertionError(f"rows still referenced in {[t.name for t in pending]}")


def write_key(directory: Path) -> Path:
    path = directory / "signing.pem"
    if not path.exists():
        path.write_bytes(generate_private_key_pem())
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_taken(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def system_ports(services: int) -> tuple[int, int]:
    """(gateway port, first of `services` consecutive service ports) for a run script, all free and apart: the
    kernel hands out neighbouring free ports, and a gateway once got one of the services' ports and found it
    bound (every call then reached that service)."""
    # Below the kernel's ephemeral range (32768–60999 here): a start takes minutes on a loaded machine, and an
    # ephemeral port chosen at the beginning was often taken by some outgoing connection by the time the
    # service bound it ("address already in use").
    while True:
        gateway_port = random.randrange(20_000, 32_000 - services)
        first_port = random.randrange(20_000, 32_000 - services)
        ports = [gateway_port, *range(first_port, first_port + services)]
        if gateway_port not in ports[1:] and not any(port_taken(p) or not _bindable(p) for p in ports):
            return gateway_port, first_port


def _bindable(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def migration_drift(url: str, schema: str | None, metadata: MetaData) -> list[object]:
    """Differences between the migrated database and the models (empty when they agree)."""
    import asyncio

    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from edudx_common.db import create_engine

    async def compare() -> list[object]:
        engine = create_engine(url, schema=schema)
        async with engine.connect() as conn:
            diff = await conn.run_sync(
                lambda sync_conn: compare_metadata(MigrationContext.configure(sync_conn, opts={"compare_type": True}),
                                                   metadata)
            )
        await engine.dispose()
        return list(diff)

    return asyncio.run(compare())


def current_revision(url: str, schema: str | None) -> str | None:
    import asyncio

    from edudx_common.db import create_engine

    async def read() -> str | None:
        engine = create_engine(url, schema=schema)
        async with engine.connect() as conn:
            rows = (await conn.execute(text("SELECT version_num FROM alembic_version"))).all()
        await engine.dispose()
        return rows[0][0] if rows else None

    return asyncio.run(read())
