"""A database that cannot be reached is a 503 problem the client may retry, never a 500; a statement that is
wrong stays a 500. Against real connections: a PostgreSQL port nobody listens on, and a real SQLite error."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from edudx_common.db import create_engine, ping
from edudx_common.errors import install_problem_handlers
from tests.support import free_port


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    unreachable = create_engine(f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/test", schema="x")
    sqlite = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}")
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/unreachable")
    async def read_unreachable() -> None:
        await ping(unreachable)

    @app.get("/wrong-statement")
    async def wrong_statement() -> None:
        async with sqlite.connect() as conn:
            await conn.execute(text("SELECT * FROM no_such_table"))

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http
    await unreachable.dispose()
    await sqlite.dispose()


async def test_unreachable_database_is_a_503_problem_in_vietnamese_with_retry_after(client: httpx.AsyncClient) -> None:
    response = await client.get("/unreachable")

    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"] == "5"
    assert response.json()["code"] == "database_unavailable"
    assert "Cơ sở dữ liệu" in response.json()["title"]


async def test_a_wrong_statement_is_still_a_500(client: httpx.AsyncClient) -> None:
    response = await client.get("/wrong-statement")

    assert response.status_code == 500
    assert response.json()["code"] == "internal_error"
