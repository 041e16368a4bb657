"""The shared tables (audit, outbox, inbox: `edudx_common.tables`) have one versioned home for their schema,
`edudx_common.tables.migrations`: services create and change their copy only through its numbered steps, each
service with a copy reaches the latest step, and every step's result matches the model (SQLite and PostgreSQL).

Together with tests/contract/test_migrations.py, which compares each service's migrated database with its models
(the shared tables among them, as this file checks), a step added here without a service revision fails."""

from __future__ import annotations

import ast
import asyncio
import importlib
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext

from edudx_common.db import create_engine
from edudx_common.migrations import service_metadata
from edudx_common.tables import migrations as shared_tables
from edudx_common.tables.audit import AuditRecord
from edudx_common.tables.inbox import InboxEvent
from edudx_common.tables.outbox import OutboxMessage
from tests.support import REPO, database_url, drop_schema_sync

SERVICES = sorted(p.parent.name for p in (REPO / "services").glob("*/alembic.ini"))
MODELS = {"audit": AuditRecord, "outbox": OutboxMessage, "inbox": InboxEvent}


def _steps_reached(service: str) -> dict[str, list[int]]:
    """`name` → the `to` of every `shared_tables.upgrade(op, name, to=N)` in the service's revisions."""
    reached: dict[str, list[int]] = {}
    for file in sorted((REPO / "services" / service / "migrations" / "versions").glob("*.py")):
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "upgrade"
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "shared_tables"):
                name = ast.literal_eval(node.args[1])
                to = next(ast.literal_eval(k.value) for k in node.keywords if k.arg == "to")
                reached.setdefault(name, []).append(to)
    return reached


def _created_directly(service: str) -> list[str]:
    """Revisions that create or drop a shared table themselves instead of through its steps."""
    found = []
    for file in sorted((REPO / "services" / service / "migrations" / "versions").glob("*.py")):
        text = file.read_text(encoding="utf-8")
        for table in shared_tables.TABLES.values():
            if f"create_table('{table}'" in text or f'create_table("{table}"' in text or \
                    f"drop_table('{table}'" in text or f'drop_table("{table}"' in text:
                found.append(f"{file.name}: {table}")
    return found


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_with_a_shared_table_reaches_its_latest_step(service: str) -> None:
    tables = set(service_metadata(importlib.import_module(f"{service}.models")).tables)
    owned = {name for name, table in shared_tables.TABLES.items() if table in tables}
    reached = _steps_reached(service)

    assert set(reached) == owned, "a service migrates exactly the shared tables its models hold"
    assert {name: max(steps) for name, steps in reached.items()} == {name: shared_tables.latest(name)
                                                                     for name in owned}
    assert _created_directly(service) == []


def test_every_service_holds_the_audit_trail_and_the_census_sees_steps() -> None:
    """The checks above see something: each service with an alembic chain keeps an audit trail, and those that
    send or receive events their outbox or inbox."""
    reached = {service: _steps_reached(service) for service in SERVICES}

    assert all("audit" in names for names in reached.values())
    assert {s for s, names in reached.items() if "outbox" in names} >= {"identity", "submissions", "scoring",
                                                                         "notifications"}
    assert {s for s, names in reached.items() if "inbox" in names} >= {"submissions", "scoring", "notifications"}


def _columns(connection: sa.Connection, table: str) -> dict[str, tuple[str, bool]]:
    return {c["name"]: (type(c["type"]).__name__, c["nullable"]) for c in sa.inspect(connection).get_columns(table)}


def _model_columns(connection: sa.Connection, table: sa.Table) -> dict[str, tuple[str, bool]]:
    """The columns the model's table has once created on this database, reflected as the migrated one is."""
    copy = table.to_metadata(sa.MetaData())
    copy.create(connection)
    try:
        return _columns(connection, copy.name)
    finally:
        copy.drop(connection)


@pytest.mark.parametrize("name", sorted(shared_tables.STEPS))
def test_the_steps_build_the_models_table_and_undo_it(name: str, tmp_path: Path) -> None:
    url, schema = database_url(tmp_path, f"shared_{name}")
    if schema:
        drop_schema_sync(url, schema)
    table = shared_tables.TABLES[name]
    model = MODELS[name].__table__  # type: ignore[attr-defined]

    def run(connection: sa.Connection) -> tuple[dict[str, tuple[str, bool]], dict[str, tuple[str, bool]], bool]:
        op = Operations(MigrationContext.configure(connection))
        shared_tables.upgrade(op, name, to=shared_tables.latest(name))
        migrated = _columns(connection, table)
        indexes = {i["name"] for i in sa.inspect(connection).get_indexes(table) if not i.get("duplicates_constraint")}
        assert indexes == {i.name for i in model.indexes}
        shared_tables.downgrade(op, name, to=0, current=shared_tables.latest(name))
        dropped = not sa.inspect(connection).has_table(table)
        return migrated, _model_columns(connection, model), dropped

    async def main() -> tuple[dict[str, tuple[str, bool]], dict[str, tuple[str, bool]], bool]:
        engine = create_engine(url, schema=schema)
        try:
            async with engine.begin() as connection:
                if schema:
                    await connection.execute(sa.text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
                return await connection.run_sync(run)
        finally:
            await engine.dispose()

    migrated, expected, dropped = asyncio.run(main())
    assert migrated == expected
    assert dropped


def test_steps_refuse_a_range_that_does_not_exist() -> None:
    with pytest.raises(ValueError, match="unknown shared table"):
        shared_tables.upgrade(None, "mailbox", to=1)
    with pytest.raises(ValueError, match="no steps"):
        shared_tables.upgrade(None, "outbox", to=shared_tables.latest("outbox") + 1)
    with pytest.raises(ValueError, match="no steps"):
        shared_tables.downgrade(None, "outbox", to=1, current=1)
