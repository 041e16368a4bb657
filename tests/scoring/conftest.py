"""Scoring tests: every service it talks to is real and served over HTTP — identity, submissions (whose outbox
delivers its events to scoring), evidence with a real S3 server, and scoring itself.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

import evidence.models as evidence_models
import identity.models as identity_models
import scoring.models as scoring_models
import submissions.models as submissions_models
from edudx_common.auth import Principal, Role
from edudx_common.db import create_engine, session_factory, utcnow
from edudx_common.migrations import service_metadata
from evidence.config import Settings as EvidenceSettings
from evidence.main import create_app as create_evidence_app
from identity.config import Settings as IdentitySettings
from identity.main import create_app as create_identity_app
from scoring.config import Settings
from scoring.main import create_app
from scoring.rubrics.service import ensure_templates
from scripts.local_s3 import start_local_s3, stop_local_s3
from submissions.config import Settings as SubmissionsSettings
from submissions.main import create_app as create_submissions_app
from submissions.signatures.pki import CertificateAuthority
from tests.identity.builders import make_province, make_user
from tests.servers import serve
from tests.submissions.builders import make_campaign, make_school_year
from tests.support import database_url, drop_schema_sync, empty_tables, free_port, migrate, write_key

SECRETS = {"submissions": "submissions-test-secret-0123456", "evidence": "evidence-test-secret-0123456789",
           "scoring": "scoring-test-secret-01234567890"}
BUCKET = "scoring-evidence-test"
SEED_PRINCIPAL = Principal(subject="test-seed", kind="service")
MODELS = {"identity": identity_models, "submissions": submissions_models, "evidence": evidence_models,
          "scoring": scoring_models}


@dataclass
class Service:
    url: str
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]


@dataclass
class Stack:
    services: dict[str, Service]
    empty_bucket: Callable[[], None]
    results_ca: CertificateAuthority

    def url(self, name: str) -> str:
        return self.services[name].url


def _migrated(tmp: Path, service: str) -> tuple[str, str | None]:
    url, schema = database_url(tmp, f"sc_{service}")
    if schema:
        drop_schema_sync(url, schema)
    migrate(service, url, schema)
    return url, schema


@pytest.fixture(scope="package")
def stack_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("scoring-stack")
    dbs = {name: _migrated(tmp, name) for name in MODELS}
    common = {"environment": "test", "log_json": False, "log_level": "WARNING"}
    s3_process, endpoint, access_key, secret_key = start_local_s3(tmp / "s3")
    scoring_port = free_port()
    evidence_port = free_port()  # submissions asks evidence before an approval; evidence needs submissions' URL
    # The authority's certificate for signing the published results, from a CA made here.
    now = utcnow()
    results_ca = CertificateAuthority("CA Thử nghiệm kết quả", not_before=now - timedelta(days=1),
                                      not_after=now + timedelta(days=365))
    seal = results_ca.issue("Sở Giáo dục và Đào tạo Thử", organisation="Sở Giáo dục và Đào tạo Thử",
                            not_before=now - timedelta(days=1), not_after=now + timedelta(days=365))
    pkcs12_file = tmp / "results-seal.p12"
    pkcs12_file.write_bytes(seal.pkcs12(b"mat-khau-p12", [results_ca.root.certificate]))
    with contextlib.ExitStack() as stack:
        stack.callback(stop_local_s3, s3_process)
        identity_url = stack.enter_context(serve(create_identity_app(IdentitySettings(
            database_url=dbs["identity"][0], database_schema=dbs["identity"][1],
            jwt_private_key_file=str(write_key(tmp)), password_hash_fast=True, service_clients=SECRETS, **common))))
        jwks_url = f"{identity_url}/api/identity/.well-known/jwks.json"
        calls = {"identity_url": identity_url, "jwks_url": jwks_url, **common}
        scoring_url = f"http://127.0.0.1:{scoring_port}"
        submissions_url = stack.enter_context(serve(create_submissions_app(SubmissionsSettings(
            database_url=dbs["submissions"][0], database_schema=dbs["submissions"][1],
            service_client_id="submissions", service_client_secret=SECRETS["submissions"],
            event_receivers={"scoring": scoring_url}, scoring_url=scoring_url,
            evidence_url=f"http://127.0.0.1:{evidence_port}", **calls))))
        evidence_url = stack.enter_context(serve(create_evidence_app(EvidenceSettings(
            database_url=dbs["evidence"][0], database_schema=dbs["evidence"][1], submissions_url=submissions_url,
            service_client_id="evidence", service_client_secret=SECRETS["evidence"], s3_endpoint=endpoint,
            s3_access_key=access_key, s3_secret_key=secret_key, s3_bucket=BUCKET, **calls)), port=evidence_port))
        stack.enter_context(serve(create_app(Settings(
            database_url=dbs["scoring"][0], database_schema=dbs["scoring"][1], submissions_url=submissions_url,
            evidence_url=evidence_url, service_client_id="scoring", service_client_secret=SECRETS["scoring"],
            results_signing_pkcs12_file=str(pkcs12_file), results_signing_pkcs12_password="mat-khau-p12",
            **calls)), port=scoring_port))
        yield {"urls": {"identity": identity_url, "submissions": submissions_url, "evidence": evidence_url,
                        "scoring": scoring_url}, "dbs": dbs, "s3": (endpoint, access_key, secret_key),
               "results_ca": results_ca}


@pytest.fixture
async def stack(stack_servers: dict[str, Any]) -> AsyncIterator[Stack]:
    services = {}
    for name, (url, schema) in stack_servers["dbs"].items():
        engine = create_engine(url, schema=schema)
        services[name] = Service(stack_servers["urls"][name], engine, session_factory(engine))

    def empty_bucket() -> None:
        from minio import Minio

        endpoint, access_key, secret_key = stack_servers["s3"]
        client = Minio(endpoint, access_key=access_key, secret_key=secret_key, secure=False, region="us-east-1")
        for item in client.list_objects(BUCKET, recursive=True):
            if item.object_name:
                client.remove_object(BUCKET, item.object_name)

    yield Stack(services, empty_bucket, stack_servers["results_ca"])
    await asyncio.to_thread(empty_bucket)
    for name, service in services.items():
        await empty_tables(service.engine, service_metadata(MODELS[name]))
        await service.engine.dispose()


async def sign_in(stack: Stack, user: Any, password: str = "Mat-khau-2024") -> dict[str, str]:
    async with httpx.AsyncClient(base_url=stack.url("identity")) as http:
        response = await http.post("/api/identity/auth/login", json={"email": user.email, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@dataclass
class World:
    """A Sở with two Phòng; a published seed-004 campaign of the Sở scored with the seed-004 rubric."""

    units: dict[str, Any]
    users: dict[str, dict[str, str]]
    rubrics: dict[str, str]
    campaign: dict[str, Any]
    school_year_id: str


@pytest.fixture
async def world(stack: Stack) -> World:
    async with stack.services["scoring"].sessions() as session:
        rubrics = {key: str(r.id) for key, r in (await ensure_templates(session, SEED_PRINCIPAL)).items()}
        await session.commit()
    people = {"so_admin": ("so", Role.AUTHORITY_ADMIN), "p1_reviewer": ("p1", Role.REVIEWER),
              "p2_reviewer": ("p2", Role.REVIEWER), "s11_principal": ("s11", Role.PRINCIPAL),
              "s11_officer": ("s11", Role.SCHOOL_IT_OFFICER), "s12_principal": ("s12", Role.PRINCIPAL),
              "s12_officer": ("s12", Role.SCHOOL_IT_OFFICER), "s21_officer": ("s21", Role.SCHOOL_IT_OFFICER)}
    users = {}
    async with stack.services["identity"].sessions() as session:
        units = await make_province(session)
        made = {key: await make_user(session, units[unit], role, name=f"Người dùng {key}")
                for key, (unit, role) in people.items()}
    for key, user in made.items():
        users[key] = await sign_in(stack, user)
    async with httpx.AsyncClient(base_url=stack.url("submissions")) as sub:
        year = await make_school_year(sub, users["so_admin"])
        campaign = await make_campaign(sub, users["so_admin"], school_year_id=year,
                                       rubric_id=rubrics["seed-004-cntt"])
    return World(units, users, rubrics, campaign, year)
