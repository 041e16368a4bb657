"""Suite-wide guard for PostgreSQL runs: the suite's connections must stay well under the server's limit.

Each package starts its own servers (package-scoped fixtures), and every engine keeps a pool. When servers of
finished packages stayed alive to the end of the session, their pools added up until a late test met "sorry, too
many clients already" (CI, 2026-12-07). After every module this counts the connections the suite holds (engines
name themselves `edudx:<schema>` and test schemas start with the run's prefix) and fails the module that crosses
the budget, naming who holds them, instead of letting an unrelated test fail later.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import pytest

from tests.support import POSTGRES_URL, SCHEMA_PREFIX, on_postgres

# PostgreSQL's default max_connections is 100 with 3 reserved; a package's servers (the embedded system: six
# services and a worker) hold about 20-30, and a module may start a second one while the package's runs (about 46
# measured together on 2026-12-07). The rest is head room for the server's other clients.
CONNECTION_BUDGET = 75


def held_connections() -> dict[str, int]:
    """Connections per application name held by this run's engines (schemas of its prefix)."""
    import asyncpg

    found: dict[str, int] = {}

    async def count() -> None:
        conn = await asyncpg.connect(POSTGRES_URL.replace("+asyncpg", ""))
        try:
            rows = await conn.fetch(
                "SELECT application_name, count(*) AS n FROM pg_stat_activity "
                "WHERE application_name LIKE $1 GROUP BY application_name", f"edudx:{SCHEMA_PREFIX}%")
            found.update({row["application_name"]: row["n"] for row in rows})
        finally:
            await conn.close()

    # In a thread of its own: the session's event loop may be running in this one.
    worker = threading.Thread(target=lambda: asyncio.run(count()))
    worker.start()
    worker.join()
    return found


@pytest.fixture(autouse=True, scope="module")
def _connection_budget(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if not on_postgres():
        return
    held = held_connections()
    total = sum(held.values())
    if total > CONNECTION_BUDGET:
        holders = ", ".join(f"{name} {n}" for name, n in sorted(held.items(), key=lambda item: -item[1]))
        pytest.fail(f"after {request.node.nodeid} the suite holds {total} PostgreSQL connections "
                    f"(budget {CONNECTION_BUDGET}): {holders}", pytrace=False)
