"""`edudx_common` holds only what at least two services use: a module one service needs lives in that service.

A service uses a shared module when its package imports it, directly or through another shared module it uses,
when its Alembic `migrations/env.py` does, or when its Dockerfile runs it (`python -m edudx_common.server`).
Tests and scripts do not count.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from tests.support import REPO

COMMON = REPO / "services" / "common" / "src" / "edudx_common"
SERVICES = sorted(p.name for p in (REPO / "services").iterdir()
                  if p.name != "common" and (p / "src" / p.name).is_dir())

# Shared on purpose although fewer than two services import it today, each with its reason.
ALLOWED = {
    # The API's deprecation policy (docs/api/deprecation.md): `sunset()` is how any operation on its way out says
    # so. No operation is deprecated today; the policy, tested in tests/common, is the same for every service.
    "deprecation",
}


def _modules() -> set[str]:
    names = {p.stem for p in COMMON.glob("*.py") if p.stem != "__init__"}
    return names | {p.name for p in COMMON.iterdir() if p.is_dir() and (p / "__init__.py").exists()}


MODULES = _modules()


def _shared_imports(files: list[Path], *, inside_common: bool = False) -> set[str]:
    """The edudx_common modules `files` import (relative imports count inside the shared package)."""
    found: set[str] = set()
    for file in files:
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {a.name.split(".")[1] for a in node.names
                          if a.name.startswith("edudx_common.")}
            elif isinstance(node, ast.ImportFrom) and node.module is not None and node.level == 0:
                parts = node.module.split(".")
                if parts[0] == "edudx_common":
                    found |= {parts[1]} if len(parts) > 1 else {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 1 and inside_common:
                found |= {node.module.split(".")[0]} if node.module else {a.name for a in node.names}
    return found & MODULES


def _files_of(module: str) -> list[Path]:
    single = COMMON / f"{module}.py"
    return [single] if single.exists() else sorted((COMMON / module).rglob("*.py"))


def users_of_shared_modules() -> dict[str, set[str]]:
    uses = {module: _shared_imports(_files_of(module), inside_common=True) - {module} for module in MODULES}
    users: dict[str, set[str]] = {module: set() for module in MODULES}
    for service in SERVICES:
        root = REPO / "services" / service
        direct = _shared_imports(sorted((root / "src" / service).rglob("*.py")))
        direct |= _shared_imports([root / "migrations" / "env.py"]) if (root / "migrations").is_dir() else set()
        dockerfile = root / "Dockerfile"
        if dockerfile.exists():
            direct |= set(re.findall(r"edudx_common\.(\w+)", dockerfile.read_text())) & MODULES
        reached: set[str] = set()
        pending = list(direct)
        while pending:
            module = pending.pop()
            if module not in reached:
                reached.add(module)
                pending.extend(uses[module])
        for module in reached:
            users[module].add(service)
    return users


def test_every_shared_module_serves_at_least_two_services() -> None:
    users = users_of_shared_modules()
    lonely = {module: sorted(services) for module, services in users.items()
              if len(services) < 2 and module not in ALLOWED}

    assert lonely == {}, f"edudx_common modules used by fewer than two services (move them there): {lonely}"


def test_the_allowed_list_names_only_lonely_modules() -> None:
    """An entry that is no longer needed (the module moved, or a second service took it) leaves the list."""
    users = users_of_shared_modules()

    assert {module for module in ALLOWED if module in users and len(users[module]) < 2} == ALLOWED


def test_the_census_sees_what_services_import() -> None:
    """The census itself: the shared tables (audit, outbox, inbox) are reached by every service with a database,
    pdfsign by submissions and scoring."""
    users = users_of_shared_modules()

    assert {"identity", "submissions", "evidence", "scoring", "notifications"} <= users["tables"]
    assert not {"audit", "outbox", "inbox"} & MODULES, "the shared tables live in edudx_common.tables only"
    assert users["pdfsign"] == {"submissions", "scoring"}
    assert users["server"] == set(SERVICES)  # every Dockerfile runs it
