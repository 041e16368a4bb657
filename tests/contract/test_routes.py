"""The routes of every app: none is hidden behind an earlier one, and every route and dependency is a coroutine.

Routes are tried in order (submissions puts its deadline-day routes first), so a route whose paths an earlier
route also matches would never answer.

FastAPI runs a plain `def` dependency or endpoint in a worker thread: each one costs a hand-off to the thread
pool and back on every request. In the deadline-day benchmark four such one-line dependencies of the gateway
made a quarter of its busy samples (`Condition.wait`/`notify`), so cheap dependencies are `async def`; anything
that really blocks runs in a thread on purpose, explicitly (`anyio.to_thread`).
"""

from __future__ import annotations

import importlib
import inspect
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from tests.support import REPO

SERVICES = sorted(path.name for path in (REPO / "services").iterdir()
                  if (path / "src" / path.name / "main.py").exists())


def _routes(routes: list[Any]) -> Iterator[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif (included := getattr(route, "original_router", None)) is not None:
            yield from _routes(included.routes)
        elif (nested := getattr(route, "routes", None)) is not None:
            yield from _routes(nested)


def _is_coroutine(call: Any) -> bool:
    # A class instance used as a dependency counts by its __call__.
    return (inspect.iscoroutinefunction(call) or inspect.isasyncgenfunction(call)
            or (not inspect.isfunction(call) and inspect.iscoroutinefunction(type(call).__call__)))


def _sync_calls(dependant: Dependant) -> Iterator[str]:
    if dependant.call is not None and not _is_coroutine(dependant.call):
        yield f"{dependant.call.__module__}.{dependant.call.__qualname__}"
    for sub in dependant.dependencies:
        yield from _sync_calls(sub)


def test_the_services_are_found() -> None:
    assert {"gateway", "identity", "submissions", "evidence", "scoring", "notifications"} <= set(SERVICES)


@pytest.mark.parametrize("service", SERVICES)
def test_no_route_or_dependency_runs_in_a_thread(service: str) -> None:
    app = importlib.import_module(f"{service}.main").create_app()
    routes = list(_routes(app.routes))

    sync = sorted({call for route in routes for call in _sync_calls(route.dependant)})

    assert routes, "no routes found: the walk over the app's routers no longer matches FastAPI's"
    assert sync == [], f"make these `async def` (or run the blocking part in a thread explicitly): {sync}"


@pytest.mark.parametrize("service", SERVICES)
def test_no_route_is_hidden_behind_an_earlier_one(service: str) -> None:
    routes = list(_routes(importlib.import_module(f"{service}.main").create_app().routes))
    hidden = []

    for later_index, later in enumerate(routes):
        example = re.sub(r"\{[^}]+\}", "x1", later.path)  # a path only `later` is written for
        for earlier in routes[:later_index]:
            if earlier.methods & later.methods and earlier.path_regex.match(example):
                hidden.append(f"{sorted(later.methods)} {later.path} behind {earlier.path}")

    assert hidden == []
