"""Notifications tests: every piece real and over HTTP, time moved by the test.

identity, submissions and notifications each run in uvicorn (own thread, own database). Submissions' and
identity's outboxes deliver their events to notifications over HTTP with service tokens, as in production. The
notifications app runs no background loops here: the test drives planning, expansion and sending with a `Worker`
on its own engine, at times it chooses on a `MovableClock` that the app shares. E-mails go to a real SMTP server
(aiosmtpd) on loopback.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

import identity.models as identity_models
import notifications.models as notifications_models
import submissions.models as submissions_models
from edudx_common.db import create_engine, session_factory
from edudx_common.migrations import service_metadata
from identity.config import Settings as IdentitySettings
from identity.main import create_app as create_identity_app
from notifications.config import Settings
from notifications.main import create_app
from notifications.worker import RunReport, Worker, service_clients
from submissions.config import Settings as SubmissionsSettings
from submissions.main import create_app as create_submissions_app
from tests.notifications.builders import District, make_district, sign_in, today_vn, vn, wait_for_events
from tests.notifications.support import MovableClock, Recorder
from tests.servers import serve
from tests.smtp import smtp_server
from tests.support import empty_tables, free_port, migrated_database, write_key

SECRETS = {"submissions": "submissions-test-secret-0123456", "notifications": "notifications-test-secret-012345",
           "scoring": "scoring-test-secret-0123456789ab"}


@dataclass
class Service:
    url: str  # base URL of the running app
    database_url: str
    schema: str | None


@dataclass
class System:
    identity: Service
    submissions: Service
    notifications: Service
    settings: Settings  # the notifications app's
    smtp_port: int


@pytest.fixture(scope="package")
def smtp() -> Iterator[tuple[Recorder, int]]:
    recorder = Recorder()
    with smtp_server(handler=recorder) as (_inbox, port):
        yield recorder, port


@pytest.fixture(scope="package")
def clock() -> MovableClock:
    return MovableClock()


@pytest.fixture(scope="package")
def system(tmp_path_factory: pytest.TempPathFactory, smtp: tuple[Recorder, int],
           clock: MovableClock) -> Iterator[System]:
    tmp = tmp_path_factory.mktemp("ntf")
    id_url, id_schema = migrated_database(tmp, "identity", "ntf_identity")
    sub_url, sub_schema = migrated_database(tmp, "submissions", "ntf_submissions")
    ntf_url, ntf_schema = migrated_database(tmp, "notifications", "notifications")
    notifications_port = free_port()
    identity_settings = IdentitySettings(environment="test", database_url=id_url, database_schema=id_schema,
                                         jwt_private_key_file=str(write_key(tmp)), password_hash_fast=True,
                                         service_clients=SECRETS, log_json=False, log_level="WARNING",
                                         event_receivers={"notifications": f"http://127.0.0.1:{notifications_port}"})
    with serve(create_identity_app(identity_settings)) as identity_url:
        jwks = f"{identity_url}/api/identity/.well-known/jwks.json"
        submissions_port = free_port()
        settings = Settings(environment="test", database_url=ntf_url, database_schema=ntf_schema,
                            identity_url=identity_url, jwks_url=jwks,
                            submissions_url=f"http://127.0.0.1:{submissions_port}",
                            service_client_id="notifications", service_client_secret=SECRETS["notifications"],
                            app_base_url="https://edudx.example.vn", mail_from="EduDX <thongbao@edudx.example.vn>",
                            smtp_host="127.0.0.1", smtp_port=smtp[1], smtp_starttls=False, run_workers=False,
                            smtp_timeout_seconds=10, retry_base_seconds=60, log_json=False, log_level="WARNING",
                            webhooks_allow_loopback=True)
        with serve(create_app(settings, clock=clock), port=notifications_port) as notifications_url:
            submissions_settings = SubmissionsSettings(
                environment="test", database_url=sub_url, database_schema=sub_schema, identity_url=identity_url,
                jwks_url=jwks, service_client_id="submissions", service_client_secret=SECRETS["submissions"],
                event_receivers={"notifications": notifications_url}, log_json=False, log_level="WARNING",
                evidence_url=None)  # no evidence service here: approvals do not wait for evidence reviews
            with serve(create_submissions_app(submissions_settings), port=submissions_port) as submissions_url:
                yield System(identity=Service(identity_url, id_url, id_schema),
                             submissions=Service(submissions_url, sub_url, sub_schema),
                             notifications=Service(notifications_url, ntf_url, ntf_schema),
                             settings=settings, smtp_port=smtp[1])


@dataclass
class Databases:
    identity: async_sessionmaker[AsyncSession]
    submissions: AsyncEngine
    notifications: async_sessionmaker[AsyncSession]
    engines: tuple[AsyncEngine, ...]


@pytest.fixture(scope="package")
async def databases(system: System) -> AsyncIterator[Databases]:
    engines = [create_engine(s.database_url, schema=s.schema)
               for s in (system.identity, system.submissions, system.notifications)]
    yield Databases(identity=session_factory(engines[0]), submissions=engines[1],
                    notifications=session_factory(engines[2]), engines=tuple(engines))
    for engine in engines:
        await engine.dispose()


@pytest.fixture(scope="package")
async def worker(system: System, databases: Databases, clock: MovableClock) -> AsyncIterator[Worker]:
    """The background work, driven by the tests on their own loop and engine, at the shared clock's time."""
    identity, submissions = service_clients(system.settings)
    yield Worker(system.settings, databases.notifications, clock=clock, identity=identity, submissions=submissions,
                 name="test-worker")
    for client in (identity, submissions):
        await client.aclose()


