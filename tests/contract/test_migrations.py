"""Every service's migrations: from empty to head, one step down and up again, and no drift from its models."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory

from edudx_common.migrations import service_metadata
from tests.support import (
    REPO,
    alembic_config,
    current_revision,
    database_url,
    drop_schema_sync,
    migrate,
    migration_drift,
)

SERVICES = sorted(p.parent.name for p in (REPO / "services").glob("*/alembic.ini"))


@pytest.mark.parametrize("service", SERVICES)
def test_upgrade_downgrade_upgrade_and_no_drift(service: str, tmp_path: Path) -> None:
    url, schema = database_url(tmp_path, f"{service}_migrations")
    if schema:
        drop_schema_sync(url, schema)
    metadata = service_metadata(importlib.import_module(f"{service}.models"))
    config = alembic_config(service, url, schema)
    script = ScriptDirectory.from_config(config)
    head = script.get_current_head()

    migrate(service, url, schema)
    assert current_revision(url, schema) == head
    assert migration_drift(url, schema, metadata) == []

    command.downgrade(config, "-1")
    assert current_revision(url, schema) == script.get_revision(head).down_revision  # type: ignore[union-attr]

    command.upgrade(config, "head")
    assert current_revision(url, schema) == head
    assert migration_drift(url, schema, metadata) == []
