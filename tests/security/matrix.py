"""Running the authorization table: every cell is one real request through the gateway."""

from __future__ import annotations

import asyncio
import json
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tests.security.authz_table import (
    PERSONAL_TARGETS,
    ROLES,
    SCHOOL_TARGETS,
    SUBJECT_UNITS,
    SUBJECTS,
    TABLE,
    Rule,
)
from tests.security.world import World
from tests.support import REPO

METHODS = ("get", "post", "put", "patch", "delete")
# answers that mean "you got past authorization" although their status is 401/404: nothing of that kind yet,
# a password / client secret the operation itself checks was wrong, or the delivery id the table sends on
# purpose (whether the worker has made a delivery yet depends on timing; refused roles get 403 before the look-up)
PASSED_AUTHORIZATION = {"results_not_published", "invalid_credentials", "invalid_client", "delivery_not_found",
                        "webhook_delivery_not_found"}


def merged_operations(openapi_dir: Path = REPO / "openapi") -> set[str]:
    """"METHOD /path" of every operation in the services' exported specs (what the gateway merges)."""
    operations: set[str] = set()
    for spec_file in sorted(openapi_dir.glob("*.json")):
        spec = json.loads(spec_file.read_text())
        for path, item in spec["paths"].items():
            operations.update(f"{method.upper()} {path}" for method in item if method in METHODS)
    return operations


def internal_operations(openapi_dir: Path = REPO / "openapi") -> set[str]:
    """"METHOD /path" of the services' operations marked `x-internal` (left out of the public document)."""
    operations: set[str] = set()
    for spec_file in sorted(openapi_dir.glob("*.json")):
        spec = json.loads(spec_file.read_text())
        for path, item in spec["paths"].items():
            operations.update(f"{method.upper()} {path}" for method, operation in item.items()
                              if method in METHODS and operation.get("x-internal"))
    return operations


def served_spec(gateway: str, timeout: float = 120) -> dict[str, Any]:
    """The gateway's merged document once every service is in it (a service slow to answer is left out and
    marked `x-edudx-unavailable` until the gateway asks again)."""
    deadline = time.monotonic() + timeout
    while True:
        spec: dict[str, Any] = httpx.get(f"{gateway}/api/openapi.json", timeout=30).json()
        if "x-edudx-unavailable" not in spec or time.monotonic() > deadline:
            return spec
        time.sleep(2)


@dataclass(frozen=True)
class Cell:
    operation: str
    role: str  # or "anonymous"
    subject: str

    @property
    def column(self) -> str:
        return f"{self.role}×{self.subject}"


def expected_of(rule: Rule) -> dict[tuple[str, str], str]:
    groups = rule.expect.split()
    assert len(groups) == len(ROLES) + 1 and all(len(g) == 3 for g in groups[:-1]) and len(groups[-1]) == 1, (
        f"malformed expectation {rule.expect!r}")
    cells = {(role, subject): group[i] for role, group in zip(ROLES, groups, strict=False)
             for i, subject in enumerate(SUBJECTS)}
    cells[("anonymous", "own")] = groups[-1]
    return cells


def subject_ref(rule: Rule, role: str, subject: str) -> str | None:
    """The unit key (or, for personal targets, the role) a cell points at; None when there is no such subject."""
    if rule.target == "none":
        return "none" if subject == "own" else None
    if role == "anonymous":
        # anonymous callers try the HB school's resources (the most public ones)
        return "principal" if rule.target in PERSONAL_TARGETS else "HB"
    if rule.target in PERSONAL_TARGETS:
        return {"own": role, "in": None, "out": "principal" if role != "principal" else "so_admin"}[subject]
    authority_key, school_key = SUBJECT_UNITS[role][subject]
    return school_key if rule.target in SCHOOL_TARGETS else authority_key


