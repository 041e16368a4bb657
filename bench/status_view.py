"""Benchmark: the reviewer status view of one campaign with 300 to 50,000 targets, on PostgreSQL.

    .venv/bin/python bench/status_view.py [--sizes 300,3000,30000,50000] [--requests 50] [--exports 5] [--in-process]
        [--flat] [--schema-suffix _s9b] [--base /path/to/other/tree]

What runs: identity (uvicorn, in a thread of this process) and submissions (uvicorn, in a subprocess, as it
is deployed) on their own PostgreSQL schemas `bench_identity` and `bench_submissions`, created with the
services' Alembic migrations and dropped at the end. Per size: one Sở with N/100 Phòng (real identity units,
named by identity in the view), a published campaign with N targets and realistic submissions, inserted
directly. The Sở admin signs in at identity and calls `GET /campaigns/{id}/status` over loopback HTTP
(also filtered, and as a reviewer: a Phòng's, or with `--flat` the Sở's), then exports every target as XLSX and
CSV; the views are measured again with the list's index `ix_campaign_targets_campaign_name`, and the queries in
process with their plans.
In process, the roll-up is measured both ways in one run, alternating: grouped by the target's stored group under
the issuer (`issuer_group_hex`, s8b) and by the group cut out of each path (a scope that does not name the issuer,
as a Phòng's view is); since s9b the roll-up also sums the chart's figures (no separate summary query).
`--in-process`: only that part (no HTTP views, no exports) — the quick scale curve.

`--flat`: the Sở after the 2025 reform, every school directly under it (no Phòng): one group per school under
the old rule. `--schema-suffix`: other schema names, so that two runs (two helpers) do not drop each other's.
`--base TREE`: a second submissions process runs TREE's code on the same database, and the HTTP views alternate
request by request between the two (the same load hits both): the before/after ratio of one run, and the CPU time
each submissions process spent per request (from /proc, around each request).

Prints a Markdown report (figures for bench/RESULTS.md). Refuses to run without PostgreSQL. About 3 minutes.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import httpx  # noqa: E402
from sqlalchemy import insert, text  # noqa: E402
from sqlalchemy.dialects import postgresql  # noqa: E402

from edudx_common.auth import Principal, Role  # noqa: E402
from edudx_common.db import create_engine, session_factory  # noqa: E402
from edudx_common.server import command as server_command  # noqa: E402
from edudx_common.text import fold  # noqa: E402
from identity.config import Settings as IdentitySettings  # noqa: E402
from identity.main import create_app as create_identity_app  # noqa: E402
from identity.units.models import UnitType  # noqa: E402
from submissions.campaigns.models import Campaign, CampaignTarget, issuer_group_of  # noqa: E402
from submissions.outlines.seed import SEED_004_DEFINITION  # noqa: E402
from submissions.school_years.models import SchoolYear  # noqa: E402
from submissions.status import board as status_board  # noqa: E402
from submissions.status import expressions as status_expressions  # noqa: E402
from submissions.status import repository as status_repository  # noqa: E402
from submissions.status import service as status_service  # noqa: E402
from submissions.status.models import TargetReview  # noqa: E402
from submissions.workflow.models import Submission  # noqa: E402
from tests.identity.builders import PASSWORD, make_unit, make_user  # noqa: E402
from tests.servers import serve, wait_until_up  # noqa: E402
from tests.submissions.builders import FULL_ANSWERS  # noqa: E402
from tests.support import free_port, migrate, write_key  # noqa: E402

POSTGRES_URL = os.environ.get("EDUDX_BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
IDENTITY_SCHEMA, SUBMISSIONS_SCHEMA = "bench_identity", "bench_submissions"
SERVICE_SECRET = "bench-submissions-secret-0123456789"
API = "/api/submissions"
NAME_INDEX = "ix_campaign_targets_campaign_name"
NOW = datetime.now(UTC).replace(microsecond=0)
DUE = NOW - timedelta(days=2)  # the deadline has passed: drafts and missing reports are overdue
COMMUNES = ["Hòa Bình", "Long Phước", "Đức Thành", "Lộc Hòa", "Tân Long", "Nhơn Phú", "Bình Phước", "Phú Đức",
            "An Lão", "Thủ Dầu Một", "Gia Lâm", "Cao Bằng", "Mỹ An", "Hiếu Phụng", "Trung Ngãi"]
LEVELS = [("Trường Mầm non", "mam_non"), ("Trường Tiểu học", "tieu_hoc"), ("Trường THCS", "thcs"),
          ("Trường TH&THCS", "thcs")]


@dataclass
class Dataset:
    size: int
    campaign_id: uuid.UUID
    admin_email: str
    reviewer_email: str
    phong_count: int
    mix: dict[str, int] = field(default_factory=dict)


@dataclass
class Timing:
    label: str
    size: int
    samples: list[float]  # seconds
    body_bytes: int = 0
    errors: dict[int, int] = field(default_factory=dict)  # status code → answers that were not 2xx
    cpu_seconds: float = 0.0  # --base: the answering submissions process's CPU time over the samples

    def pct(self, p: float) -> float:
        ordered = sorted(self.samples)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] * 1000

    def row(self) -> str:
        failed = "".join(f" ({n}× HTTP {code})" for code, n in self.errors.items())
        return (f"| {self.label}{failed} | {self.size:,} | {len(self.samples)} | {self.pct(50):.1f} | "
                f"{self.pct(95):.1f} | "
                f"{max(self.samples) * 1000:.1f} | {f'{self.body_bytes / 1024:,.0f} KiB' if self.body_bytes else ''} |")


# --- set-up --------------------------------------------------------------------------------------------


def require_postgres() -> None:
    if not POSTGRES_URL.startswith("postgresql"):
        sys.exit(f"This benchmark runs on PostgreSQL only (EDUDX_BENCH_POSTGRES_URL={POSTGRES_URL}).")

    async def ping() -> str:
        engine = create_engine(POSTGRES_URL)
        try:
            async with engine.connect() as conn:
                return str((await conn.execute(text("SHOW server_version"))).scalar_one())
        finally:
            await engine.dispose()

    try:
        asyncio.run(ping())
    except Exception as exc:  # noqa: BLE001 - any failure means: no PostgreSQL to run on
        sys.exit(f"PostgreSQL is not reachable at {POSTGRES_URL}: {exc}")


def use_schemas(suffix: str) -> None:
    global IDENTITY_SCHEMA, SUBMISSIONS_SCHEMA  # set once, from the command line
    IDENTITY_SCHEMA, SUBMISSIONS_SCHEMA = f"bench_identity{suffix}", f"bench_submissions{suffix}"


def drop_schemas() -> None:
    async def drop() -> None:
        engine = create_engine(POSTGRES_URL)
        async with engine.begin() as conn:
            for schema in (IDENTITY_SCHEMA, SUBMISSIONS_SCHEMA):
                await conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        await engine.dispose()

    asyncio.run(drop())


async def build(size: int, identity_url: str, flat: bool = False) -> Dataset:
    """One Sở with size/100 Phòng in identity (`flat`: none, every school directly under the Sở); a campaign with
    `size` targets and their submissions."""
    rng = random.Random(size)  # noqa: S311 - test data, not secrets
    id_engine = create_engine(POSTGRES_URL, schema=IDENTITY_SCHEMA)
    sub_engine = create_engine(POSTGRES_URL, schema=SUBMISSIONS_SCHEMA)
    try:
        async with session_factory(id_engine)() as session:
            so = await make_unit(session, type=UnitType.DEPARTMENT, name=f"Sở GDĐT thử nghiệm {size}",
                                 code=f"SO-{size}")
            phongs = [await make_unit(session, parent=so, type=UnitType.DISTRICT_OFFICE,
                                      name=f"Phòng GDĐT {COMMUNES[i % len(COMMUNES)]} {i + 1}", code=f"P{size}-{i + 1}")
                      for i in range(0 if flat else max(1, size // 100))]
            admin = await make_user(session, so, Role.AUTHORITY_ADMIN, email=f"so{size}@bench.edudx.vn")
            reviewer = await make_user(session, phongs[0] if phongs else so, Role.REVIEWER,
                                       email=f"phong{size}@bench.edudx.vn")
            so_path, so_id, so_name = so.path, so.id, so.name
            phong_paths = [p.path for p in phongs] or [so_path]
        async with session_factory(sub_engine)() as session:
            year = await session.get(SchoolYear, uuid.UUID(int=1))
            if year is None:
                session.add(SchoolYear(id=uuid.UUID(int=1), name="2024-2025", starts_on=date(2024, 9, 1),
                                       ends_on=date(2025, 8, 31)))
                await session.flush()
            campaign = Campaign(
                issuer_unit_id=so_id, issuer_path=so_path, issuer_name=so_name, school_year_id=uuid.UUID(int=1),
                title=f"Báo cáo tổng kết ứng dụng CNTT năm học 2024-2025 ({size} đơn vị)",
                title_folded=fold(f"Báo cáo tổng kết ứng dụng CNTT năm học 2024-2025 ({size} đơn vị)"),
                kind="year_end_report", opens_at=DUE - timedelta(days=30), due_at=DUE, outline=SEED_004_DEFINITION,
                target_rule={"unit_types": ["school"], "education_levels": []}, status="published",
                published_at=DUE - timedelta(days=30))
            session.add(campaign)
            await session.commit()
            campaign_id = campaign.id
        targets, submissions, reviews, mix = _rows(rng, size, campaign_id, phong_paths)
        for target in targets:  # as targeting writes it
            target["issuer_group_hex"] = issuer_group_of(target["unit_path"], so_id)
        async with sub_engine.begin() as conn:
            for chunk in _chunks(targets, 5000):
                await conn.execute(insert(CampaignTarget.__table__), chunk)  # type: ignore[attr-defined]
            for chunk in _chunks(submissions, 2000):
                await conn.execute(insert(Submission.__table__), chunk)  # type: ignore[attr-defined]
            for chunk in _chunks(reviews, 5000):
                await conn.execute(insert(TargetReview.__table__), chunk)  # type: ignore[attr-defined]
        async with sub_engine.connect() as conn:  # the steady state: statistics and visibility map up to date
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("VACUUM ANALYZE"))
        return Dataset(size, campaign_id, admin.email, reviewer.email, len(phongs), mix)
    finally:
        await id_engine.dispose()
        await sub_engine.dispose()


def _rows(rng: random.Random, size: int, campaign_id: uuid.UUID,
          phong_paths: list[str]) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]],
                                           dict[str, int]]:
    """About 60% submitted (10% of all late), 5% returned, 10% approved, 15% drafts, 10% nothing; 2% of the
    targets have an extension into the future. Each opened report has its board row (target_reviews, as the
    review feature and scoring's events write it): two thirds of the submitted ones assigned, a self score,
    a review score for 40%."""
    targets: list[dict[str, Any]] = []
    submissions: list[dict[str, Any]] = []
    reviews: list[dict[str, Any]] = []
    mix = dict.fromkeys(["submitted_on_time", "submitted_late", "returned", "approved", "draft", "none"], 0)
    for i in range(size):
        unit_id, target_id = uuid.uuid4(), uuid.uuid4()
        kind, level = LEVELS[i % len(LEVELS)]
        name = f"{kind} {COMMUNES[rng.randrange(len(COMMUNES))]} {i + 1}"
        targets.append({
            "id": target_id, "campaign_id": campaign_id, "unit_id": unit_id, "unit_code": f"T{size}-{i + 1:05d}",
            "unit_name": name, "unit_name_folded": fold(name), "unit_type": "school", "education_levels": [level],
            "unit_path": f"{phong_paths[i % len(phong_paths)]}{unit_id.hex}/", "added_at": DUE - timedelta(days=30),
            "withdrawn_at": None, "extension_due_at": NOW + timedelta(days=3) if rng.random() < 0.02 else None,
            "extension_reason": None,
        })
        r = rng.random()
        state = ("submitted_on_time" if r < 0.50 else "submitted_late" if r < 0.60 else "returned" if r < 0.65
                 else "approved" if r < 0.75 else "draft" if r < 0.90 else "none")
        mix[state] += 1
        if state == "none":
            continue
        late = rng.randrange(600, 36 * 3600) if state == "submitted_late" or rng.random() < 0.1 else 0
        first = DUE + timedelta(seconds=late) if late else DUE - timedelta(seconds=rng.randrange(60, 5 * 86400))
        submitted = state != "draft"
        status = {"submitted_on_time": rng.choice(["submitted", "under_review"]),
                  "submitted_late": rng.choice(["submitted", "under_review"]),
                  "returned": "returned", "approved": "approved", "draft": "draft"}[state]
        submissions.append({
            "id": uuid.uuid4(), "campaign_id": campaign_id, "target_id": target_id, "unit_id": unit_id,
            "status": status, "content": FULL_ANSWERS, "version": 3, "submit_count": 1 if submitted else 0,
            "first_submitted_at": first if submitted else None, "last_submitted_at": first if submitted else None,
            "late_seconds": late if submitted else None,
            "resubmission_due_at": NOW + timedelta(days=5) if state == "returned" else None,
            "return_reasons": {"general": "Bổ sung minh chứng"} if state == "returned" else None,
            "forwarded_at": None, "approved_at": NOW - timedelta(hours=1) if state == "approved" else None,
            "created_at": DUE - timedelta(days=10), "updated_at": first if submitted else DUE - timedelta(days=1),
            "updated_by": "Hiệu trưởng", "completeness": 100 if submitted else rng.randrange(0, 100),
        })
        reviewer = f"reviewer-{rng.randrange(8)}" if submitted and rng.random() < 0.66 else None
        self_score = round(rng.uniform(40, 100) * 4) / 4 if submitted else None
        review = round((self_score or 0) - rng.uniform(0, 8), 2) if submitted and rng.random() < 0.4 else None
        reviews.append({"target_id": target_id, "campaign_id": campaign_id, "reviewer_id": reviewer,
                        "reviewer_name": reviewer and f"Chuyên viên {reviewer[-1]}", "assigned_at": None,
                        "assigned_by": None, "self_score": self_score, "review_score": review,
                        "final_score": review if review is not None else self_score, "scores_at": None})
    return targets, submissions, reviews, mix


def _chunks(rows: list[dict[str, Any]], n: int) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), n):
        yield rows[start : start + n]


# --- measuring -----------------------------------------------------------------------------------------


def login(identity_url: str, email: str) -> dict[str, str]:
    response = httpx.post(f"{identity_url}/api/identity/auth/login", json={"email": email, "password": PASSWORD})
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def timed(label: str, size: int, runs: int, call: Callable[[], httpx.Response], warmup: int = 3) -> Timing:
    for _ in range(warmup):
        call().raise_for_status()
    samples, body = [], 0
    for _ in range(runs):
        start = time.perf_counter()
        response = call()
        samples.append(time.perf_counter() - start)
        response.raise_for_status()
        body = len(response.content)
    return Timing(label, size, samples, body)


async def in_process(data: Dataset, runs: int) -> tuple[list[Timing], str]:
    """Where the time of a request goes, on the same database without HTTP: the roll-up query, the page
    query, the whole service function (identity stubbed); and, for comparison, fetching every target with its
    submission (what grouping in Python would have to read first). Plus the plans of both queries."""

    class NoNames:
        async def units_including_inactive(self, ids: Any) -> list[Any]:
            return []

    engine = create_engine(POSTGRES_URL, schema=SUBMISSIONS_SCHEMA)
    factory = session_factory(engine)
    admin = Principal(subject="bench", kind="user", user_id=uuid.uuid4(), roles=frozenset({"system_admin"}))
    async with factory() as session:
        campaign = await session.get(Campaign, data.campaign_id)
        assert campaign is not None
        scope = status_expressions.Scope(campaign_id=campaign.id, campaign_due=campaign.due_at, now=NOW,
                                        group_unit_id=campaign.issuer_unit_id)
        by_path = status_expressions.Scope(campaign_id=campaign.id, campaign_due=campaign.due_at, now=NOW,
                                          group_unit_id=campaign.issuer_unit_id)
        scope = status_expressions.Scope(campaign_id=campaign.id, campaign_due=campaign.due_at, now=NOW,
                                        group_unit_id=campaign.issuer_unit_id, issuer_unit_id=campaign.issuer_unit_id)
    no_filter: dict[str, Any] = {"filters": status_board.BoardFilters()}
    parts: dict[str, Callable[[Any], Any]] = {
        "roll-up, group cut from each path (a Phòng's view)": lambda session: status_repository.rollup(
            session, by_path, query=None),
        "roll-up with the chart's sums, stored group (the issuer's view)": lambda session: status_repository.rollup(
            session, scope, query=None),
        "page query (50 targets by name)": lambda session: status_repository.listed(
            session, scope, **no_filter, limit=50, offset=0),
        "service: roll-up + naming + page (no HTTP)": lambda session: status_service.status_report(
            session, admin, NoNames(), campaign_id=data.campaign_id,  # type: ignore[arg-type]
            filters=status_service.StatusFilters(), now=NOW, limit=50),
        "for comparison: fetch every target (Python grouping)": lambda session: status_repository.listed(
            session, scope, **no_filter, limit=None, offset=0),
    }
    timings = {label: Timing(label, data.size, []) for label in parts}
    try:
        for i in range(runs + 3):  # the parts alternate, so machine load hits each alike
            for label, call in parts.items():
                gc.collect()  # each part starts clean of the garbage of the one before
                async with factory() as session:
                    start = time.perf_counter()
                    await call(session)
                    if i >= 3:
                        timings[label].samples.append(time.perf_counter() - start)
        plans = []
        async with engine.connect() as conn:
            for label, stmt, values in [
                    ("roll-up, group cut from each path",
                     status_repository.rollup_query(by_path, "postgresql", query=None),
                     status_repository.parameters(by_path)),
                    ("roll-up, stored group", status_repository.rollup_query(scope, "postgresql", query=None),
                     status_repository.parameters(scope)),
                    ("page", status_repository.list_query(scope, "postgresql", **no_filter, limited=True),
                     status_repository.parameters(scope, no_filter["filters"], limit=50))]:
                # The statements hold parameters (s10d): their values are written in for EXPLAIN.
                sql = str(stmt.params(values).compile(dialect=postgresql.dialect(),
                                                      compile_kwargs={"literal_binds": True}))
                plan = await conn.execute(text(f"EXPLAIN (ANALYZE, BUFFERS) {sql}"))
                plans.append(f"-- {label} query\n" + "\n".join(row[0] for row in plan))
    finally:
        await engine.dispose()
    return list(timings.values()), "\n\n".join(plans)


async def set_name_index(present: bool) -> None:
    """Measure with and without the list's index, whatever the migrations hold at the time."""
    engine = create_engine(POSTGRES_URL, schema=SUBMISSIONS_SCHEMA)
    async with engine.begin() as conn:
        if present:
            await conn.execute(text(f"CREATE INDEX IF NOT EXISTS {NAME_INDEX} ON campaign_targets "
                                    "(campaign_id, unit_name_folded, unit_code)"))
        else:
            await conn.execute(text(f"DROP INDEX IF EXISTS {NAME_INDEX}"))
        await conn.execute(text("ANALYZE campaign_targets"))
    await engine.dispose()


def machine() -> list[str]:
    mem_kib = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal"))
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())

    async def version() -> str:
        engine = create_engine(POSTGRES_URL)
        async with engine.connect() as conn:
            value = str((await conn.execute(text("SELECT version()"))).scalar_one())
        await engine.dispose()
        return value

    return [f"- CPU: {cpu}, {os.cpu_count()} logical CPUs (`nproc`)", f"- RAM: {mem_kib / 1024 / 1024:.1f} GiB",
            f"- {asyncio.run(version()).split(' on ')[0]} on 127.0.0.1 (default configuration)",
            f"- Python {platform.python_version()}, {platform.system()} {platform.release()}"]



