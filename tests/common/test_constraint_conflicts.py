"""Two simultaneous requests that both pass the code's "does it exist yet?" check: the database's unique
constraint refuses the second write, and the caller gets a 409 problem to retry instead of a 500.

Found by the authorization matrix (tests/security), which sends its cells in parallel: two school years of
the same name, two reminder policies or result settings for one campaign, created at the same moment."""

from __future__ import annotations

from pathlib import Path

import httpx
from fastapi import FastAPI
from sqlalchemy import Column, Integer, MetaData, String, Table, UniqueConstraint, insert
from sqlalchemy.ext.asyncio import create_async_engine

from edudx_common.errors import PROBLEM_MEDIA_TYPE, install_problem_handlers


async def test_a_unique_constraint_refusing_a_write_is_a_409_problem(tmp_path: Path) -> None:
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'years.db'}")
    years = Table("school_years", MetaData(), Column("id", Integer, primary_key=True), Column("name", String),
                  UniqueConstraint("name"))
    async with engine.begin() as conn:
        await conn.run_sync(years.metadata.create_all)
    app = FastAPI()
    install_problem_handlers(app)

    @app.post("/school-years")
    async def create(name: str) -> dict[str, str]:
        async with engine.begin() as conn:
            await conn.execute(insert(years).values(name=name))
        return {"name": name}

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),
                                 base_url="http://test") as client:
        first = await client.post("/school-years", params={"name": "2024-2025"})
        second = await client.post("/school-years", params={"name": "2024-2025"})
    async with engine.connect() as conn:
        rows = (await conn.execute(years.select())).all()
    await engine.dispose()

    assert first.status_code == 200
    assert second.status_code == 409
    assert second.headers["content-type"].startswith(PROBLEM_MEDIA_TYPE)
    assert second.json()["code"] == "concurrent_change"
    assert "thử lại" in second.json()["detail"]
    assert len(rows) == 1