def default_params(world: World, target: str, ref: str) -> dict[str, str]:
    match target:
        case "unit" | "school":
            return {"unit_id": world.units[ref]}
        case "user":
            return {"user_id": world.users[ref]}
        case "campaign":
            return {"campaign_id": world.campaign_of(ref)}
        case "submission":
            return {"submission_id": world.submissions[ref]["id"]}
        case "submitted":
            return {"submission_id": world.submitted[ref]["id"]}
        case "evidence":
            return {"item_id": world.evidence[ref]}
        case "rubric":
            return {"rubric_id": world.rubrics[ref]} if ref in world.rubrics else {}
        case "outline":
            return {"outline_id": world.outlines[ref]} if ref in world.outlines else {}
        case "calendar_feed":
            return {"feed_id": world.feeds[ref]}
        case "calendar_token":
            return {"token": world.feed_tokens[ref]}
        case "feed_item":
            return {"item_id": world.feed_items[ref]} if ref in world.feed_items else {}
    return {}


def outcome_of(response: httpx.Response) -> str:
    status = response.status_code
    if status >= 500 or status == 429:  # a refused rate says nothing about authorization
        return f"!{status}"
    if status not in (401, 403, 404):
        return "a"
    try:
        answer = response.json()
        # problem+json names its `code`; the OAuth token endpoint answers RFC 6749's `error`
        code = answer.get("code") or answer.get("error")
    except ValueError:
        code = None
    return "a" if code in PASSED_AUTHORIZATION else str(status)[2]


async def run_cell(world: World, operation: str, rule: Rule, role: str, subject: str,
                   gate: asyncio.Semaphore) -> tuple[Cell, str, str]:
    method, template = operation.split(" ", 1)
    ref = subject_ref(rule, role, subject)
    assert ref is not None
    async with gate:
        try:
            request = dict(await rule.request(world, ref, role)) if rule.request else {}
        except (AssertionError, httpx.TransportError) as exc:  # a factory could not build the cell's resource
            return Cell(operation, role, subject), "!setup", str(exc)[:300]
        params = {**default_params(world, rule.target, ref), **{k: request.pop(k) for k in list(request)
                                                                 if "{" + k + "}" in template}}
        missing = [name for name in re.findall(r"{(\w+)}", template) if name not in params]
        if missing:
            return Cell(operation, role, subject), "-", f"no {rule.target} for {ref}"
        path = template.format(**params)
        headers = {**(world.headers[role] if role != "anonymous" else {}), **request.pop("headers", {})}
        try:
            response = await world.http.request(method, path, headers=headers, **request)
        except httpx.TransportError as exc:  # the connection broke: a failed cell, listed with the others
            return Cell(operation, role, subject), "!connection", repr(exc)
    return Cell(operation, role, subject), outcome_of(response), f"{response.status_code} {response.text[:160]}"


async def run_matrix(world: World, *, concurrency: int = 12) -> list[tuple[Cell, str, str, str]]:
    """(cell, expected, actual, detail) for every cell the table declares."""
    gate = asyncio.Semaphore(concurrency)
    jobs = []
    expectations = []
    for operation, rule in sorted(TABLE.items()):
        for (role, subject), expected in expected_of(rule).items():
            if expected == "-" or subject_ref(rule, role, subject) is None:
                continue
            jobs.append(run_cell(world, operation, rule, role, subject, gate))
            expectations.append(expected)
    results = await asyncio.gather(*jobs)
    return [(cell, expected, actual, detail) for (cell, actual, detail), expected in zip(results, expectations,
                                                                                       strict=True)]


def observed_rows(results: list[tuple[Cell, str, str, str]]) -> dict[str, str]:
    """The table's notation for what was observed (to review a new operation's row before declaring it)."""
    by_op: dict[str, dict[tuple[str, str], str]] = {}
    for cell, _expected, actual, _detail in results:
        by_op.setdefault(cell.operation, {})[(cell.role, cell.subject)] = actual if len(actual) == 1 else "!"
    rows = {}
    for operation, cells in by_op.items():
        groups = ["".join(cells.get((role, s), "-") for s in SUBJECTS) for role in ROLES]
        rows[operation] = " ".join([*groups, cells.get(("anonymous", "own"), "-")])
    return rows
