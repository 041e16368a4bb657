"""A database that cannot be reached is a 503 problem the client may retry, never a 500; a statement that is
wrong stays a 500. Against real connections: a PostgreSQL port nobody listens on, and a real SQLite error."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import event, text

from edudx_common.db import create_engine, ping
from edudx_common.errors import install_problem_handlers
from tests.support import POSTGRES_URL, SCHEMA_PREFIX, free_port, on_postgres


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


@pytest.mark.skipif(not on_postgres(), reason="asyncpg connections; run with EDUDX_TEST_DATABASE=postgresql")
async def test_a_pooled_connection_the_server_closed_is_replaced_without_a_ping_per_checkout() -> None:
    """No `pool_pre_ping` (a round trip per checkout): a connection whose backend was terminated while it sat in
    the pool is noticed by its closed socket and replaced, so the next request does not fail."""
    engine = create_engine(POSTGRES_URL, schema="public")
    statements: list[str] = []
    event.listen(engine.sync_engine, "before_cursor_execute",
                 lambda _c, _cur, statement, *_a: statements.append(statement))
    try:
        async with engine.connect() as conn:
            pid = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()
            pooled = (await conn.get_raw_connection()).driver_connection
        async with engine.connect() as conn:  # a second checkout of the same pooled connection: no ping
            assert (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one() == pid
        assert statements == ["SELECT pg_backend_pid()", "SELECT pg_backend_pid()"]

        killer = create_engine(POSTGRES_URL, schema="public")
        async with killer.connect() as conn:
            assert (await conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})).scalar_one()
        await killer.dispose()
        for _ in range(50):  # the closed socket reaches the event loop a moment after the backend exits
            await asyncio.sleep(0.02)
            if pooled.is_closed():
                break

        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one() != pid
    finally:
        await engine.dispose()



@pytest.mark.skipif(not on_postgres(), reason="a real PostgreSQL refusal; run with EDUDX_TEST_DATABASE=postgresql")
async def test_a_server_with_no_connection_slot_left_is_a_503_not_a_500() -> None:
    """"too many clients" (SQLSTATE 53300) happens when every replica's pools together reach max_connections: it
    passes when others give theirs back, so it is a 503 to retry. A login role allowed no connection gets the same
    refusal from the server."""
    role = f"{SCHEMA_PREFIX}no_slots"
    admin = create_engine(POSTGRES_URL)
    async with admin.begin() as conn:
        await conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        await conn.execute(text(f'CREATE ROLE "{role}" LOGIN CONNECTION LIMIT 0'))
    refused = create_engine(POSTGRES_URL.replace("postgres@", f"{role}@"), schema="public")
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/full")
    async def read_full() -> None:
        await ping(refused)

    try:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            response = await http.get("/full")
        assert response.status_code == 503
        assert response.json()["code"] == "database_unavailable"
        assert response.headers["retry-after"] == "5"
    finally:
        await refused.dispose()
        async with admin.begin() as conn:
            await conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        await admin.dispose()
