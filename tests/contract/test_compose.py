"""docker-compose.yml holds together without a Docker engine (none on this machine): every dependency,
Dockerfile and required variable it names exists."""

from __future__ import annotations

import re

import yaml

from tests.support import REPO

COMPOSE = yaml.safe_load((REPO / "docker-compose.yml").read_text())
VARIABLE = re.compile(r"\$\{([A-Z0-9_]+)(?::?[-?][^}]*)?\}")


def test_dependencies_and_dockerfiles_exist() -> None:
    services = COMPOSE["services"]
    for name, service in services.items():
        for dependency in service.get("depends_on", {}):
            assert dependency in services, (name, dependency)
        if "build" in service:
            assert (REPO / service["build"]["dockerfile"]).exists(), name


def test_every_variable_is_in_the_env_example() -> None:
    text = (REPO / "docker-compose.yml").read_text()
    example = {line.split("=", 1)[0] for line in (REPO / ".env.example").read_text().splitlines()
               if "=" in line and not line.startswith("#")}
    required = {m.group(1) for m in VARIABLE.finditer(text)}

    assert required - example == set()


def test_every_service_with_migrations_migrates_before_it_starts() -> None:
    services = COMPOSE["services"]
    for name in (p.parent.name for p in (REPO / "services").glob("*/alembic.ini")):
        assert f"{name}-migrate" in services, name
        assert services[name]["depends_on"][f"{name}-migrate"]["condition"] == "service_completed_successfully"
