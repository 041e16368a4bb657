"""A service never imports another service; the shared package imports none of them."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.support import REPO

SERVICES = sorted(p.name for p in (REPO / "services").iterdir() if (p / "src" / p.name).is_dir())
PACKAGES = {name: name for name in SERVICES} | {"common": "edudx_common"}


def _imported_top_levels(source_dir: Path) -> set[str]:
    names: set[str] = set()
    for file in source_dir.rglob("*.py"):
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("service", ["common", *SERVICES])
def test_service_imports_no_other_service(service: str) -> None:
    package = PACKAGES[service]
    imported = _imported_top_levels(REPO / "services" / service / "src" / package)
    others = {p for name, p in PACKAGES.items() if name != service and p != "edudx_common"}

    assert imported & others == set()
