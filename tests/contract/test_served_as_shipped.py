"""Every EduDX app this repository serves over HTTP is served as production serves it: by `edudx_common.server`
(its protocol: head limits, the response head written with the body, request bodies handed over without two
extra copies), not by uvicorn's default protocol.

Found in session 13: the upload, results and status-view benches started the services with `python -m uvicorn`
while the Dockerfiles, Kubernetes and the launch scripts use `python -m edudx_common.server`. The upload bench
measured uvicorn's protocol, which copies every uploaded byte twice more in the gateway and in evidence: 0.80–0.82
of a direct put (sessions 12 and 13), where the same code served as shipped gave 0.81–0.88 (bench/RESULTS.md). A
command line that starts a server builds it with `edudx_common.server.command`; an in-process uvicorn
(`uvicorn.run`, `uvicorn.Config`) is given the shipped protocol class as `http`.
"""

from __future__ import annotations

import ast
from itertools import pairwise
from pathlib import Path

from edudx_common.server import PROTOCOL
from tests.support import REPO

SHIPPED = PROTOCOL.rsplit(":", 1)[1]  # the protocol class `python -m edudx_common.server` serves with

# The launcher's own test starts it with a plain app, not a factory: that is what it checks.
EXEMPT = {REPO / "services" / "common" / "src" / "edudx_common" / "server.py"}


def _sources() -> list[Path]:
    roots = [REPO / "bench", REPO / "scripts", REPO / "tests", *sorted((REPO / "services").glob("*/src"))]
    return sorted(p for root in roots for p in root.rglob("*.py") if p not in EXEMPT)


def _uvicorn_argv(node: ast.List) -> bool:
    """A command line `[..., "-m", "uvicorn", ...]`."""
    items = [item.value if isinstance(item, ast.Constant) else None for item in node.elts]
    return any(a == "-m" and b == "uvicorn" for a, b in pairwise(items))


def _in_process_without_protocol(node: ast.Call) -> bool:
    """`uvicorn.run(...)` or `uvicorn.Config(...)` that leaves the protocol to uvicorn's default or names another
    than the shipped one."""
    func = node.func
    if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "uvicorn"
            and func.attr in {"run", "Config"}):
        return False
    passes_kwargs = any(keyword.arg is None for keyword in node.keywords)  # **config: the caller's to set
    shipped = any(keyword.arg == "http" and isinstance(keyword.value, ast.Name) and keyword.value.id == SHIPPED
                  for keyword in node.keywords)
    return not passes_kwargs and not shipped


def _offending_lines(tree: ast.AST) -> list[int]:
    return sorted({node.lineno for node in ast.walk(tree)
                   if (isinstance(node, ast.List) and _uvicorn_argv(node))
                   or (isinstance(node, ast.Call) and _in_process_without_protocol(node))})


def offenders() -> list[str]:
    return [f"{path.relative_to(REPO)}:{line}" for path in _sources()
            for line in _offending_lines(ast.parse(path.read_text(), filename=str(path)))]


def test_every_server_this_repository_starts_uses_the_shipped_protocol() -> None:
    assert offenders() == []


def test_the_census_finds_a_plain_uvicorn_launch(tmp_path: Path) -> None:
    """The check itself: each way of serving with another protocol is seen, the shipped ones not."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import sys, uvicorn\n"
        "a = [sys.executable, '-m', 'uvicorn', '--factory', 'x:create_app']\n"
        "uvicorn.run('x:create_app', factory=True)\n"
        "uvicorn.Config(app)\n"
        "uvicorn.Config(app, http=LimitedHttpTools)\n"
        "b = [sys.executable, '-m', 'edudx_common.server', '--factory', 'x:create_app']\n"
        f"uvicorn.run(app, http={SHIPPED})\n"
        "uvicorn.Config(app, **settings)\n")
    assert _offending_lines(ast.parse(sample.read_text())) == [2, 3, 4, 5]
