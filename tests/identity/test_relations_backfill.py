"""The h20a_0005 migration backfills what the tree already holds: each unit's parent as a professional relation
since its creation, and its code as its current code."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import text

from edudx_common.db import create_engine
from tests.support import database_url, drop_schema_sync, migrate


async def _run(url: str, schema: str | None, statement: str, rows: list[dict[str, Any]]) -> list[Any]:
    engine = create_engine(url, schema=schema)
    async with engine.begin() as conn:
        if rows:
            for row in rows:
                await conn.execute(text(statement), row)
            found: list[Any] = []
        else:
            found = list((await conn.execute(text(statement))).all())
    await engine.dispose()
    return found


def test_existing_parents_and_codes_are_backfilled(tmp_path: Path) -> None:
    url, schema = database_url(tmp_path, "identity_backfill")
    if schema:
        drop_schema_sync(url, schema)
    migrate("identity", url, schema, revision="h18b_0004")
    root, school = uuid.uuid4(), uuid.uuid4()
    insert = ("INSERT INTO units (id, code, name, name_folded, type, education_levels, parent_id, path, depth, "
                  "active, created_at, updated_at) VALUES (:id, :code, :name, :name, :type, '[]', :parent, :path, "
                  ":depth, true, '2021-09-05 00:00:00+00:00', '2021-09-05 00:00:00+00:00')")
    uuid_value = (lambda u: u.hex) if url.startswith("sqlite") else str
    asyncio.run(_run(url, schema, insert, [
        {"id": uuid_value(root), "code": "SGD-VL", "name": "So", "type": "department", "parent": None,
         "path": f"/{root.hex}/", "depth": 0},
        {"id": uuid_value(school), "code": "86703001", "name": "Truong", "type": "school",
         "parent": uuid_value(root), "path": f"/{root.hex}/{school.hex}/", "depth": 1}]))
    migrate("identity", url, schema)
    relations = asyncio.run(_run(url, schema, "SELECT kind, related_unit_id, valid_from, valid_to FROM unit_relations",
                                 []))
    codes = asyncio.run(_run(url, schema, "SELECT code, kind, valid_from FROM unit_codes ORDER BY code", []))

    assert [(r[0], str(r[2]), r[3]) for r in relations] == [("professional", "2021-09-05", None)]
    assert uuid.UUID(str(relations[0][1])) == root
    assert [(c[0], c[1], str(c[2])) for c in codes] == [("86703001", "current", "2021-09-05"),
                                                       ("SGD-VL", "current", "2021-09-05")]
