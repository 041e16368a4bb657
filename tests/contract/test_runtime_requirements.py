"""What `make run`, `make install` and every image install is requirements.txt plus the services with --no-deps.
So every distribution a service declares (with the extras it asks for) and every package its code imports must be
pinned there — not only in requirements-dev.txt, which the tests run on and which would hide the gap.

scripts/check_runtime.py proves the same on a real runtime-only environment (pip check, imports, a smoke run);
these checks are the fast static half, run with the rest of the suite.
"""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement

from tests.support import REPO

SERVICES = sorted(p.parent for p in (REPO / "services").glob("*/pyproject.toml"))
OWN_PACKAGES = {p.name for service in SERVICES for p in (service / "src").iterdir() if p.is_dir()}


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pinned(path: Path) -> dict[str, str]:
    """Name → version of every `name==version` line of a requirements file (its -r includes left out)."""
    pins: dict[str, str] = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        requirement = Requirement(line)
        specifiers = list(requirement.specifier)
        assert len(specifiers) == 1 and specifiers[0].operator == "==", f"{path.name}: {line!r} is not pinned with =="
        pins[normalized(requirement.name)] = specifiers[0].version
    return pins


RUNTIME = pinned(REPO / "requirements.txt")


def declared(service: Path) -> list[Requirement]:
    """The service's dependencies and every optional group (the embedded run uses evidence's `local-s3`)."""
    project = tomllib.loads((service / "pyproject.toml").read_text())["project"]
    texts = [*project.get("dependencies", []), *(d for group in project.get("optional-dependencies", {}).values()
                                                  for d in group)]
    return [r for r in map(Requirement, texts) if not normalized(r.name).startswith("edudx-")]


def extras_requirements(requirement: Requirement) -> list[Requirement]:
    """What the extras of `requirement` pull in on this platform (e.g. uvicorn[standard] → uvloop, httptools …)."""
    pulled = []
    for text in importlib.metadata.requires(requirement.name) or []:
        needed = Requirement(text)
        if needed.marker is None:
            continue
        for extra in requirement.extras:
            if needed.marker.evaluate({**default_environment(), "extra": extra}):
                pulled.append(needed)
                break
    return pulled


def missing_from(runtime: dict[str, str], service: Path) -> list[str]:
    return [str(r) for r in declared(service) if normalized(r.name) not in runtime]


@pytest.mark.parametrize("service", SERVICES, ids=lambda p: p.name)
def test_every_declared_dependency_is_in_the_runtime_requirements(service: Path) -> None:
    missing = missing_from(RUNTIME, service)
    assert missing == [], f"{service.name}/pyproject.toml needs {missing}: pin them in requirements.txt"


@pytest.mark.parametrize("service", SERVICES, ids=lambda p: p.name)
def test_what_requested_extras_pull_in_is_in_the_runtime_requirements(service: Path) -> None:
    missing = sorted({f"{r.name} (for {d})" for d in declared(service) if d.extras
                      for r in extras_requirements(d) if normalized(r.name) not in RUNTIME})
    assert missing == [], f"{service.name}: pin {missing} in requirements.txt"


def imported_top_level(source: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(source.read_text(), str(source))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_every_third_party_import_of_a_service_is_in_the_runtime_requirements() -> None:
    """Also catches an import that no pyproject declares: its distribution must be pinned for the runtime."""
    providers = importlib.metadata.packages_distributions()
    problems = []
    for service in SERVICES:
        for source in sorted((service / "src").rglob("*.py")):
            for name in imported_top_level(source) - OWN_PACKAGES - set(sys.stdlib_module_names):
                distributions = providers.get(name)
                if not distributions:
                    problems.append(f"{source.relative_to(REPO)}: `{name}` is installed by no distribution here")
                elif not any(normalized(d) in RUNTIME for d in distributions):
                    problems.append(f"{source.relative_to(REPO)}: `{name}` ({', '.join(distributions)}) "
                                    "is not in requirements.txt")
    assert problems == []


def test_the_dev_requirements_add_to_the_runtime_and_never_repin_it() -> None:
    dev_file = REPO / "requirements-dev.txt"
    assert "-r requirements.txt" in dev_file.read_text().splitlines()
    dev = pinned(dev_file)
    assert sorted(set(dev) & set(RUNTIME)) == [], "a package is pinned in both files: keep it in requirements.txt"


def test_the_check_catches_a_dependency_pinned_only_for_the_tests() -> None:
    """The mechanism that let pypdf through: declared by evidence, pinned only in the dev set."""
    evidence = next(s for s in SERVICES if s.name == "evidence")
    runtime_without_pypdf = {k: v for k, v in RUNTIME.items() if k != "pypdf"}
    assert missing_from(runtime_without_pypdf, evidence) == ["pypdf"]
