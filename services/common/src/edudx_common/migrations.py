"""The body of every service's Alembic `env.py`: async engine, own schema on PostgreSQL, own version table.

The URL comes from the service's settings (environment), so `alembic upgrade head` migrates the same
database the service will use.
"""

from __future__ import annotations

import asyncio
from types import ModuleType
from typing import Any

from alembic import context
from sqlalchemy import MetaData, text
from sqlalchemy.engine import Connection

from edudx_common.db import create_engine
from edudx_common.settings import BaseServiceSettings


def service_metadata(models: ModuleType) -> MetaData:
    """The tables of one service only (its `models` module's `__all__`).

    SQLModel keeps every table of the process in one global MetaData; where several services are imported
    together (tests, tools) that would mix their tables into each other's migrations and drift checks.
    """
    metadata = MetaData()
    for name in models.__all__:
        getattr(models, name).__table__.to_metadata(metadata)
    return metadata


def run_migrations(metadata: MetaData, settings: BaseServiceSettings) -> None:
    # Tests pass the URL and schema as attributes; `alembic` on the command line takes them from settings.
    attributes = context.config.attributes
    url = attributes.get("database_url") or settings.database_url
    schema = None if url.startswith("sqlite") else attributes.get("database_schema", settings.database_schema)
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=metadata, literal_binds=True, version_table_schema=schema,
                          render_as_batch=url.startswith("sqlite"))
        with context.begin_transaction():
            context.run_migrations()
        return
    asyncio.run(_run_online(metadata, url, schema))


async def _run_online(metadata: MetaData, url: str, schema: str | None) -> None:
    engine = create_engine(url, schema=schema)
    async with engine.connect() as connection:
        if schema:
            await connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
            await connection.commit()
        await connection.run_sync(_configure_and_run, metadata, schema, url.startswith("sqlite"))
    await engine.dispose()


def _configure_and_run(connection: Connection, metadata: MetaData, schema: str | None, sqlite: bool) -> None:
    options: dict[str, Any] = {
        "connection": connection,
        "target_metadata": metadata,
        "compare_type": True,
        # SQLite cannot ALTER most things: batch mode rebuilds tables instead.
        "render_as_batch": sqlite,
    }
    if schema:
        options["version_table_schema"] = schema
        # Only this service's schema is compared, so autogenerate never sees another service's tables.
        options["include_name"] = lambda name, type_, _parent: type_ != "schema" or name == schema
    context.configure(**options)
    with context.begin_transaction():
        context.run_migrations()
