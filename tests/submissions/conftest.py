"""Submissions API tests: the real app on a migrated database, calling a real identity over HTTP.

Identity runs in a uvicorn thread on its own database; test data for it is built with identity's builders
through a separate engine. Users sign in at identity and call submissions with real tokens.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

import identity.models as identity_models
import submissions.models as submissions_models
from edudx_common.db import create_engine, session_factory, utcnow
from edudx_common.migrations import service_metadata
from identity.config import Settings as IdentitySettings
from identity.main import create_app as create_identity_app
from submissions.config import Settings
from submissions.main import create_app
from tests.servers import serve
from tests.support import database_url, drop_schema_sync, empty_tables, migrate, write_key

SERVICE_SECRET = "submissions-test-secret-0123456"
# Identity's own client: it sends `unit.changed` to this service's inbox.
IDENTITY_SECRET = "identity-test-secret-012345678"


@dataclass
class Identity:
    url: str
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]


@dataclass
class MovableClock:
    """The submissions app's clock, moved by tests to judge deadlines without waiting."""

    now: datetime | None = None
    calls: list[datetime] = field(default_factory=list)

    def __call__(self) -> datetime:
        return self.now or utcnow()


@pytest.fixture(scope="package")
def identity_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, str | None]]:
    tmp: Path = tmp_path_factory.mktemp("sub-identity")
    url, schema = database_url(tmp, "sub_identity")
    if schema:
        drop_schema_sync(url, schema)
    migrate("identity", url, schema)
    settings = IdentitySettings(environment="test", database_url=url, database_schema=schema,
                                jwt_private_key_file=str(write_key(tmp)), password_hash_fast=True,
                                service_clients={"submissions": SERVICE_SECRET, "identity": IDENTITY_SECRET},
                                log_json=False,
                                log_level="WARNING")
    with serve(create_identity_app(settings)) as base_url:
        yield base_url, url, schema


@pytest.fixture(scope="package")
async def identity(identity_server: tuple[str, str, str | None]) -> AsyncIterator[Identity]:
    base_url, url, schema = identity_server
    engine = create_engine(url, schema=schema)
    yield Identity(base_url, engine, session_factory(engine))
    await engine.dispose()


@pytest.fixture(scope="package")
def submissions_settings(tmp_path_factory: pytest.TempPathFactory,
                         identity_server: tuple[str, str, str | None]) -> Settings:
    tmp = tmp_path_factory.mktemp("submissions")
    url, schema = database_url(tmp, "submissions")
    if schema:
        drop_schema_sync(url, schema)
    migrate("submissions", url, schema)
    base_url = identity_server[0]
    return Settings(environment="test", database_url=url, database_schema=schema, identity_url=base_url,
                    jwks_url=f"{base_url}/api/identity/.well-known/jwks.json", service_client_id="submissions",
                    service_client_secret=SERVICE_SECRET, log_json=False, log_level="WARNING",
                    evidence_url=None)  # no evidence service here: approvals are not held back by evidence


@pytest.fixture(scope="package")
async def submissions_app(submissions_settings: Settings) -> AsyncIterator[object]:
    app = create_app(submissions_settings)
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
def clock(submissions_app: object) -> Iterator[MovableClock]:
    movable = MovableClock()
    submissions_app.state.clock = movable  # type: ignore[attr-defined]
    yield movable
    submissions_app.state.clock = utcnow  # type: ignore[attr-defined]


@pytest.fixture
async def client(submissions_app: object, identity: Identity, clock: MovableClock) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=submissions_app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://submissions") as http:
        yield http
    await empty_tables(submissions_app.state.engine, service_metadata(submissions_models))  # type: ignore[attr-defined]
    await empty_tables(identity.engine, service_metadata(identity_models))


@pytest.fixture
async def id_session(identity: Identity, client: httpx.AsyncClient) -> AsyncIterator[AsyncSession]:
    """A session on identity's database, for its builders (`make_province`, `make_user`)."""
    async with identity.sessions() as session:
        yield session


@pytest.fixture
def sign_in(identity: Identity) -> Callable[..., object]:
    async def login(user: object, password: str = "Mat-khau-2024") -> dict[str, str]:
        async with httpx.AsyncClient(base_url=identity.url) as http:
            response = await http.post("/api/identity/auth/login",
                                       json={"email": user.email, "password": password})  # type: ignore[attr-defined]
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['access_token']}"}

    return login
