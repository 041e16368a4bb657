"""The whole system for fault tests: its own PostgreSQL cluster (restartable without touching the machine's
server), the local S3 server, every service and the gateway as separate processes that a test may kill and
start again one by one. Built from the embedded runner's own steps (`scripts/run_embedded.py`), so the system
under test is the one `make run` starts; the runner itself stops everything when one service dies, which is
exactly what a fault test must not do."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text

from edudx_common.db import create_engine
from tests.support import REPO

PG_BIN = Path("/usr/lib/postgresql/15/bin")
# The fault tests' own ports (a range no other checkout's tests use): PostgreSQL, S3, services, gateway.
PORT_RANGE = range(18600, 18700)
DEMO_PASSWORD = "EduDX@2025"


def _runner() -> Any:
    sys.path.insert(0, str(REPO / "scripts"))
    import run_embedded

    return run_embedded


def _taken(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


class Ports:
    """Hands out free ports of PORT_RANGE, in order."""

    def __init__(self) -> None:
        self._next = iter(PORT_RANGE)

    def take(self) -> int:
        for port in self._next:
            if not _taken(port):
                return port
        raise RuntimeError("no free port left in the fault tests' range")


@dataclass
class PostgresCluster:
    """A throwaway PostgreSQL 15 cluster (initdb into a temporary folder, trust auth, loopback only).

    PostgreSQL refuses to run as root: when the tests do, the cluster belongs to the `postgres` user."""

    data: Path
    port: int

    @classmethod
    def create(cls, port: int) -> PostgresCluster:
        # Not under pytest's tmp folder: as root that one is closed to the `postgres` user.
        data = Path(tempfile.mkdtemp(prefix="edudx-faults-pg-")) / "data"
        if os.geteuid() == 0:
            shutil.chown(data.parent, "postgres", "postgres")
        cluster = cls(data, port)
        cluster._run(PG_BIN / "initdb", "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                     "--locale=C.UTF-8")
        return cluster

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *command: str | Path) -> None:
        as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*as_postgres, *map(str, command)], check=True, capture_output=True)

    def _ctl(self, *args: str) -> None:
        self._run(PG_BIN / "pg_ctl", "-D", str(self.data), "-l", str(self.data.parent / "pg.log"), "-w", "-t", "30",
                  *args)

    def remove(self) -> None:
        shutil.rmtree(self.data.parent, ignore_errors=True)

    @property
    def _options(self) -> str:
        return f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.data} -c fsync=off -c max_connections=200"

    def start(self) -> None:
        self._ctl("-o", self._options, "start")

    def stop(self, mode: str = "fast") -> None:
        self._ctl("-m", mode, "stop")

    def restart(self) -> None:
        """`pg_ctl restart -m fast`: every connection is cut, the server is away for a moment."""
        self._ctl("-m", "fast", "-o", self._options, "restart")


@dataclass
class FaultSystem:
    var: Path
    postgres: PostgresCluster
    gateway: str
    ports: dict[str, int]
    envs: dict[str, dict[str, str]]
    gateway_port: int
    gateway_environment: dict[str, str]
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    s3: dict[str, Any] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    stop_traffic: threading.Event = field(default_factory=threading.Event)

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    def schema(self, name: str) -> str:
        return f"faults_{name}"

    # --- processes ------------------------------------------------------------------------------------------
    def start_service(self, name: str) -> None:
        process = _runner().start_service(sys.executable, name, self.ports[name], self.envs[name])
        self.processes[name] = process
        _runner().wait_healthy(f"{self.url(name)}/healthz", process, name, timeout=60)

    def kill(self, name: str) -> None:
        """SIGKILL: no shutdown handler runs, like a crashed process or a machine losing power."""
        process = self.processes[name]
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)

    def stop_s3(self) -> None:
        from scripts.local_s3 import stop_local_s3

        stop_local_s3(self.s3["process"])

    def start_s3(self) -> None:
        from scripts.local_s3 import start_local_s3

        self.s3["process"], *_ = start_local_s3(self.var / "s3", self.s3["port"], access_key=self.s3["access_key"],
                                                secret_key=self.s3["secret_key"])

    # --- HTTP -------------------------------------------------------------------------------------------------
    def login(self, email: str) -> dict[str, str]:
        if email not in self.tokens:
            response = httpx.post(f"{self.gateway}/api/identity/auth/login",
                                  json={"email": email, "password": DEMO_PASSWORD}, timeout=30)
            assert response.status_code == 200, response.text
            self.tokens[email] = response.json()["access_token"]
        return {"Authorization": f"Bearer {self.tokens[email]}"}

    def client(self, timeout: float = 30) -> httpx.Client:
        return httpx.Client(base_url=self.gateway, timeout=timeout)

    # --- the database, read directly to compare states -------------------------------------------------------
    def rows(self, service: str, sql: str, **params: Any) -> list[tuple[Any, ...]]:
        async def read() -> list[tuple[Any, ...]]:
            engine = create_engine(self.postgres.url, schema=self.schema(service))
            try:
                async with engine.connect() as conn:
                    return [tuple(r) for r in (await conn.execute(text(sql), params)).all()]
            finally:
                await engine.dispose()

        return asyncio.run(read())

    def s3_keys(self) -> list[str]:
        from minio import Minio

        s3 = Minio(self.s3["endpoint"], access_key=self.s3["access_key"], secret_key=self.s3["secret_key"],
                   secure=False, region="us-east-1")
        bucket = self.envs["evidence"].get("EVIDENCE_S3_BUCKET", "edudx-evidence")
        if not s3.bucket_exists(bucket):
            return []
        return sorted(o.object_name for o in s3.list_objects(bucket, recursive=True))


@contextmanager
def fault_system(tmp: Path) -> Iterator[FaultSystem]:
    """Start everything; on exit stop what is still running, in reverse order, and remove the cluster."""
    from scripts.local_s3 import start_local_s3, stop_local_s3

    runner = _runner()
    ports = Ports()
    postgres = PostgresCluster.create(ports.take())
    postgres.start()
    var = tmp / "var"
    (var / "keys").mkdir(parents=True)
    names = runner.present_services()
    service_ports = {name: ports.take() for name in names}
    gateway_port = ports.take()
    base_env = runner.outside_env()
    envs = runner.service_envs(var, service_ports, base_env, postgres.url, "faults_",
                               f"http://127.0.0.1:{gateway_port}")
    system = FaultSystem(var=var, postgres=postgres, gateway=f"http://127.0.0.1:{gateway_port}", ports=service_ports,
                         envs=envs, gateway_port=gateway_port,
                         gateway_environment=runner.gateway_env(base_env, service_ports))
    s3_process = None
    try:
        demo = runner.migrate_and_seed_identity(sys.executable, names, envs, seed=True)
        keys = runner.s3_credentials(var)
        s3_port = ports.take()
        s3_process, endpoint, access_key, secret_key = start_local_s3(
            var / "s3", s3_port, access_key=keys["access_key"], secret_key=keys["secret_key"])
        system.s3.update(process=s3_process, port=s3_port, endpoint=endpoint, access_key=access_key,
                         secret_key=secret_key)
        envs["evidence"].update(EVIDENCE_S3_ENDPOINT=endpoint, EVIDENCE_S3_ACCESS_KEY=access_key,
                                EVIDENCE_S3_SECRET_KEY=secret_key)
        for name in names:
            system.start_service(name)
        runner.seed_services(sys.executable, names, envs, demo)
        gateway = runner.start_gateway(sys.executable, gateway_port, system.gateway_environment)
        system.processes["gateway"] = gateway
        runner.wait_healthy(f"{system.gateway}/healthz", gateway, "gateway", timeout=60)
        yield system
    finally:
        for process in reversed(list(system.processes.values())):
            if process.poll() is None:
                process.terminate()
        for process in system.processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        if system.s3.get("process") is not None:
            stop_local_s3(system.s3["process"])
        postgres.stop("immediate")
        postgres.remove()


def wait_for(check: Any, timeout: float = 60, every: float = 0.2) -> Any:
    """Poll `check` until it returns something truthy; the last value otherwise (the assertion says why)."""
    deadline = time.monotonic() + timeout
    value = check()
    while not value and time.monotonic() < deadline:
        time.sleep(every)
        value = check()
    return value



ADMIN = "cntt.so@vinhlong.edu.vn"  # the demo Sở's authority admin: issues the campaign, acts for its schools


def editable_submissions(system: FaultSystem) -> list[dict[str, Any]]:
    """The demo campaign's submission of every school, opened when it was not, returned for revision when it
    was submitted (so each can be saved and submitted again), every criterion self-scored (a submit waits for
    them; 0 needs no evidence), as read now (`version` for If-Match)."""
    admin = system.login(ADMIN)
    submissions = []
    with system.client() as http:
        campaign = http.get("/api/submissions/campaigns", headers=admin).json()["items"][0]
        targets = http.get(f"/api/submissions/campaigns/{campaign['id']}/targets", params={"limit": 500},
                           headers=admin).json()["items"]
        # A sample of the Sở's ~60 schools: enough concurrent requests to catch a kill mid-flight, few enough that
        # one admin's rounds stay under the gateway's per-user limit (all of them answered 429 instead of 502/503).
        targets = sorted(targets, key=lambda t: t["unit_code"])[:FAULT_SCHOOLS]
        rubric_id = http.get(f"/api/submissions/campaigns/{campaign['id']}", headers=admin).json()["rubric_id"]
        rubric = http.get(f"/api/scoring/rubrics/{rubric_id}", headers=admin).json()
        no_points = {"scores": [{"criterion_code": c["code"], "points": 0}
                                for group in rubric["definition"]["groups"] for c in group["criteria"]]}
        for target in targets:
            opened = http.post(f"/api/submissions/campaigns/{campaign['id']}/submissions",
                               params={"unit_id": target["unit_id"]}, headers=admin)
            assert opened.status_code == 200, opened.text
            url = f"/api/submissions/submissions/{opened.json()['id']}"
            if opened.json()["status"] in ("submitted", "resubmitted"):
                assert http.post(f"{url}/start-review", headers=admin).status_code == 200
            if opened.json()["status"] not in EDITABLE:
                returned = http.post(f"{url}/return", headers=admin,
                                     json={"reasons": {"general": "Đề nghị bổ sung minh chứng."}})
                assert returned.status_code == 200, returned.text
            scored = http.patch(f"/api/scoring/submissions/{opened.json()['id']}/self-scores", headers=admin,
                                json=no_points)
            assert scored.status_code == 200, scored.text
            submissions.append(http.get(url, headers=admin).json())
    return submissions


EDITABLE = ("draft", "returned")
FAULT_SCHOOLS = 10
