"""Identity's migrations: from empty to head, one step down and up again, and no drift from the models."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory

import identity.models
from edudx_common.migrations import service_metadata
from tests.support import (
    alembic_config,
    current_revision,
    database_url,
    drop_schema_sync,
    migrate,
    migration_drift,
)


@pytest.fixture
def fresh_database(tmp_path: Path) -> tuple[str, str | None]:
    url, schema = database_url(tmp_path, "identity_migrations")
    if schema:
        drop_schema_sync(url, schema)
    return url, schema


def test_upgrade_downgrade_upgrade_and_no_drift(fresh_database: tuple[str, str | None]) -> None:
    url, schema = fresh_database
    config = alembic_config("identity", url, schema)
    script = ScriptDirectory.from_config(config)
    head = script.get_current_head()

    migrate("identity", url, schema)
    assert current_revision(url, schema) == head
    assert migration_drift(url, schema, service_metadata(identity.models)) == []

    command.downgrade(config, "-1")
    assert current_revision(url, schema) == script.get_revision(head).down_revision  # type: ignore[union-attr]

    command.upgrade(config, "head")
    assert current_revision(url, schema) == head
    assert migration_drift(url, schema, service_metadata(identity.models)) == []