@pytest.fixture
async def api(system: System, databases: Databases, smtp: tuple[Recorder, int],
              clock: MovableClock) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the notifications app; afterwards every database is emptied and the clock reset."""
    async with httpx.AsyncClient(base_url=system.notifications.url, timeout=30) as http:
        yield http
    clock.reset()
    smtp[0].reset()
    engines = databases.engines
    await empty_tables(engines[2], service_metadata(notifications_models))
    await empty_tables(engines[1], service_metadata(submissions_models))
    await empty_tables(engines[0], service_metadata(identity_models))


@asynccontextmanager
async def worker_with(system: System, databases: Databases, clock: MovableClock,
                      **settings: Any) -> AsyncIterator[Worker]:
    """A worker with some settings changed (another SMTP server, a dead one …)."""
    changed = system.settings.model_copy(update=settings)
    identity, submissions = service_clients(changed)
    try:
        yield Worker(changed, databases.notifications, clock=clock, identity=identity, submissions=submissions)
    finally:
        for client in (identity, submissions):
            await client.aclose()


@dataclass
class Harness:
    """What a notifications test works with, and the steps every test starts with."""

    api: httpx.AsyncClient
    system: System
    databases: Databases
    worker: Worker
    clock: MovableClock
    inbox: Recorder

    async def district(self, schools: int, *, hour: int = 10) -> tuple[District, dict[str, str]]:
        """Today at `hour` in Vietnam, a Phòng with `schools` schools, and its admin signed in."""
        self.clock.set(vn(today_vn(), hour))
        district = await make_district(self.databases.identity, schools=schools)
        return district, await sign_in(self.system.identity.url, district.phong_admin)

    async def sign_in(self, user: Any) -> dict[str, str]:
        return await sign_in(self.system.identity.url, user)

    async def events(self, count: int) -> None:
        await wait_for_events(self.databases.notifications, count)

    async def run_at(self, at: datetime) -> RunReport:
        self.clock.set(at)
        return await self.worker.run_once()


@pytest.fixture
async def harness(api: httpx.AsyncClient, system: System, databases: Databases, worker: Worker,
                  clock: MovableClock, smtp: tuple[Recorder, int]) -> Harness:
    return Harness(api, system, databases, worker, clock, smtp[0])