def start_submissions(identity_url: str, log: Path, tree: Path | None = None) -> tuple[subprocess.Popen[bytes], str]:
    """The submissions app as deployed: its own process served by `edudx_common.server` (uvicorn, uvloop, our
    httptools protocol), one worker; `tree`: that checkout's code instead of this one's (the venv's editable
    installs are overridden by PYTHONPATH)."""
    port = free_port()
    code = {} if tree is None else {"PYTHONPATH": ":".join(
        [*(str(p) for p in sorted((tree / "services").glob("*/src"))), str(tree)])}
    env = {**os.environ, **code, "SUBMISSIONS_ENVIRONMENT": "test", "SUBMISSIONS_DATABASE_URL": POSTGRES_URL,
           "SUBMISSIONS_DATABASE_SCHEMA": SUBMISSIONS_SCHEMA, "SUBMISSIONS_IDENTITY_URL": identity_url,
           "SUBMISSIONS_JWKS_URL": f"{identity_url}/api/identity/.well-known/jwks.json",
           "SUBMISSIONS_SERVICE_CLIENT_ID": "submissions", "SUBMISSIONS_SERVICE_CLIENT_SECRET": SERVICE_SECRET,
           "SUBMISSIONS_LOG_LEVEL": "WARNING", "SUBMISSIONS_LOG_JSON": "false"}
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        server_command("submissions.main:create_app", port=port,
                       options=["--no-access-log", "--log-level", "warning"]),
        env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}"
    # A loaded shared machine takes a minute to import and start the service (seen in the deadline-day runs).
    try:
        wait_until_up(f"{base_url}/healthz", timeout=180)
    except RuntimeError:
        process.terminate()  # not left behind when the bench gives up
        raise
    return process, base_url


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far (clock ticks of /proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def alternated(label: str, size: int, runs: int, calls: dict[str, Callable[[], httpx.Response]],
               warmup: int = 3, pids: dict[str, int] | None = None) -> list[Timing]:
    """The same request to each server in turn, `runs` rounds: each way meets the same machine load. `pids`: the
    server process of each way, whose CPU time each request adds to its way's."""
    for _ in range(warmup):
        for call in calls.values():
            call()
    timings = {way: Timing(f"{label}, {way}", size, []) for way in calls}
    for _ in range(runs):
        for way, call in calls.items():
            cpu = cpu_seconds(pids[way]) if pids else 0.0
            start = time.perf_counter()
            response = call()
            timings[way].samples.append(time.perf_counter() - start)
            if pids:
                timings[way].cpu_seconds += cpu_seconds(pids[way]) - cpu
            if response.is_success:
                timings[way].body_bytes = len(response.content)
            else:  # counted, not fatal: the base may fail where this tree does not (reported as such)
                timings[way].errors[response.status_code] = timings[way].errors.get(response.status_code, 0) + 1
    return list(timings.values())


def reviewer_label(data: Dataset) -> str:
    """The reviewer is a Phòng's (its ~100 schools) on the old shape, the Sở's (every school) with `--flat`."""
    return "Phòng reviewer (its ~100 schools)" if data.phong_count else "reviewer of the Sở (every school)"


def measure_pairs(https: dict[str, httpx.Client], identity_url: str, datasets: list[Dataset],
                  requests: int, pids: dict[str, int]) -> list[Timing]:
    """The views of measure_views, each alternating between the servers (--base)."""
    timings = []
    for data in datasets:
        so = login(identity_url, data.admin_email)
        phong = login(identity_url, data.reviewer_email)
        url = f"{API}/campaigns/{data.campaign_id}/status"
        filtered = {"status": "overdue", "q": "truong thcs"}
        for label, headers, params, runs in (("Sở admin, page of 50", so, {}, requests),
                                             ("Sở admin, status=overdue&q=truong thcs", so, filtered, requests // 2),
                                             (reviewer_label(data), phong, {}, requests // 2)):
            timings += alternated(label, data.size, runs, {
                way: partial(http.get, url, headers=headers, params=params) for way, http in https.items()}, pids=pids)
        print(f"measured {data.size:,}", file=sys.stderr)
    return timings


def ratios(timings: list[Timing]) -> list[str]:
    """This tree's p50 and p95 over the base's, per view (rows come in base, this-tree pairs)."""
    rows = ["| view | targets | p50 this / base | p95 this / base | CPU-ms per request, base → this | CPU ratio |",
            "|---|---:|---:|---:|---:|---:|"]
    for base, this in zip(timings[::2], timings[1::2], strict=True):
        base_cpu, this_cpu = (1000 * t.cpu_seconds / len(t.samples) for t in (base, this))
        rows.append(f"| {base.label.rsplit(', ', 1)[0]} | {base.size:,} | {this.pct(50) / base.pct(50):.2f} | "
                    f"{this.pct(95) / base.pct(95):.2f} | {base_cpu:.1f} → {this_cpu:.1f} | "
                    f"{this_cpu / base_cpu if base_cpu else float('nan'):.2f} |")
    return rows


def measure_views(http: httpx.Client, identity_url: str, datasets: list[Dataset], requests: int,
                  suffix: str = "") -> list[Timing]:
    timings = []
    for data in datasets:
        so = login(identity_url, data.admin_email)
        phong = login(identity_url, data.reviewer_email)
        url = f"{API}/campaigns/{data.campaign_id}/status"
        filtered = {"status": "overdue", "q": "truong thcs"}
        timings.append(timed(f"Sở admin, page of 50{suffix}", data.size, requests,
                             partial(http.get, url, headers=so)))
        timings.append(timed(f"Sở admin, status=overdue&q=truong thcs{suffix}", data.size, requests // 2,
                             partial(http.get, url, headers=so, params=filtered)))
        timings.append(timed(f"{reviewer_label(data)}{suffix}", data.size, requests // 2,
                             partial(http.get, url, headers=phong)))
        print(f"measured {data.size:,}{suffix}", file=sys.stderr)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="300,3000,30000,50000")
    parser.add_argument("--in-process", action="store_true",
                        help="only the in-process parts (roll-up both ways, page, service): the quick scale curve")
    parser.add_argument("--requests", type=int, default=50, help="measured requests per size (after 3 warm-ups)")
    parser.add_argument("--exports", type=int, default=5, help="measured exports of each format at the largest size")
    parser.add_argument("--flat", action="store_true", help="every school directly under the Sở (no Phòng)")
    parser.add_argument("--schema-suffix", default="", help="appended to the bench schemas' names")
    parser.add_argument("--base", type=Path, help="another checkout: its submissions alternates with this one's")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    use_schemas(args.schema_suffix)
    require_postgres()
    began = time.perf_counter()
    drop_schemas()
    tmp = Path(tempfile.mkdtemp(prefix="edudx-bench-"))
    submissions: subprocess.Popen[bytes] | None = None
    try:
        migrate("identity", POSTGRES_URL, IDENTITY_SCHEMA)
        migrate("submissions", POSTGRES_URL, SUBMISSIONS_SCHEMA)
        identity_settings = IdentitySettings(
            environment="test", database_url=POSTGRES_URL, database_schema=IDENTITY_SCHEMA,
            jwt_private_key_file=str(write_key(tmp)), password_hash_fast=True,
            service_clients={"submissions": SERVICE_SECRET}, log_json=False, log_level="WARNING")
        with serve(create_identity_app(identity_settings)) as identity_url:
            datasets = []
            for size in sizes:
                start = time.perf_counter()
                datasets.append(asyncio.run(build(size, identity_url, args.flat)))
                print(f"built {size:,} targets in {time.perf_counter() - start:.1f} s", file=sys.stderr)
            if args.in_process:
                parts = [asyncio.run(in_process(d, args.requests)) for d in datasets]
                print("\n".join(["## Where the time goes, in process (ms; the roll-up both ways, alternating)",
                                  "| part | targets | n | p50 | p95 | max | response |",
                                  "|---|---:|---:|---:|---:|---:|---:|",
                                  *(t.row() for timings, _ in parts for t in timings),
                                  "", f"## Plans at {datasets[-1].size:,} targets", "```", parts[-1][1], "```",
                                  "", f"Whole run: {time.perf_counter() - began:.0f} s."]))
                return
            if args.base is not None:
                base, base_url = start_submissions(identity_url, tmp / "base.log", args.base.resolve())
                try:
                    submissions, this_url = start_submissions(identity_url, tmp / "submissions.log")
                    with httpx.Client(base_url=base_url, timeout=120) as before, \
                            httpx.Client(base_url=this_url, timeout=120) as after:
                        load = os.getloadavg()
                        pairs = measure_pairs({"base": before, "this tree": after}, identity_url, datasets,
                                              args.requests, {"base": base.pid, "this tree": submissions.pid})
                    parts = [asyncio.run(in_process(d, args.requests // 2)) for d in datasets]
                finally:
                    base.terminate()
                    base.wait(timeout=15)
                head = "| request | targets | n | p50 | p95 | max | response |\n|---|---:|---:|---:|---:|---:|---:|"
                print("\n".join([
                    f"## Status view over loopback HTTP, base `{args.base}` and this tree alternating (ms)",
                    f"load average before {' '.join(f'{x:.2f}' for x in load)}, after "
                    f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}", "", head, *(t.row() for t in pairs), "",
                    *ratios(pairs), "", "## Where the time goes, in process, this tree (ms)",
                    head.replace("request", "part"), *(t.row() for timings, _ in parts for t in timings), "",
                    f"## Plans at {datasets[-1].size:,} targets", "```", parts[-1][1], "```", "",
                    f"Whole run: {time.perf_counter() - began:.0f} s."]))
                return
            submissions, base_url = start_submissions(identity_url, tmp / "submissions.log")
            with httpx.Client(base_url=base_url, timeout=120) as http:
                asyncio.run(set_name_index(False))
                views = measure_views(http, identity_url, datasets, args.requests)
                largest = datasets[-1]
                so = login(identity_url, largest.admin_email)
                export_url = f"{API}/campaigns/{largest.campaign_id}/status/export"
                exports = [timed(f"export {fmt}, every target", largest.size, args.exports,
                                 partial(http.get, export_url, headers=so, params={"format": fmt}), warmup=1)
                           for fmt in ("xlsx", "csv")]
                parts = [asyncio.run(in_process(d, args.requests // 2)) for d in datasets]
                asyncio.run(set_name_index(True))
                indexed = measure_views(http, identity_url, datasets, args.requests, f" + {NAME_INDEX}")
                indexed_parts = [asyncio.run(in_process(d, args.requests // 2)) for d in datasets]
        report(datasets, views, exports, parts, indexed, indexed_parts, time.perf_counter() - began)
    finally:
        if submissions is not None:
            submissions.terminate()
            submissions.wait(timeout=15)
        drop_schemas()


def report(datasets: list[Dataset], views: list[Timing], exports: list[Timing],
           parts: list[tuple[list[Timing], str]], indexed: list[Timing],
           indexed_parts: list[tuple[list[Timing], str]], seconds: float) -> None:
    head = "| request | targets | n | p50 | p95 | max | response |\n|---|---:|---:|---:|---:|---:|---:|"
    out = ["## Machine", *machine(), "", "## Data", "| targets | Phòng | mix (targets) |", "|---:|---:|---|"]
    out += [f"| {d.size:,} | {d.phong_count} | {', '.join(f'{k} {v:,}' for k, v in d.mix.items())} |"
            for d in datasets]
    out += ["", f"## Status view over loopback HTTP, without {NAME_INDEX} (ms)", head, *(t.row() for t in views)]
    out += ["", "## Export over loopback HTTP (ms)", head, *(t.row() for t in exports)]
    out += ["", f"## Status view over loopback HTTP, with {NAME_INDEX} (ms)", head, *(t.row() for t in indexed)]
    for title, timings in ((f"without {NAME_INDEX}", views), (f"with {NAME_INDEX}", indexed)):
        out += ["", f"## Linearity, Sở admin page of 50, {title}", linearity(
            [t for t in timings if t.label.startswith("Sở admin, page")])]
    for title, measured in ((f"without {NAME_INDEX}", parts), (f"with {NAME_INDEX}", indexed_parts)):
        out += ["", f"## Where the time goes, in process, {title} (ms)", head.replace("request", "part"),
                *(t.row() for timings, _ in measured for t in timings)]
    out += ["", f"## Plans at {datasets[-1].size:,} targets, without {NAME_INDEX}", "```", parts[-1][1], "```",
            "", f"## Plans at {datasets[-1].size:,} targets, with {NAME_INDEX}", "```", indexed_parts[-1][1], "```",
            "", f"Whole run: {seconds:.0f} s."]
    print("\n".join(out))


def linearity(views: list[Timing]) -> str:
    """Cost per target, and the cost of each added target between sizes (fixed costs cancel out)."""
    rows = ["| targets | p50 ms | p95 ms | µs per target (p50) | size × | p50 × | µs per added target |",
            "|---:|---:|---:|---:|---:|---:|---:|"]
    previous: Timing | None = None
    for t in views:
        per_target = t.pct(50) * 1000 / t.size
        if previous is None:
            rows.append(f"| {t.size:,} | {t.pct(50):.1f} | {t.pct(95):.1f} | {per_target:.2f} | – | – | – |")
        else:
            added = (t.pct(50) - previous.pct(50)) * 1000 / (t.size - previous.size)
            rows.append(f"| {t.size:,} | {t.pct(50):.1f} | {t.pct(95):.1f} | {per_target:.2f} | "
                        f"{t.size / previous.size:.0f} | {t.pct(50) / previous.pct(50):.2f} | {added:.2f} |")
        previous = t
    return "\n".join(rows)


if __name__ == "__main__":
    main()
