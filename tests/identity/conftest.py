"""Identity API tests: the real app on a migrated database, called through ASGITransport."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

import identity.models
from edudx_common.migrations import service_metadata
from identity.config import Settings
from identity.main import create_app
from tests.support import database_url, drop_schema_sync, empty_tables, migrate, write_key


@pytest.fixture(scope="package")
def identity_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    tmp: Path = tmp_path_factory.mktemp("identity")
    url, schema = database_url(tmp, "identity")
    if schema:
        drop_schema_sync(url, schema)
    migrate("identity", url, schema)
    yield Settings(
        environment="test",
        database_url=url,
        database_schema=schema,
        jwt_private_key_file=str(write_key(tmp)),
        password_hash_fast=True,
        # The whole module shares one app and one client address; the limit itself is tested on an app of its own.
        auth_requests_per_minute_per_address=1_000_000,
        service_clients={"submissions": "submissions-test-secret-0123"},
        log_json=False,
        log_level="WARNING",
    )


@pytest.fixture(scope="package")
async def identity_app(identity_settings: Settings) -> AsyncIterator[object]:
    app = create_app(identity_settings)
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def client(identity_app: object) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=identity_app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://identity") as http:
        yield http
    # A reset request is handled by the app's worker after the 202: wait for it, or it writes a mail row for a
    # user while the tables are being emptied (the delete of users then fails, and the next test finds them).
    await identity_app.state.password_resets.drained()  # type: ignore[attr-defined]
    identity_app.state.auth_kit.throttle.reset()  # type: ignore[attr-defined]
    await empty_tables(identity_app.state.engine, service_metadata(identity.models))  # type: ignore[attr-defined]


@pytest.fixture
async def session(identity_app: object, client: httpx.AsyncClient) -> AsyncIterator[AsyncSession]:
    """A session for building data; committed by the builders so the app sees it."""
    async with identity_app.state.session_factory() as db:  # type: ignore[attr-defined]
        yield db
