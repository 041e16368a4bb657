"""A service never imports another service; the shared package imports none of them. Inside a service, its
feature folders import each other one way (no cycle), and a router imports only its own feature's service and
schemas (and the service's shared infrastructure)."""

from __future__ import annotations

import ast
from dataclasses import dataclass
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


# --- Features inside a service import one way --------------------------------------------------------------------
# A feature is a folder of a service's package (`notifications/delivery/`). Folders that serve every feature and
# hold no feature of their own are shared infrastructure, like the service's top-level modules (config, deps,
# errors, models, timing, …).
# `imports/` (identity) reads and reports on a spreadsheet upload for whichever feature imports rows (units, users):
# no table, no route and no rule of its own, so it is infrastructure that those features' routers may use.
INFRASTRUCTURE = {"clients", "imports", "storage"}


# Exceptions to the two rules, each a debt and not a rule: both lists were emptied in session 8 (issue 23 step 3).
# The tests fail on anything not listed here, and on a listed entry that no longer occurs; an entry added here
# must say in the commit why the import cannot go through the feature's service.
KNOWN_CYCLES: set[tuple[str, tuple[str, ...]]] = set()
KNOWN_ROUTER_IMPORTS: set[tuple[str, str]] = set()


@dataclass(frozen=True)
class Import:
    file: str  # relative to the service's package, e.g. "delivery/router.py"
    module: str  # absolute, e.g. "notifications.delivery.service"


def _is_module(package_dir: Path, dotted: str) -> bool:
    path = package_dir.parent.joinpath(*dotted.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def _service_imports(service: str) -> list[Import]:
    """Every import of the service's own package, as the module it names (`from x.y import z` names x.y.z when z
    is a module, else x.y)."""
    root = REPO / "services" / service / "src" / service
    found: list[Import] = []
    for file in sorted(root.rglob("*.py")):
        relative = file.relative_to(root)
        here = [service, *relative.parent.parts]
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found += [Import(str(relative), a.name) for a in node.names if a.name.split(".")[0] == service]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = here[:len(here) - node.level + 1]
                    module = ".".join(base + ([node.module] if node.module else []))
                else:
                    module = node.module or ""
                if module.split(".")[0] != service:
                    continue
                names = [f"{module}.{a.name}" for a in node.names if _is_module(root, f"{module}.{a.name}")]
                found += [Import(str(relative), name) for name in names or [module]]
    return found


def _features(service: str) -> set[str]:
    root = REPO / "services" / service / "src" / service
    return {p.name for p in root.iterdir() if (p / "__init__.py").exists()} - INFRASTRUCTURE


def feature_graph(service: str) -> dict[tuple[str, str], list[Import]]:
    """(importing feature, imported feature) → the imports that make the edge."""
    features = _features(service)
    edges: dict[tuple[str, str], list[Import]] = {}
    for imp in _service_imports(service):
        source = Path(imp.file).parts[0] if len(Path(imp.file).parts) > 1 else None
        parts = imp.module.split(".")
        target = parts[1] if len(parts) > 1 else None
        if source in features and target in features and source != target:
            edges.setdefault((source, target), []).append(imp)
    return edges


def cycles(edges: dict[tuple[str, str], list[Import]]) -> list[list[str]]:
    """The strongly connected groups of more than one feature (Tarjan), each sorted."""
    graph: dict[str, set[str]] = {}
    for a, b in edges:
        graph.setdefault(a, set()).add(b)
        graph.setdefault(b, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(groups)


def _describe(group: list[str], edges: dict[tuple[str, str], list[Import]]) -> str:
    inside = [f"{a} → {b} ({', '.join(sorted({i.file for i in imps}))})"
              for (a, b), imps in sorted(edges.items()) if a in group and b in group]
    return " | ".join(inside)


@pytest.mark.parametrize("service", SERVICES)
def test_features_import_each_other_one_way(service: str) -> None:
    edges = feature_graph(service)
    groups = cycles(edges)
    new = [_describe(group, edges) for group in groups if (service, tuple(group)) not in KNOWN_CYCLES]
    gone = {group for name, group in KNOWN_CYCLES if name == service} - {tuple(group) for group in groups}

    assert new == [], f"{service}: import cycles between feature folders: {new}"
    assert gone == set(), f"{service}: cycles fixed, remove them from KNOWN_CYCLES: {gone}"


def router_violations(service: str) -> list[str]:
    """Imports of a router (`<feature>/router.py`, `<feature>/*_router.py`) beyond its own feature's service and
    schemas and the service's shared infrastructure."""
    features = _features(service)
    bad: list[str] = []
    for imp in _service_imports(service):
        path = Path(imp.file)
        if len(path.parts) != 2 or path.parts[0] not in features or "router" not in path.stem:
            continue
        feature = path.parts[0]
        parts = imp.module.split(".")
        shared = len(parts) >= 2 and (parts[1] in INFRASTRUCTURE or parts[1] not in features)
        own = parts[1:] in ([feature, "service"], [feature, "schemas"]) or (
            len(parts) == 4 and parts[1] == feature and parts[2] in ("service", "schemas"))
        if not (shared or own):
            bad.append(f"{imp.file} imports {imp.module}")
    return sorted(set(bad))


@pytest.mark.parametrize("service", SERVICES)
def test_routers_import_only_their_features_service_and_schemas(service: str) -> None:
    found = set(router_violations(service))
    known = {violation for name, violation in KNOWN_ROUTER_IMPORTS if name == service}

    assert sorted(found - known) == [], "routers import more than their own feature's service and schemas"
    assert sorted(known - found) == [], "fixed: remove them from KNOWN_ROUTER_IMPORTS"


@pytest.mark.parametrize("service", SERVICES)
def test_no_router_imports_another_features_repository(service: str) -> None:
    """No exception here: a router reaches another feature's data only through that feature's service."""
    found = []
    for violation in router_violations(service):
        router_file, module = violation.split(" imports ")
        parts = module.split(".")
        if parts[-1] == "repository" and parts[1] != router_file.split("/")[0]:
            found.append(violation)

    assert found == []


def test_the_graph_sees_imports_both_ways() -> None:
    """The checks themselves: a made-up graph with a cycle and a one-way graph."""
    one = Import("a/x.py", "s.b.y")
    assert cycles({("a", "b"): [one], ("b", "c"): [one], ("c", "a"): [one], ("c", "d"): [one]}) == [["a", "b", "c"]]
    assert cycles({("a", "b"): [one], ("b", "c"): [one], ("a", "c"): [one]}) == []
