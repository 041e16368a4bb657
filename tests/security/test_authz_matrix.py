"""Issue 9, point 1: every operation × every role × (own unit, a unit in scope, a unit out of scope) and an
anonymous caller, through the gateway on the real system, against the one table in `authz_table.py`."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import RunningSystem, output_of
from tests.security.authz_table import ROLES, TABLE, expected_of_rule_is_consistent
from tests.security.matrix import (
    Cell,
    internal_operations,
    merged_operations,
    observed_rows,
    run_matrix,
    served_spec,
)
from tests.security.world import build_world
from tests.support import on_postgres

pytestmark = pytest.mark.skipif(on_postgres(), reason="the matrix runs once, on the SQLite pass (one system start)")


def test_the_table_names_every_operation_of_the_merged_openapi_and_nothing_else() -> None:
    operations = merged_operations()
    missing = sorted(operations - TABLE.keys())
    gone = sorted(TABLE.keys() - operations)
    assert not missing, "operations with no row in tests/security/authz_table.py:\n" + "\n".join(missing)
    assert not gone, "rows for operations that no longer exist:\n" + "\n".join(gone)
    assert all(expected_of_rule_is_consistent(rule) for rule in TABLE.values())


def test_the_gateway_serves_the_same_operations_the_table_covers(system: RunningSystem) -> None:
    spec = served_spec(system.gateway)
    assert "x-edudx-unavailable" not in spec
    served = {f"{m.upper()} {p}" for p, item in spec["paths"].items() for m in item
              if m in ("get", "post", "put", "patch", "delete")}
    # Service-to-service operations are in the table (their refusals are checked) but not in the public document.
    internal = internal_operations()
    assert internal >= {"POST /api/scoring/events", "POST /api/identity/auth/token"}
    assert served >= set(TABLE) - internal, sorted(set(TABLE) - internal - served)
    assert not served & internal


def test_every_cell_answers_as_the_table_declares(system: RunningSystem, tmp_path: Path) -> None:
    async def run() -> list[tuple[Cell, str, str, str]]:
        async with httpx.AsyncClient(base_url=system.gateway, timeout=60) as http:
            world = await build_world(http, mail_log=lambda: output_of(system))
            return await run_matrix(world)

    results = asyncio.run(run())
    wrong = [f"{cell.operation:<70} {cell.column:<26} expected {expected} got {actual}: {detail}"
             for cell, expected, actual, detail in results if actual != expected]
    # what was seen, in the table's notation, to compare with the declared rows by eye
    (tmp_path / "observed.txt").write_text("\n".join(f"{op!r}: {row!r}," for op, row in
                                                     sorted(observed_rows(results).items())))
    assert len(results) > len(TABLE) * len(ROLES)
    assert not wrong, f"{len(wrong)} of {len(results)} cells differ from the table:\n" + "\n".join(wrong)
