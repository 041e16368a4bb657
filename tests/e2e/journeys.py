"""The browser suite's runner for the pytest wrappers: `@playwright/test` (frontend/e2e/playwright.config.mjs) with
Debian's Chromium, one spec per journey under `frontend/e2e/journeys/`, against a system the wrapper started.

`run_journeys` passes the journey's inputs as EDUDX_E2E_ARGS (JSON) and reads Playwright's JSON report back: each
journey (one test) with its status, the step that failed, the error and the trace kept for it, so an assertion
names the journey that failed and where, and the other journeys still run.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from tests.support import REPO

FRONTEND = REPO / "frontend"
CONFIG = "e2e/playwright.config.mjs"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
RUNNER = FRONTEND / "node_modules" / "@playwright" / "test" / "cli.js"
ANSI = re.compile(r"\x1b\[[0-9;]*m")  # Playwright colours its messages


@dataclass
class Journey:
    spec: str
    title: str
    status: str
    failed_steps: list[str] = field(default_factory=list)
    error: str = ""
    trace: str | None = None

    def describe(self) -> str:
        where = f" at step «{self.failed_steps[-1]}»" if self.failed_steps else ""
        trace = f"\n    trace: npx playwright show-trace {self.trace}" if self.trace else ""
        return f"{self.spec} › {self.title}: {self.status}{where}\n    {self.error}{trace}"


@dataclass
class JourneyRun:
    journeys: list[Journey]
    output: str

    @property
    def failed(self) -> list[Journey]:
        return [j for j in self.journeys if j.status not in ("passed", "skipped")]

    def report(self) -> str:
        lines = [f"{len(self.journeys)} journey(s), {len(self.failed)} failed"]
        lines += [j.describe() for j in self.failed]
        return "\n".join(lines)


def _failed_steps(steps: list[dict]) -> list[str]:
    """The chain of failed steps, outermost first (a step inside a step names both)."""
    for step in steps:
        if step.get("error"):
            return [step["title"], *_failed_steps(step.get("steps", []))]
    return []


def _journeys(report: dict) -> list[Journey]:
    found: list[Journey] = []

    def walk(suite: dict) -> None:
        for spec in suite.get("specs", []):
            for test in spec.get("tests", []):
                result = test["results"][-1] if test.get("results") else {}
                errors = [ANSI.sub("", e.get("message", "")) for e in result.get("errors", [])]
                trace = next((a.get("path") for a in result.get("attachments", []) if a.get("name") == "trace"), None)
                found.append(Journey(spec=spec.get("file", suite.get("file", "")), title=spec["title"],
                                     status=result.get("status", "skipped"),
                                     failed_steps=_failed_steps(result.get("steps", [])),
                                     error="\n    ".join(errors)[:3000], trace=trace))
        for child in suite.get("suites", []):
            walk(child)

    for suite in report.get("suites", []):
        walk(suite)
    return found


def run_journeys(specs: list[str], args: dict[str, str], *, results: Path, timeout: float,
                 grep: str | None = None, extra: list[str] | None = None) -> JourneyRun:
    """Runs the journeys `specs` (file names under frontend/e2e/journeys/) with `args` as their inputs; the JSON
    report, traces and error contexts go under `results`."""
    shutil.rmtree(results, ignore_errors=True)  # no report or trace of an earlier run is read as this one's
    results.mkdir(parents=True)
    command = ["node", str(RUNNER), "test", "-c", CONFIG, *[f"e2e/journeys/{spec}" for spec in specs]]
    if grep:
        command += ["--grep", grep]
    command += extra or []
    env = {**os.environ, "CHROMIUM": CHROMIUM, "EDUDX_E2E_ARGS": json.dumps(args),
           "EDUDX_E2E_RESULTS": str(results), "PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD": "1"}
    run = subprocess.run(command, cwd=FRONTEND, capture_output=True, text=True, timeout=timeout, env=env,
                         check=False)
    output = f"{run.stdout}\n{run.stderr}"
    report_file = results / "report.json"
    if not report_file.exists():
        raise AssertionError(f"the browser suite wrote no report (exit {run.returncode}):\n{output[-4000:]}")
    journeys = _journeys(json.loads(report_file.read_text()))
    if not journeys:
        raise AssertionError(f"no journey ran:\n{output[-4000:]}")
    if run.returncode != 0 and not any(j.status != "passed" for j in journeys):
        raise AssertionError(f"the browser suite failed outside the journeys (exit {run.returncode}):\n"
                             f"{output[-4000:]}")
    return JourneyRun(journeys=journeys, output=output)


def missing() -> str | None:
    """Why the browser suite cannot run here, or None."""
    if not (FRONTEND / "dist" / "index.html").exists():
        return "the SPA is not built (make spa)"
    if not RUNNER.exists():
        return "frontend packages are not installed (make spa)"
    if not Path(CHROMIUM).exists():
        return f"no Chromium at {CHROMIUM} (scripts/bootstrap.sh installs Debian's chromium)"
    return None
