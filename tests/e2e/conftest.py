"""The whole system as `make run` starts it: the embedded runner in a subprocess, real HTTP between
real service processes, demo data seeded. On PostgreSQL runs, each service gets an `e2e_<service>` schema."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.servers import stop_launcher, wait_until_up
from tests.support import POSTGRES_URL, REPO, SCHEMA_PREFIX, drop_schema_sync, on_postgres, system_ports

E2E_SCHEMA_PREFIX = f"{SCHEMA_PREFIX}e2e_"
LOGIN_ATTEMPTS = 4


@dataclass
class RunningSystem:
    gateway: str
    services: dict[str, str]
    var: Path
    process: subprocess.Popen[str]

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.gateway, timeout=30)

    def login(self, email: str, password: str = "EduDX@2025") -> dict[str, str]:
        response = self.sign_in(email, password)
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['access_token']}"}

    def sign_in(self, email: str, password: str = "EduDX@2025") -> httpx.Response:
        """POST the login through the gateway as a well-behaved client does: on 429 (the gateway allows 20 logins a
        minute from one address, and the tests of a package share one system and one address), wait the
        Retry-After it sends and try again."""
        for _ in range(LOGIN_ATTEMPTS):
            response = httpx.post(f"{self.gateway}/api/identity/auth/login",
                                  json={"email": email, "password": password}, timeout=30)
            if response.status_code != 429:
                return response
            time.sleep(min(float(response.headers.get("retry-after", "5")), 65.0))
        return response


def _present_services() -> list[str]:
    sys.path.insert(0, str(REPO / "scripts"))
    import run_embedded

    return run_embedded.present_services()


def isolated_environment() -> dict[str, str]:
    """This process's environment without service settings: the run scripts hand a person's settings (e.g. an
    exported NOTIFICATIONS_SMTP_HOST) to the services, and a test's system must not send mail there. A test that
    needs a setting (tests/security raises the rate limits) passes it to `embedded_system(settings=…)`."""
    sys.path.insert(0, str(REPO / "scripts"))
    import run_embedded

    return run_embedded.outside_env(dict(os.environ))


@contextmanager
def embedded_system(var: Path, *, schema_prefix: str = E2E_SCHEMA_PREFIX, postgres_url: str = POSTGRES_URL,
                    restored: bool = False, start_timeout: float = 240,
                    settings: dict[str, str] | None = None) -> Iterator[RunningSystem]:
    """`scripts/run_embedded.py` on free ports with its own `var` folder, stopped (Ctrl-C) on exit.
    `restored`: the database already holds a system's data (a restore): its schemas are kept and nothing seeded.
    `settings`: service settings (`IDENTITY_…`) this system runs with, as a person would give them to `make run`."""
    args = ["--postgres-url", postgres_url, "--schema-prefix", schema_prefix] if on_postgres() else []
    if restored:
        args.append("--no-seed")
    with running_script("run_embedded.py", var, args, postgres_url=postgres_url, start_timeout=start_timeout,
                        emptied_schema_prefix=schema_prefix if on_postgres() and not restored else None,
                        settings=settings) as running:
        yield running


@contextmanager
def running_script(script: str, var: Path, args: list[str], *, emptied_schema_prefix: str | None,
                   postgres_url: str = POSTGRES_URL, start_timeout: float = 240,
                   settings: dict[str, str] | None = None) -> Iterator[RunningSystem]:
    """One of the run scripts on free ports with its own `var` folder (its output in `var/system.log`), stopped
    (Ctrl-C) on exit. With `emptied_schema_prefix`, the services' PostgreSQL schemas are dropped first."""
    names = _present_services()
    gateway_port, first_port = system_ports(len(names))
    command = [sys.executable, str(REPO / "scripts" / script), "--var", str(var),
               "--port", str(gateway_port), "--first-service-port", str(first_port), *args]
    for name in names if emptied_schema_prefix is not None else []:
        drop_schema_sync(postgres_url, f"{emptied_schema_prefix}{name}")
    var.mkdir(parents=True, exist_ok=True)
    log = (var / "system.log").open("w")
    process = subprocess.Popen(command, cwd=REPO, stdout=log, stderr=subprocess.STDOUT, text=True,
                               env={**isolated_environment(), **(settings or {}), "PYTHONUNBUFFERED": "1"})
    running = RunningSystem(gateway=f"http://127.0.0.1:{gateway_port}",
                            services={n: f"http://127.0.0.1:{first_port + i}" for i, n in enumerate(names)},
                            var=var, process=process)
    try:
        wait_until_up(f"{running.gateway}/healthz", timeout=start_timeout)
        _wait_for_banner(running)
        yield running
    finally:
        stop_launcher(process)
        log.close()


@pytest.fixture(scope="package")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSystem]:
    with embedded_system(tmp_path_factory.mktemp("embedded")) as running:
        yield running


def _wait_for_banner(running: RunningSystem, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while "Ctrl-C" not in output_of(running):
        if time.monotonic() > deadline or running.process.poll() is not None:
            raise RuntimeError(f"the runner printed no banner:\n{output_of(running)}")
        time.sleep(0.1)


def output_of(system: RunningSystem) -> str:
    return (system.var / "system.log").read_text()


def demo_accounts(system: RunningSystem) -> dict[str, str]:
    """role → e-mail, from what the runner printed (the banner is the README's promise)."""
    text = output_of(system)
    accounts: dict[str, str] = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) >= 2 and "@" in parts[1] and parts[0].islower():
            accounts.setdefault(parts[0], parts[1])
    return accounts

