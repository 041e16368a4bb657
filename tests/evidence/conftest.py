"""Evidence API tests: the real app in-process, a real identity and a real submissions service over HTTP,
and a real S3 server (SeaweedFS `weed mini`) that checks credentials, signatures and presigned-URL expiry.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from minio import Minio
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

import evidence.models as evidence_models
import identity.models as identity_models
import submissions.models as submissions_models
from edudx_common.auth import Role
from edudx_common.db import create_engine, session_factory
from edudx_common.migrations import service_metadata
from evidence.config import Settings
from evidence.main import create_app
from identity.config import Settings as IdentitySettings
from identity.main import create_app as create_identity_app
from scripts.local_s3 import start_local_s3, stop_local_s3
from submissions.config import Settings as SubmissionsSettings
from submissions.main import create_app as create_submissions_app
from tests.identity.builders import make_province, make_user
from tests.servers import serve
from tests.submissions.builders import make_campaign, make_school_year, open_submission
from tests.support import empty_tables, migrated_database, write_key

SUBMISSIONS_SECRET = "submissions-test-secret-0123456"
EVIDENCE_SECRET = "evidence-test-secret-0123456789"
BUCKET = "evidence-test"


@dataclass
class S3Server:
    endpoint: str
    access_key: str
    secret_key: str

    def client(self) -> Minio:
        return Minio(self.endpoint, access_key=self.access_key, secret_key=self.secret_key, secure=False,
                     region="us-east-1")

    def keys(self, prefix: str = "") -> list[str]:
        return [o.object_name for o in self.client().list_objects(BUCKET, prefix=prefix, recursive=True)
                if o.object_name]


@dataclass
class Database:
    url: str
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]


@pytest.fixture(scope="package")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    process, endpoint, access_key, secret_key = start_local_s3(tmp_path_factory.mktemp("evidence-s3"))
    try:
        yield S3Server(endpoint, access_key, secret_key)
    finally:
        stop_local_s3(process)


@pytest.fixture(scope="package")
def identity_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, str | None]]:
    tmp = tmp_path_factory.mktemp("ev-identity")
    url, schema = migrated_database(tmp, "identity", "ev_identity")
    settings = IdentitySettings(environment="test", database_url=url, database_schema=schema,
                                jwt_private_key_file=str(write_key(tmp)), password_hash_fast=True,
                                service_clients={"submissions": SUBMISSIONS_SECRET, "evidence": EVIDENCE_SECRET},
                                log_json=False, log_level="WARNING")
    with serve(create_identity_app(settings)) as base_url:
        yield base_url, url, schema


def _jwks(base_url: str) -> str:
    return f"{base_url}/api/identity/.well-known/jwks.json"


@pytest.fixture(scope="package")
def submissions_server(tmp_path_factory: pytest.TempPathFactory,
                       identity_server: tuple[str, str, str | None]) -> Iterator[tuple[str, str, str | None]]:
    url, schema = migrated_database(tmp_path_factory.mktemp("ev-submissions"), "submissions", "ev_submissions")
    identity_url = identity_server[0]
    settings = SubmissionsSettings(environment="test", database_url=url, database_schema=schema,
                                   identity_url=identity_url, jwks_url=_jwks(identity_url),
                                   service_client_id="submissions", service_client_secret=SUBMISSIONS_SECRET,
                                   log_json=False, log_level="WARNING")
    with serve(create_submissions_app(settings)) as base_url:
        yield base_url, url, schema


@pytest.fixture(scope="package")
async def databases(identity_server: tuple[str, str, str | None],
                    submissions_server: tuple[str, str, str | None]) -> AsyncIterator[dict[str, Database]]:
    found = {}
    for name, (base_url, url, schema) in {"identity": identity_server, "submissions": submissions_server}.items():
        engine = create_engine(url, schema=schema)
        found[name] = Database(base_url, engine, session_factory(engine))
    yield found
    for database in found.values():
        await database.engine.dispose()


@pytest.fixture(scope="package")
def evidence_settings(tmp_path_factory: pytest.TempPathFactory, identity_server: tuple[str, str, str | None],
                      submissions_server: tuple[str, str, str | None], s3: S3Server) -> Settings:
    url, schema = migrated_database(tmp_path_factory.mktemp("evidence"), "evidence", "evidence")
    identity_url = identity_server[0]
    return Settings(environment="test", database_url=url, database_schema=schema, identity_url=identity_url,
                    jwks_url=_jwks(identity_url), submissions_url=submissions_server[0],
                    service_client_id="evidence", service_client_secret=EVIDENCE_SECRET,
                    s3_endpoint=s3.endpoint, s3_access_key=s3.access_key, s3_secret_key=s3.secret_key,
                    s3_bucket=BUCKET, max_file_bytes=200_000, submission_quota_bytes=1_000_000,
                    log_json=False, log_level="WARNING")


@pytest.fixture(scope="package")
async def evidence_app(evidence_settings: Settings) -> AsyncIterator[Any]:
    app = create_app(evidence_settings)
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def client(evidence_app: Any, databases: dict[str, Database], s3: S3Server) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=evidence_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://evidence") as http:
        yield http
    await empty_tables(evidence_app.state.engine, service_metadata(evidence_models))
    await empty_tables(databases["submissions"].engine, service_metadata(submissions_models))
    await empty_tables(databases["identity"].engine, service_metadata(identity_models))
    minio = s3.client()
    for key in s3.keys():
        minio.remove_object(BUCKET, key)


@pytest.fixture
def sign_in(databases: dict[str, Database]) -> Callable[..., Any]:
    async def login(user: Any, password: str = "Mat-khau-2024") -> dict[str, str]:
        async with httpx.AsyncClient(base_url=databases["identity"].url) as http:
            response = await http.post("/api/identity/auth/login", json={"email": user.email, "password": password})
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['access_token']}"}

    return login


@dataclass
class World:
    """A Sở with two Phòng; school s11 (Phòng 1) and s21 (Phòng 2) each have an open draft submission."""

    units: dict[str, Any]
    so_admin: dict[str, str]
    p1_reviewer: dict[str, str]
    s11_principal: dict[str, str]
    s11_officer: dict[str, str]
    s21_officer: dict[str, str]
    s11_submission: dict[str, Any]
    s21_submission: dict[str, Any]
    submissions_url: str


@pytest.fixture
async def world(client: httpx.AsyncClient, databases: dict[str, Database], sign_in: Callable[..., Any]) -> World:
    async with databases["identity"].sessions() as session:
        units = await make_province(session)
        so_admin = await sign_in(await make_user(session, units["so"], Role.AUTHORITY_ADMIN, name="Trần Văn Sở"))
        p1_reviewer = await sign_in(await make_user(session, units["p1"], Role.REVIEWER, name="Lê Thị Hà"))
        s11_principal = await sign_in(await make_user(session, units["s11"], Role.PRINCIPAL, name="Hiệu trưởng HB"))
        s11_officer = await sign_in(await make_user(session, units["s11"], Role.SCHOOL_IT_OFFICER,
                                                    name="Nguyễn Thị Minh"))
        s21_officer = await sign_in(await make_user(session, units["s21"], Role.SCHOOL_IT_OFFICER,
                                                    name="CNTT Đức Thành"))
    base_url = databases["submissions"].url
    async with httpx.AsyncClient(base_url=base_url) as sub:
        year = await make_school_year(sub, so_admin)
        campaign = await make_campaign(sub, so_admin, school_year_id=year)
        s11_submission = await open_submission(sub, s11_officer, campaign["id"])
        s21_submission = await open_submission(sub, s21_officer, campaign["id"])
    return World(units, so_admin, p1_reviewer, s11_principal, s11_officer, s21_officer, s11_submission,
                 s21_submission, base_url)
