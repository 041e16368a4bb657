"""Every service's image is built the way deploy/README.md promises, read from its Dockerfile (no Docker engine
runs here): multi-stage, slim, installed from the pinned requirements.txt without an index, non-root, with a
HEALTHCHECK on /healthz; the gateway's image carries the built SPA."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.support import REPO

SERVICES = sorted(p.parent.name for p in (REPO / "services").glob("*/pyproject.toml") if p.parent.name != "common")


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def all(self, keyword: str) -> list[str]:
        return [argument for instruction, argument in self.instructions if instruction == keyword]


def stages_of(path: Path) -> list[Stage]:
    """The Dockerfile's stages with their instructions (continuation lines joined, comments dropped)."""
    text = re.sub(r"\\\n", " ", path.read_text())
    stages: list[Stage] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        instruction, _, argument = line.partition(" ")
        instruction = instruction.upper()
        if instruction == "FROM":
            words = argument.split()
            stages.append(Stage(base=words[0], name=words[2] if len(words) > 2 and words[1].upper() == "AS" else None))
        else:
            assert stages, f"{path}: {instruction} before FROM"
            stages[-1].instructions.append((instruction, argument.strip()))
    return stages


def test_every_service_has_a_dockerfile() -> None:
    assert SERVICES == ["evidence", "gateway", "identity", "notifications", "scoring", "submissions"]
    for name in SERVICES:
        assert (REPO / "services" / name / "Dockerfile").is_file(), name


@pytest.mark.parametrize("service", SERVICES)
def test_image_is_multi_stage_slim_pinned_non_root_and_checked(service: str) -> None:
    stages = stages_of(REPO / "services" / service / "Dockerfile")
    final, builders = stages[-1], stages[:-1]

    assert builders, "a build stage keeps compilers and caches out of the image"
    assert final.base.endswith("-slim"), final.base
    # Python packages come from the same pinned requirements.txt the tests use, as wheels built in a stage.
    wheels = next(stage for stage in builders if any("pip wheel" in run for run in stage.all("RUN")))
    assert any("-r requirements.txt" in run for run in wheels.all("RUN"))
    assert any(copy.endswith("requirements.txt .") for copy in wheels.all("COPY"))
    assert f"--from={wheels.name} /wheels /wheels" in final.all("COPY")
    installs = [run for run in final.all("RUN") if "pip install" in run]
    assert installs and all("--no-index" in run for run in installs), "the final stage installs only built wheels"
    # Non-root, by number: Kubernetes' runAsNonRoot can only check a numeric user.
    users = final.all("USER")
    assert users and users[-1] not in ("root", "0") and users[-1].split(":")[0].isdigit(), users
    assert _position(final, "USER") < _position(final, "CMD"), "the service process runs as that user"
    healthchecks = final.all("HEALTHCHECK")
    assert len(healthchecks) == 1 and "/healthz" in healthchecks[0]
    assert "8000" in final.all("EXPOSE")
    assert final.all("CMD"), "a default command"


def test_the_gateway_image_serves_the_built_spa() -> None:
    stages = stages_of(REPO / "services" / "gateway" / "Dockerfile")
    spa = next(stage for stage in stages if stage.base.startswith("node:"))

    assert any("npm ci" in run for run in spa.all("RUN")), "the SPA's packages come from package-lock.json"
    assert any("npm run build" in run for run in spa.all("RUN"))
    # Copied where the gateway looks by default (GATEWAY_SPA_DIR=frontend/dist, relative to WORKDIR /app).
    assert f"--from={spa.name} /frontend/dist frontend/dist" in stages[-1].all("COPY")
    assert stages[-1].all("WORKDIR") == ["/app"]
    assert not stages[-1].base.startswith("node:"), "Node stays out of the final image"


def test_migrations_are_in_the_images_of_services_that_have_them() -> None:
    for service in SERVICES:
        if not (REPO / "services" / service / "alembic.ini").exists():
            continue
        copies = stages_of(REPO / "services" / service / "Dockerfile")[-1].all("COPY")
        assert f"services/{service}/migrations services/{service}/migrations" in copies, service
        assert f"services/{service}/alembic.ini services/{service}/alembic.ini" in copies, service


def test_build_context_leaves_out_local_state() -> None:
    ignored = set((REPO / ".dockerignore").read_text().split())
    assert {".git", ".venv", ".env", "var", "**/node_modules", "frontend/dist"} <= ignored


def _position(stage: Stage, keyword: str) -> int:
    return max(i for i, (instruction, _) in enumerate(stage.instructions) if instruction == keyword)


@pytest.mark.parametrize("service", SERVICES)
def test_the_image_installs_exactly_the_runtime_set(service: str) -> None:
    """requirements.txt, then the shared package and the service itself with --no-deps — what `make run` installs
    (scripts/bootstrap.sh runtime) and scripts/check_runtime.py proves sufficient. No dev requirements, no package
    named on its own, no index in the final stage."""
    stages = stages_of(REPO / "services" / service / "Dockerfile")
    pip_runs = [run for stage in stages for run in stage.all("RUN") if re.search(r"\bpip\b", run)]

    assert all("requirements-dev" not in run for run in pip_runs)
    wheels = [run for run in pip_runs if "pip wheel" in run]
    assert len(wheels) == 2, wheels
    assert wheels[0].split("-r ", 1)[1].split()[0] == "requirements.txt"
    services_wheel = wheels[1].split()
    assert "--no-deps" in services_wheel
    assert [w for w in services_wheel if w.startswith("./services/")] == ["./services/common", f"./services/{service}"]
    installs = [run for run in pip_runs if "pip install" in run]
    assert installs == [run for run in stages[-1].all("RUN") if "pip install" in run], "installs only in the image"
    assert all(re.search(r"pip install (--no-cache-dir )?--no-index /wheels/\*", run) for run in installs), installs


def test_make_run_installs_the_same_runtime_set() -> None:
    bootstrap = (REPO / "scripts" / "bootstrap.sh").read_text()
    makefile = (REPO / "Makefile").read_text()

    assert re.search(r"^run: install\b", makefile, re.M) and "scripts/bootstrap.sh runtime" in makefile
    assert 'requirements=requirements.txt\n[ "$kind" = dev ] && requirements=requirements-dev.txt' in bootstrap
    assert '-m pip install --quiet --no-deps "${editable[@]}"' in bootstrap
    # ...and the README's test command proves that set alone runs EduDX.
    assert re.search(r"^test: .*\bcheck-runtime\b", makefile, re.M)
    assert "scripts/check_runtime.py" in makefile
