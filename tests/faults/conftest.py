"""Fault tests: one system on its own PostgreSQL cluster for the whole package (PostgreSQL pass only: a
PostgreSQL restart is what they are about), and a report per test of what it checked, printed and written to
var/faults/ (one JSON per test and summary.md) for the closing note."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.faults.system import FaultSystem, fault_system
from tests.support import REPO, on_postgres

REPORTS = REPO / "var" / "faults"

# Every test module here: `pytestmark = POSTGRES_ONLY`.
POSTGRES_ONLY = [pytest.mark.postgres,
                 pytest.mark.skipif(not on_postgres(), reason="fault tests run in the PostgreSQL pass")]


@pytest.fixture(scope="package")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FaultSystem]:
    with fault_system(tmp_path_factory.mktemp("faults")) as running:
        yield running


class Report(dict[str, Any]):
    """What one fault test checked: counts, statuses seen, rows and objects before and after."""


@pytest.fixture(scope="package")
def _summary() -> Iterator[list[tuple[str, Report]]]:
    reports: list[tuple[str, Report]] = []
    yield reports
    if reports:
        REPORTS.mkdir(parents=True, exist_ok=True)
        lines = ["# Fault tests: what each checked", ""]
        for name, report in reports:
            lines += [f"## {name}", "", "```json", json.dumps(report, ensure_ascii=False, indent=2, default=str),
                      "```", ""]
        (REPORTS / "summary.md").write_text("\n".join(lines))


@pytest.fixture
def report(request: pytest.FixtureRequest, _summary: list[tuple[str, Report]]) -> Iterator[Report]:
    checked = Report()
    yield checked
    name = request.node.name
    text = json.dumps(checked, ensure_ascii=False, indent=2, default=str)
    print(f"\n[fault report] {name}\n{text}")
    REPORTS.mkdir(parents=True, exist_ok=True)
    Path(REPORTS / f"{name}.json").write_text(text)
    _summary.append((name, checked))
