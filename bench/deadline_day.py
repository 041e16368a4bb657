"""Benchmark: deadline day for a province — the whole system on PostgreSQL and S3, loaded from another process.

    .venv/bin/python bench/deadline_day.py [--label after] [--schools 3000] [--levels 4,8,16,32,64]
                                           [--seconds 15] [--workers 1,submissions=2,gateway=2]
                                           [--profile] [--scale] [--mix-only] [--no-append]
    make bench-deadline      # everything, with profiles and the scale curve

What runs (loopback; ports 18700–18799): the production-like topology, `scripts/run_production.py`, on
PostgreSQL (schemas `perf_*`, dropped first) with SeaweedFS — migrations as their own step, identity,
submissions, evidence, scoring, notifications each its own uvicorn process group (by default two workers for
submissions and the gateway, which do most of each request's work, one for the others), two
notification worker processes, and the gateway on :18700, its per-address limits lifted (see UNLIMITED). Then a
province is seeded straight into the services' databases with their own models (the rows the API would have
written: units, users with an argon2 hash, 4 campaigns with their targets, drafts with their history, submitted
versions): 3,000 schools directly under the Sở and owned by 120 communes (the structure since 1/7/2025:
no Phòng), a principal and an IT officer per school, 10 reviewers of the Sở.
Campaign A is due in 8 hours (80% drafts, 60% of them complete), B in a week (45% complete drafts, 25% partial),
C and D are last year's and closed.

Load: `bench/deadline_load.py`, a separate process (aiohttp on uvloop: it shares the two cores), logs in through
the gateway as the principals of `--active` schools and the reviewers, then runs closed-loop clients at each
concurrency level, bounded in requests and seconds: the deadline-day mix (70% draft saves, 15% reads — school
dashboard and reviewer status view —, 10% evidence uploads of 1–10 MB PDFs, 5% submits) and the same mix without
uploads. A report is submitted once, so each level gets its own complete drafts to submit (`submit_plan`; from
schools beyond the active ones too, whose principals log in only for that) and ends early, said loudly in the
report, if they run out. Then the gateway overhead (one read endpoint direct, through the gateway, through
nginx), uploads of a 50 MB PDF through the gateway against `Minio.fput_object` with the RSS of the gateway and
evidence processes, and with `--scale` the scale curve (bench/status_view.py and bench/scoring_results.py at 300,
3,000, 30,000 and 50,000 — a national QĐ 4725 cycle; `--scale-sizes` to change them).

Writes its section of bench/RESULTS.md (a new run under the heading, earlier runs kept below it).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from importlib.metadata import version
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import evidence_upload  # noqa: E402 - its PDF writer and RSS sampler
import httpx  # noqa: E402
from minio import Minio  # noqa: E402
from sqlalchemy import select, text  # noqa: E402
from sqlmodel import col  # noqa: E402
from status_view import COMMUNES, LEVELS  # noqa: E402

from edudx_common.auth import Role  # noqa: E402
from edudx_common.db import create_engine, session_factory  # noqa: E402
from edudx_common.text import fold  # noqa: E402
from identity.auth.passwords import Passwords  # noqa: E402
from identity.units.models import Unit, UnitType  # noqa: E402
from identity.users.models import User, UserRole  # noqa: E402
from submissions.campaigns.models import Campaign, CampaignTarget  # noqa: E402
from submissions.outlines.seed import SEED_004_DEFINITION  # noqa: E402
from submissions.school_years.models import SchoolYear  # noqa: E402
from submissions.workflow.models import Submission, SubmissionEvent, SubmissionVersion  # noqa: E402
from tests.servers import stop_launcher  # noqa: E402
from tests.submissions.builders import FULL_ANSWERS  # noqa: E402

POSTGRES_URL = os.environ.get("EDUDX_BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
PREFIX = "perf_"
SCHEMAS = [PREFIX + s for s in ("identity", "submissions", "evidence", "scoring", "notifications")]
GATEWAY_PORT, FIRST_SERVICE_PORT, NGINX_PORT = 18700, 18701, 18790
GATEWAY, IDENTITY = f"http://127.0.0.1:{GATEWAY_PORT}", f"http://127.0.0.1:{FIRST_SERVICE_PORT}"
PASSWORD = "Han-chot-2025"
SO_CODE = "SGD-VL"  # the demo Sở the embedded run seeds; the province hangs under it
NOW = datetime.now(UTC).replace(microsecond=0)
P95_LIMIT_MS = 500
# The fastest a level could run: the machine's cores spent at this many CPU-ms a request (the best measured is 6.6).
# With --max-requests it bounds the requests of a level, and so the drafts it may submit.
FASTEST_CPU_MS_PER_REQUEST = 5.0
SCHOOLS_PER_COMMUNE = 25  # a merged commune or ward holds a few dozen schools
REVIEWERS = 10
# Issue 24's targets: the mix without uploads, the gateway beside nginx, uploads beside a direct S3 put.
TARGET_REQUESTS_PER_SECOND = 250
TARGET_CPU_MS_PER_REQUEST = 8.0
TARGET_GATEWAY_NGINX_RATIO = 0.85
TARGET_GATEWAY_ADDED_P50_MS = 1.0
TARGET_UPLOAD_RATIO = 0.8
MB = 1000 * 1000
RESULTS = REPO / "bench" / "RESULTS.md"
HEADING = "# Benchmark: deadline day (bench/deadline_day.py)"
RUNS_MARKER = "<!-- deadline-day runs, newest first (bench/deadline_day.py adds each run here) -->"


# --- the topology ------------------------------------------------------------------------------------------


def drop_schemas() -> None:
    async def drop() -> None:
        engine = create_engine(POSTGRES_URL)
        async with engine.begin() as conn:
            for schema in SCHEMAS:
                await conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        await engine.dispose()

    asyncio.run(drop())


# The load comes from one loopback address and a few hundred principals; on the real day it comes from thousands
# of addresses. The gateway's per-address and per-user limits would measure themselves, so they are lifted.
# Two cores: the services that do most of each request's work get a process per core; the others one.
DEFAULT_WORKERS = "1,submissions=2,gateway=2"
UNLIMITED = ["--set", "GATEWAY_REQUESTS_PER_MINUTE_PER_IP=10000000",
             "--set", "GATEWAY_REQUESTS_PER_MINUTE_PER_USER=10000000"]


class MixOnly(Exception):
    """--mix-only: the run ends after the first mix."""


def start_system(var: Path, workers: str = "1") -> subprocess.Popen[bytes]:
    """The production-like topology (scripts/run_production.py): migrations first, each service its own
    uvicorn process group, two notification workers, the gateway."""
    log = (var / "system.log").open("ab")
    process = subprocess.Popen(  # noqa: S603 - our own launcher
        [sys.executable, str(REPO / "scripts" / "run_production.py"), "--seed", "--postgres-url", POSTGRES_URL,
         "--schema-prefix", PREFIX, "--port", str(GATEWAY_PORT), "--first-service-port", str(FIRST_SERVICE_PORT),
         "--workers", workers, "--var", str(var), *UNLIMITED], cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"the system stopped while starting; see {var / 'system.log'}")
        try:
            if httpx.get(f"{GATEWAY}/healthz", timeout=1).status_code == 200 and "Sẵn sàng" in (
                    var / "system.log").read_text(errors="replace"):
                return process
        except httpx.HTTPError:
            pass
        time.sleep(1)
    process.terminate()
    sys.exit("the system did not start within 300 s")


def children(parent: int) -> dict[int, str]:
    """The processes `parent` started: pid → command line."""
    found: dict[int, str] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == parent:
                found[int(stat.parent.name)] = " ".join(cmdline(int(stat.parent.name)))
        except (OSError, ValueError):
            continue
    return found


def child_pids(parent: int) -> dict[str, int]:
    """The service processes the launcher started, by name (gateway, evidence, …, s3)."""
    found: dict[str, int] = {}
    for pid, command in children(parent).items():
        if "weed" in command and " mini" in command:
            found["s3"] = pid
        for name in ("gateway", "identity", "submissions", "evidence", "scoring", "notifications"):
            if f"{name}.main:create_app" in command:
                found[name] = pid
    return found


def uvicorn_workers(supervisor: int) -> list[int]:
    """The worker processes of a uvicorn started with --workers N (none with one worker)."""
    return sorted(pid for pid, command in children(supervisor).items() if "spawn_main" in command)


def by_service(kib: dict[str, int]) -> dict[str, float]:
    """`gateway`, `gateway#2` … → the largest per service, in MiB."""
    out: dict[str, float] = {}
    for name, value in kib.items():
        service = name.split("#")[0]
        out[service] = max(out.get(service, 0.0), value / 1024)
    return out


def cmdline(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")


# --- the province --------------------------------------------------------------------------------------------


def _answers(rng: random.Random, complete: bool) -> dict[str, Any]:
    if complete:
        return dict(FULL_ANSWERS)
    keys = sorted(FULL_ANSWERS)
    return {k: FULL_ANSWERS[k] for k in rng.sample(keys, k=len(keys) // 2)}


def _pick(r: float, mix: list[tuple[str, float]]) -> str:
    for state, share in mix:
        if r < share:
            return state
        r -= share
    return "none"


async def seed(schools: int, active: int) -> dict[str, Any]:
    """Units, users, campaigns, targets and submissions in the states the API leaves them in."""
    rng = random.Random(2025)  # noqa: S311 - test data, not secrets
    password_hash = await Passwords().hash(PASSWORD)  # production strength: every login below costs what it will
    # The other schools' principals log in only to submit (see submit_plan), up to a few thousand of them: with
    # production hashes identity would spend 0.15 s a login, minutes of set-up that no figure measures.
    quick_hash = await Passwords(fast=True).hash(PASSWORD)
    id_engine = create_engine(POSTGRES_URL, schema=PREFIX + "identity")
    sub_engine = create_engine(POSTGRES_URL, schema=PREFIX + "submissions")
    units: list[Unit] = []
    users: list[tuple[User, str]] = []
    try:
        async with session_factory(id_engine)() as session:
            so = (await session.execute(select(Unit).where(col(Unit.code) == SO_CODE))).scalar_one()
            # The province as it is since 1/7/2025 (reference/reform-2025.md): no Phòng; every school directly under
            # the Sở (the professional line) and owned by one of its communes or wards (the administrative one).
            communes = []
            for i in range(max(1, schools // SCHOOLS_PER_COMMUNE)):
                uid = uuid.uuid4()
                name = f"UBND xã {COMMUNES[i % len(COMMUNES)]} {i + 1}"
                communes.append(Unit(id=uid, code=f"XA-B{i + 1:03d}", name=name, name_folded=fold(name),
                                     type=UnitType.COMMUNE.value, education_levels=[], parent_id=so.id,
                                     path=f"{so.path}{uid.hex}/", depth=so.depth + 1, active=True))
            for i in range(schools):
                commune = communes[i % len(communes)]
                kind, level = LEVELS[i % len(LEVELS)]
                uid = uuid.uuid4()
                name = f"{kind} {commune.name.removeprefix('UBND xã ')} {i + 1}"
                units.append(Unit(id=uid, code=f"867B{i + 1:05d}", name=name, name_folded=fold(name),
                                  type=UnitType.SCHOOL.value, education_levels=[level], parent_id=so.id,
                                  path=f"{so.path}{uid.hex}/", depth=so.depth + 1, active=True,
                                  commune_id=commune.id))
            commune_names = {c.id: c.name for c in communes}
            session.add_all(communes)
            session.add_all(units)
            await session.flush()

            def user(unit: Unit, email: str, name: str, role: Role, hashed: str = password_hash) -> User:
                person = User(email=email, full_name=name, full_name_folded=fold(name), unit_id=unit.id,
                              password_hash=hashed)
                users.append((person, role.value))
                return person

            # The Sở's reviewers: since the reform each one reads the whole province's status view.
            reviewers = [user(so, f"cv{i + 1}.{SO_CODE.lower()}@bench.edudx.vn", "Trần Thị Thẩm Định", Role.REVIEWER)
                         for i in range(REVIEWERS)]
            for index, unit in enumerate(units):
                hashed = password_hash if index < active else quick_hash
                user(unit, f"ht.{unit.code.lower()}@bench.edudx.vn", "Nguyễn Văn Hiệu Trưởng", Role.PRINCIPAL, hashed)
                user(unit, f"cntt.{unit.code.lower()}@bench.edudx.vn", "Lê Thị Công Nghệ", Role.SCHOOL_IT_OFFICER,
                     hashed)
            session.add_all([u for u, _ in users])
            await session.flush()
            session.add_all([UserRole(user_id=u.id, role=role) for u, role in users])
            await session.commit()
            so_id, so_path, so_name = so.id, so.path, so.name
            reviewer_emails = [r.email for r in reviewers]

        async with session_factory(sub_engine)() as session:
            latest_first = select(SchoolYear).order_by(col(SchoolYear.starts_on).desc())
            year = (await session.execute(latest_first)).scalars().first()
            assert year is not None, "the demo seed creates the school years"
            specs = [  # title, due, status, mix of (state, share)
                ("Báo cáo tổng kết ứng dụng CNTT năm học (hạn hôm nay)", NOW + timedelta(hours=8), "published",
                 [("draft_complete", 0.48), ("draft_partial", 0.32), ("submitted", 0.10), ("none", 0.10)]),
                # A short survey: many schools have filled it in and wait to submit it with the year-end report.
                ("Khảo sát chuyển đổi số cơ sở giáo dục", NOW + timedelta(days=7), "published",
                 [("draft_complete", 0.45), ("draft_partial", 0.25), ("none", 0.30)]),
                ("Báo cáo tổng kết ứng dụng CNTT năm học trước", NOW - timedelta(days=300), "closed",
                 [("approved", 0.95), ("none", 0.05)]),
                ("Khảo sát giữa năm học trước", NOW - timedelta(days=420), "closed",
                 [("submitted", 0.90), ("none", 0.10)]),
            ]
            campaigns = []
            for title, due, status, _mix in specs:
                campaign = Campaign(
                    issuer_unit_id=so_id, issuer_path=so_path, issuer_name=so_name, school_year_id=year.id,
                    title=title, title_folded=fold(title), kind="year_end_report", opens_at=due - timedelta(days=30),
                    due_at=due, outline=SEED_004_DEFINITION, target_rule={"unit_types": ["school"],
                                                                          "education_levels": []},
                    status=status, published_at=due - timedelta(days=30),
                    closed_at=due + timedelta(days=10) if status == "closed" else None)
                session.add(campaign)
                campaigns.append(campaign)
            await session.flush()
            drafts: list[dict[str, Any]] = []
            # Complete drafts of the open campaigns, the active schools' first: what the load may submit.
            submittable: list[dict[str, Any]] = []
            later: list[dict[str, Any]] = []
            rows: list[Any] = []
            spare: dict[str, Any] | None = None
            for c_index, (campaign, (_title, due, _status, mix)) in enumerate(zip(campaigns, specs, strict=True)):
                for s_index, unit in enumerate(units):
                    target = CampaignTarget(
                        campaign_id=campaign.id, unit_id=unit.id, unit_code=unit.code, unit_name=unit.name,
                        unit_name_folded=unit.name_folded, unit_type="school", education_levels=unit.education_levels,
                        unit_path=unit.path, commune_id=unit.commune_id,
                        commune_name=commune_names.get(unit.commune_id) if unit.commune_id else None,
                        added_at=campaign.opens_at)
                    rows.append(target)
                    state = _pick(rng.random(), mix)
                    if state == "none":
                        continue
                    principal = f"ht.{unit.code.lower()}@bench.edudx.vn"
                    complete = state != "draft_partial"
                    edited = campaign.opens_at + timedelta(days=rng.randrange(1, 25))
                    submission = Submission(
                        id=uuid.uuid4(), campaign_id=campaign.id, target_id=target.id, unit_id=unit.id,
                        status="draft" if state.startswith("draft") else state,
                        content=_answers(rng, complete), version=rng.randrange(2, 30),
                        created_at=campaign.opens_at + timedelta(days=1), updated_at=edited, updated_by=principal)
                    events = [("created", campaign.opens_at + timedelta(days=1)), ("edited", edited)]
                    if state in ("submitted", "approved"):
                        at = min(due - timedelta(hours=rng.randrange(1, 200)), NOW)
                        submission.submit_count, submission.first_submitted_at = 1, at
                        submission.last_submitted_at, submission.late_seconds = at, 0
                        rows.append(SubmissionVersion(submission_id=submission.id, number=1, content=submission.content,
                                                      submitted_at=at, submitted_by=principal))
                        events.append(("submitted", at))
                        if state == "approved":
                            submission.approved_at = at + timedelta(days=5)
                            events.append(("approved", submission.approved_at))
                    rows.append(submission)
                    rows += [SubmissionEvent(submission_id=submission.id, seq=n + 1, action=action,
                                             actor_id=principal, at=at_, version_number=1 if action == "submitted"
                                             else None) for n, (action, at_) in enumerate(events)]
                    if submission.status == "draft" and c_index < 2:
                        draft = {"id": str(submission.id), "email": principal, "version": submission.version}
                        if s_index < active:
                            drafts.append({**draft, "complete": complete})
                        if complete:
                            (submittable if s_index < active else later).append(draft)
                        elif spare is None and s_index >= active and c_index == 1:
                            spare = {"id": str(submission.id), "email": principal}
            session.add_all(rows)
            await session.commit()
            campaign_a = str(campaigns[0].id)
        async with sub_engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("VACUUM ANALYZE"))
        async with id_engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("VACUUM ANALYZE"))
    finally:
        await id_engine.dispose()
        await sub_engine.dispose()
    return {"drafts": drafts, "submittable": submittable + later,
            "reviewers": [{"email": e} for e in reviewer_emails[:10]], "campaign_id": campaign_a,
            "spare": spare, "schools": schools, "communes": len(communes), "users": len(users),
            "campaigns": len(campaigns), "submission_rows": sum(isinstance(r, Submission) for r in rows)}


def submit_plan(submittable: list[dict[str, Any]], mixes: dict[str, dict[str, int]], levels: list[int],
                seconds: float, max_requests: int) -> dict[str, Any]:
    """Each level its own complete drafts to submit, since a submitted report cannot be submitted again: a shared
    supply ran dry by the third level, which then sent saves instead and measured a lighter mix.

    A level wants its submit share of the most requests it can send, plus four standard deviations; when the
    province holds fewer complete drafts than all levels want, every level gets the same fraction of its want. The
    load hands a level's unused drafts on to the next one, and ends a level whose drafts run out (the report says
    so) rather than send anything else in their place.
    """
    most = min(max_requests, seconds * (os.cpu_count() or 1) * 1000 / FASTEST_CPU_MS_PER_REQUEST)
    wants: dict[str, int] = {}
    for name, mix in mixes.items():
        share = mix.get("submit", 0) / sum(mix.values())
        expected = most * share
        wants[name] = math.ceil(expected + 4 * math.sqrt(expected * (1 - share)))
    wanted = sum(wants.values()) * len(levels)
    fraction = min(1.0, len(submittable) / wanted) if wanted else 0.0
    # The active schools' drafts come first (their principals log in anyway); shuffled, every level gets drafts of
    # both open campaigns alike.
    chosen = submittable[:wanted]
    random.Random(12).shuffle(chosen)  # noqa: S311 - load shape, not secrets
    per_level: dict[str, list[list[dict[str, Any]]]] = {}
    for name in mixes:
        per_level[name] = []
        for _level in levels:
            share_of_level = math.floor(wants[name] * fraction)
            per_level[name].append(chosen[:share_of_level])
            chosen = chosen[share_of_level:]
    return {"wants": wants, "wanted": wanted, "most_requests": int(most), "province_has": len(submittable),
            "levels": per_level}


# --- scenarios -----------------------------------------------------------------------------------------------


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def run_load(plan: dict[str, Any], phase: str, work: Path, profile: dict[str, int] | None = None,
             profile_seconds: int = 0) -> dict[str, Any]:
    """Run the load process; with `profile`, py-spy samples those processes once the logins are done."""
    plan_path, out_path, ready = work / f"plan-{phase}.json", work / f"result-{phase}.json", work / f"ready-{phase}"
    plan_path.write_text(json.dumps({**plan, "ready_file": str(ready)}))
    before = load_average()
    load = subprocess.Popen([sys.executable, str(REPO / "bench" / "deadline_load.py"), str(plan_path),  # noqa: S603
                             phase, str(out_path)], cwd=REPO)
    spies = []
    if profile:
        while not ready.exists() and load.poll() is None:
            time.sleep(0.2)
        for name, pid in profile.items():
            spies.append(subprocess.Popen(  # noqa: S603 - py-spy from our venv, our own children
                [str(Path(sys.executable).parent / "py-spy"), "record", "-p", str(pid), "-d", str(profile_seconds),
                 "-r", "50", "--nonblocking", "--subprocesses", "-f", "raw", "-o", str(work / f"profile-{name}.txt")],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    if load.wait() != 0:
        sys.exit(f"the load process failed ({load.returncode})")
    for spy in spies:
        spy.wait(timeout=120)
    result: dict[str, Any] = json.loads(out_path.read_text())
    result["load_before"], result["load_after"] = before, load_average()
    if profile:
        result["profiles"] = {name: summarize_profile(work / f"profile-{name}.txt") for name in profile}
    return result


_OUR_PACKAGES = tuple(f"{p}/" for p in ("edudx_common", "identity", "submissions", "evidence", "scoring",
                                          "notifications", "gateway"))
_IDLE = {"Runner.run", "EpollSelector.select", "Condition.wait", "BaseEventLoop._run_once"}


def summarize_profile(path: Path, top: int = 14) -> str:
    """py-spy's collapsed stacks → the share of samples spent in (inclusive) our functions and library leaves."""
    if not path.exists():
        return "(no profile: py-spy could not attach)"
    inclusive: dict[str, int] = {}
    leaves: dict[str, int] = {}
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not count_text.isdigit():
            continue
        count = int(count_text)
        total += count
        frames = stack.split(";")
        for frame in set(frames):
            if frame.split("(", 1)[-1].startswith(_OUR_PACKAGES):
                inclusive[frame] = inclusive.get(frame, 0) + count
        leaf = frames[-1]
        leaves[leaf] = leaves.get(leaf, 0) + count

    def short(frame: str) -> str:
        return frame.replace(str(REPO) + "/", "").replace(str(Path(sys.executable).parent.parent) + "/lib/python3.11/"
                                                            "site-packages/", "")

    busy = total - sum(n for leaf, n in leaves.items() if leaf.split(" (")[0] in _IDLE or not leaf.strip())
    lines = [f"{total} samples, {busy} busy (not waiting in the event loop or an idle worker thread); "
             "shares are of all samples", "inclusive, our code:"]
    lines += [f"  {n / total:6.1%}  {short(f)}" for f, n in sorted(inclusive.items(), key=lambda x: -x[1])[:top]]
    lines.append("self (leaf frames):")
    lines += [f"  {n / total:6.1%}  {short(f)}" for f, n in sorted(leaves.items(), key=lambda x: -x[1])[:top]]
    return "\n".join(lines)


def start_nginx(work: Path, upstream_port: int) -> subprocess.Popen[bytes]:
    """nginx as a non-daemon child, one worker (like the gateway's one process), keep-alive to the service."""
    root = work / "nginx"
    for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    conf = root / "nginx.conf"
    conf.write_text(f"""
worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {root}/body; proxy_temp_path {root}/proxy; fastcgi_temp_path {root}/fastcgi;
    uwsgi_temp_path {root}/uwsgi; scgi_temp_path {root}/scgi;
    upstream service {{ server 127.0.0.1:{upstream_port}; keepalive 64; }}
    server {{
        listen 127.0.0.1:{NGINX_PORT};
        location / {{
            proxy_pass http://service;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        }}
    }}
}}
""")
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    process = subprocess.Popen([nginx, "-p", str(root), "-c", str(conf), "-g", "daemon off;"])  # noqa: S603
    for _ in range(50):
        try:
            httpx.get(f"http://127.0.0.1:{NGINX_PORT}/healthz", timeout=1)
            return process
        except httpx.HTTPError:
            time.sleep(0.1)
    process.terminate()
    sys.exit("nginx did not start")


def uploads(var: Path, pids: dict[str, int], spare: dict[str, Any], work: Path, mb: int, runs: int) -> dict[str, Any]:
    """A `mb` MB PDF through the gateway and straight to S3 with minio, alternating; RSS of gateway/evidence."""
    path = work / "upload.pdf"
    size = evidence_upload.write_pdf(path, mb * MB)
    s3_args = cmdline(pids["s3"])
    s3_port = next(a.split("=", 1)[1] for a in s3_args if a.startswith("-s3.port="))
    keys = json.loads((var / "s3-credentials.json").read_text())
    minio = Minio(f"127.0.0.1:{s3_port}", access_key=keys["access_key"], secret_key=keys["secret_key"], secure=False)
    # With several uvicorn workers the service's process only supervises: the workers hold the uploads.
    watched: dict[str, int] = {}
    for service in ("gateway", "evidence"):
        for index, pid in enumerate(uvicorn_workers(pids[service]) or [pids[service]]):
            watched[service if index == 0 else f"{service}#{index + 1}"] = pid
    measured: list[evidence_upload.Run] = []
    # CPU per upload of each process on the path, as bench/evidence_upload.py reports it.
    cpu_pids = {**watched, **({"s3": pids["s3"]} if "s3" in pids else {})}
    with httpx.Client(base_url=GATEWAY, timeout=evidence_upload.REQUEST_TIMEOUT) as http:
        token = httpx.post(f"{IDENTITY}/api/identity/auth/login",
                           json={"email": spare["email"], "password": PASSWORD}).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        idle = evidence_upload.idle_rss(watched)
        for n in range(runs):
            item: dict[str, Any] = {}

            def through_gateway(item: dict[str, Any] = item) -> float:
                seconds, body = evidence_upload.upload_through_gateway(http, headers, spare["id"], path)
                item.update(body)
                return seconds

            def direct(key: str = f"bench/direct-{n}.pdf") -> float:
                start = time.perf_counter()
                minio.fput_object(evidence_upload.BUCKET, key, str(path), content_type="application/pdf")
                return time.perf_counter() - start

            measured.append(evidence_upload.measured(watched, "gateway", size, through_gateway, cpu_pids))
            evidence_upload.delete_item(http, headers, item["id"])
            measured.append(evidence_upload.measured(watched, "direct", size, direct, cpu_pids))
    return {"mb": mb, "size": size, "idle_kib": idle,
            "runs": [{"kind": r.kind, "seconds": r.seconds, "mb_s": r.mb_s, "peak_kib": r.peak_kib,
                      "hwm_kib": r.hwm_kib} for r in measured]}


def scale_curve(sizes: str = "300,3000,30000,50000") -> str:
    out = []
    for script, args in (("status_view.py", ["--sizes", sizes, "--requests", "20", "--exports", "1"]),
                         ("scoring_results.py", ["--sizes", sizes, "--requests", "5", "--no-compare"])):
        before = load_average()
        done = subprocess.run([sys.executable, str(REPO / "bench" / script), *args], cwd=REPO,  # noqa: S603
                              capture_output=True, text=True, check=False)
        # The script's own headings go below this run's "### Scale curve".
        report = re.sub(r"^(#{1,3}) ", lambda m: "###" + m.group(1) + " ", done.stdout, flags=re.M)
        out.append(f"#### `bench/{script} {' '.join(args)}` (load average before: {before})\n\n"
                   + (report if done.returncode == 0 else f"FAILED ({done.returncode}):\n```\n"
                      f"{done.stderr[-3000:]}\n```\n"))
    return "\n".join(out)


# --- the report -----------------------------------------------------------------------------------------------


def machine(workers: str = "1") -> list[str]:
    mem_kib = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal"))
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    nginx = subprocess.run(["nginx", "-v"], capture_output=True, text=True, check=False).stderr.strip()  # noqa: S607
    pg = subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-tAc", "SHOW server_version", "test"],  # noqa: S607
                        capture_output=True, text=True, check=False).stdout.strip()
    libs = ", ".join(f"{p} {version(p)}" for p in ("fastapi", "uvicorn", "aiohttp", "sqlalchemy", "asyncpg", "minio"))
    return [f"- CPU: {cpu}, {os.cpu_count()} logical CPUs, RAM {mem_kib / 1024 / 1024:.1f} GiB; shared with other "
            "people's test runs (load average given with each figure)",
            f"- Python {platform.python_version()}, {platform.system()} {platform.release()}; PostgreSQL {pg}; {nginx}",
            f"- {libs}",
            f"- scripts/run_production.py --workers {workers}: uvicorn worker processes per service "
            "(one number for all, then exceptions); two notification workers"]


def _submits(lv: dict[str, Any]) -> str:
    """Submits sent, their share of the level's requests, and the drafts the level had to submit."""
    sent = lv["by_kind"].get("submit", {}).get("n", 0)
    text_ = f"{sent} ({sent / max(1, lv['requests']):.1%}) of {lv['submit_drafts']}"
    if lv["drafts_used_up_after"] is not None:
        text_ += f" — **used up after {lv['drafts_used_up_after']:.1f} s**"
    return text_


def _mix_table(levels: list[dict[str, Any]]) -> list[str]:
    lines = ["| clients | requests | seconds | req/s | p50 ms | p95 ms | p99 ms | errors | upload MB/s "
             "| submits (share) of drafts to submit "
             "| p95 by kind (ms) | CPU ms per request: all of the system, PostgreSQL and the load generator |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---|"]
    for lv in levels:
        kinds = ", ".join(f"{k} {v['p95']:.0f} (n={v['n']})" for k, v in lv["by_kind"].items())
        cpu = lv.get("cpu_ms_per_request", {})
        # The machine's budget: n cores give n × 1,000 ms of CPU a second, so the total bounds the throughput.
        cores = os.cpu_count() or 1
        cpu_text = (f"**{sum(cpu.values()):.1f}** (≤ {1000 * cores / sum(cpu.values()):.0f} req/s on {cores} cores): "
                    + ", ".join(f"{n} {v:.1f}" for n, v in cpu.items() if v >= 0.05)
                    if cpu and sum(cpu.values()) > 0 else "")
        lines.append(f"| {lv['concurrency']} | {lv['requests']} | {lv['seconds']:.1f} | {lv['throughput']:.1f} | "
                     f"{lv['p50']:.0f} | {lv['p95']:.0f} | {lv['p99']:.0f} | {lv['errors']} | {lv['mb_per_s']:.1f} "
                     f"| {_submits(lv)} | {kinds} | {cpu_text} |")
    return lines


def _used_up(levels: list[dict[str, Any]]) -> list[str]:
    """A loud line for each level whose drafts to submit ran out: it ended early to keep its mix whole."""
    return [f"**⚠ Drafts to submit used up at {lv['concurrency']} clients after {lv['drafts_used_up_after']:.1f} s "
            f"({lv['submit_drafts']} drafts):** the level ended there, so it ran the whole mix but for less time "
            "than --seconds. Fewer levels, shorter ones or a lower --max-requests leave each level more drafts.\n"
            for lv in levels if lv["drafts_used_up_after"] is not None]


def _submit_supply(plan: dict[str, Any]) -> list[str]:
    """What each level was given to submit, and a warning when the province could not give all it may want."""
    given = {name: sorted({len(drafts) for drafts in per_level}) for name, per_level in plan["levels"].items()}
    text_ = "; ".join(f"{name}: {'–'.join(str(n) for n in counts)} a level (wants {plan['wants'][name]})"
                      for name, counts in given.items())
    lines = [f"- drafts to submit, each level its own (unused ones pass to the next level): {text_}; a level sends at "
             f"most {plan['most_requests']} requests; the province holds {plan['province_has']} complete drafts "
             "in its open campaigns"]
    if plan["province_has"] < plan["wanted"]:
        lines.append("- fewer complete drafts than the levels could want at most: each level got the same fraction "
                     "of its want; a level that uses them up ends early and is marked below")
    return lines


def _knee(levels: list[dict[str, Any]]) -> str:
    within = [lv for lv in levels if lv["p95"] <= P95_LIMIT_MS]
    beyond = [lv for lv in levels if lv["p95"] > P95_LIMIT_MS]
    best = max(within, key=lambda lv: lv["throughput"]) if within else None
    text_ = (f"best throughput with p95 ≤ {P95_LIMIT_MS} ms: **{best['throughput']:.0f} req/s** at "
             f"{best['concurrency']} clients" if best else f"p95 above {P95_LIMIT_MS} ms at every level")
    if beyond:
        first = beyond[0]
        text_ += f"; p95 passes {P95_LIMIT_MS} ms at {first['concurrency']} clients ({first['throughput']:.0f} req/s)"
    return text_


def report(args: argparse.Namespace, data: dict[str, Any], mix: dict[str, Any], overhead: dict[str, Any] | None,
           upload: dict[str, Any] | None, scale: str | None, seconds: float) -> str:
    lines = [f"## Run `{args.label}` — {NOW:%Y-%m-%d %H:%M} UTC", "", "### Machine", *machine(args.workers), "",
             "### Data",
             f"- {data['schools']:,} schools directly under the demo Sở in {data['communes']} communes (the 2025 "
             f"structure), {data['users']:,} users, "
             f"{data['campaigns']} campaigns, {data['submission_rows']:,} submissions (drafts with history, "
             "submitted versions); campaign A due in 8 h",
             f"- load: {mix['logins']} accounts logged in at identity directly (set-up, not measured; the gateway "
             f"allows 20 logins a minute per address; {mix['login_seconds']:.1f} s, argon2: production strength for "
             f"the {args.active} active schools, the test parameters for principals who log in only to submit), "
             f"{mix['drafts_to_save']} drafts saved to; {mix['submitted']} submitted during the run",
             *_submit_supply(mix["submit_plan"]),
             f"- each level: at most {args.max_requests} requests or {args.seconds} s; load average before "
             f"{mix['load_before']}, after {mix['load_after']}", ""]
    for name, levels in mix["mixes"].items():
        lines += [f"### Deadline day, {name}", "", *_mix_table(levels), "", *_used_up(levels),
                  f"Result: {_knee(levels)}."]
        if name == "without uploads":
            best = max((lv for lv in levels if lv["errors"] == 0), key=lambda lv: lv["throughput"], default=None)
            ok = best is not None and best["throughput"] >= TARGET_REQUESTS_PER_SECOND \
                and best["p95"] <= P95_LIMIT_MS
            lines.append(f"Target ≥ {TARGET_REQUESTS_PER_SECOND} req/s with 0 errors (p95 ≤ {P95_LIMIT_MS} ms), "
                         f"i.e. ≤ {TARGET_CPU_MS_PER_REQUEST:g} CPU-ms per request: "
                         + ("**met**" if ok else f"**not met** (best error-free: "
                            f"{best['throughput']:.0f} req/s, p95 {best['p95']:.0f} ms)" if best else "**not met**"))
        if name == "without uploads" and mix.get("profiles"):
            for proc, summary in mix["profiles"].items():
                lines += ["", f"Profile of {proc} (py-spy, 50 Hz, this mix):", "```", summary, "```"]
        errors = [e for lv in levels for e in lv["error_samples"]]
        if errors:
            lines += ["", "Errors seen (first ones):", "```", *errors[:6], "```"]
        lines.append("")
    if overhead:
        lines += [f"### Gateway overhead: `GET {overhead['path']}` as a school principal, {overhead['concurrency']} "
                  f"clients, alternating rounds (load average before {overhead['load_before']}, after "
                  f"{overhead['load_after']})", "",
                  "| path | rounds | requests | errors | req/s (median of rounds) | p50 ms | p95 ms |",
                  "|---|---:|---:|---:|---:|---:|---:|"]
        med: dict[str, dict[str, float]] = {}
        for name, runs in overhead["runs"].items():
            med[name] = {k: statistics.median(r[k] for r in runs) for k in ("throughput", "p50", "p95")}
            lines.append(f"| {name} | {len(runs)} | {sum(r['requests'] for r in runs)} | "
                         f"{sum(r['errors'] for r in runs)} | {med[name]['throughput']:.0f} | {med[name]['p50']:.2f} | "
                         f"{med[name]['p95']:.2f} |")
        ratio = med["gateway"]["throughput"] / med["nginx"]["throughput"]
        added = med["gateway"]["p50"] - med["direct"]["p50"]
        added_nginx = med["nginx"]["p50"] - med["direct"]["p50"]
        lines += ["", f"- gateway / nginx throughput: **{ratio:.2f}** (target ≥ {TARGET_GATEWAY_NGINX_RATIO:g}: "
                  f"{'met' if ratio >= TARGET_GATEWAY_NGINX_RATIO else 'NOT met'})",
                  f"- p50 added by the gateway: **{added:.2f} ms** (target < {TARGET_GATEWAY_ADDED_P50_MS:g} ms: "
                  f"{'met' if added < TARGET_GATEWAY_ADDED_P50_MS else 'NOT met'});"
                  f" by nginx: {added_nginx:.2f} ms", ""]
    if upload:
        lines += [f"### Uploads: a {upload['mb']} MB PDF through the gateway vs `Minio.fput_object`, alternating", "",
                  "| run | path | seconds | MB/s | gateway peak RSS MiB | evidence peak RSS MiB |",
                  "|---:|---|---:|---:|---:|---:|"]
        for n, r in enumerate(upload["runs"], 1):
            sampled, hwm = by_service(r["peak_kib"]), by_service(r["hwm_kib"])
            peak = {k: max(sampled.get(k, 0), hwm.get(k, 0)) for k in ("gateway", "evidence")}
            lines.append(f"| {n} | {r['kind']} | {r['seconds']:.2f} | {r['mb_s']:.1f} | {peak['gateway']:.0f} | "
                         f"{peak['evidence']:.0f} |")
        gw = statistics.median(r["mb_s"] for r in upload["runs"] if r["kind"] == "gateway")
        direct = statistics.median(r["mb_s"] for r in upload["runs"] if r["kind"] == "direct")
        idle = by_service(upload["idle_kib"])
        lines += ["", f"- median MB/s: gateway {gw:.1f}, direct {direct:.1f}, ratio **{gw / direct:.2f}** "
                  f"(target ≥ {TARGET_UPLOAD_RATIO:g}: {'met' if gw / direct >= TARGET_UPLOAD_RATIO else 'NOT met'}); "
                  "idle RSS "
                  f"gateway {idle['gateway']:.0f} MiB, evidence {idle['evidence']:.0f} MiB "
                  "(peak = max of 50 ms samples "
                  "and VmHWM; with several uvicorn workers, of the largest worker)", ""]
    if scale:
        lines += ["### Scale curve", "", scale, ""]
    lines += ["### Reproduce", "```",
              "make bench-deadline   # = .venv/bin/python bench/deadline_day.py --scale --profile",
              f".venv/bin/python bench/deadline_day.py --label {args.label} --schools {args.schools} --active "
              f"{args.active} --levels {args.levels} --seconds {args.seconds} --workers {args.workers}"
              f"{' --profile' if args.profile else ''}",
              "```", f"Whole run: {seconds:.0f} s.", ""]
    return "\n".join(lines)


def append_results(section: str) -> None:
    """Newest run first under the heading; earlier runs (the 'before' figures) stay below it."""
    current = RESULTS.read_text() if RESULTS.exists() else ""
    if HEADING not in current:
        current = current.rstrip() + f"\n\n---\n\n{HEADING}\n\n"
    head, rest = current.split(HEADING, 1)
    if RUNS_MARKER in rest:  # a written summary stays on top, the runs follow it
        summary, runs = rest.split(RUNS_MARKER, 1)
        RESULTS.write_text(f"{head}{HEADING}{summary}{RUNS_MARKER}\n\n{section}\n{runs.lstrip()}")
        return
    RESULTS.write_text(f"{head}{HEADING}\n\n{section}\n{rest.lstrip()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--label", default="current", help="names the run in RESULTS.md (e.g. before, after)")
    parser.add_argument("--schools", type=int, default=3000)
    parser.add_argument("--active", type=int, default=1000, help="schools whose principals take part in the load")
    parser.add_argument("--levels", default="4,8,16,32,64", help="concurrent clients, one level after the other")
    parser.add_argument("--seconds", type=float, default=15, help="at most this long per level")
    parser.add_argument("--max-requests", type=int, default=6000, help="at most this many requests per level")
    parser.add_argument("--upload-mb", type=int, default=50)
    parser.add_argument("--scale", action="store_true", help="also the scale curve (about 15 more minutes with 50,000)")
    parser.add_argument("--profile", action="store_true",
                        help="py-spy the gateway and submissions during the mix without uploads")
    parser.add_argument("--scale-only", action="store_true", help="only the scale curve, as its own section")
    parser.add_argument("--scale-sizes", default="300,3000,30000,50000", help="schools per campaign on the curve")
    parser.add_argument("--no-append", action="store_true", help="print the report only")
    parser.add_argument("--mix-only", action="store_true",
                        help="only the mix without uploads (a quick comparison of settings)")
    parser.add_argument("--workers", default=DEFAULT_WORKERS, metavar="N[,SERVICE=N…]",
                        help="uvicorn workers per service, as scripts/run_production.py takes them")
    args = parser.parse_args()
    started = time.perf_counter()
    if args.scale_only:
        section = (f"## Scale curve, run `{args.label}` — {NOW:%Y-%m-%d %H:%M} UTC\n\n" + "\n".join(machine())
                   + "\n\n" + scale_curve(args.scale_sizes) + f"\nWhole run: {time.perf_counter() - started:.0f} s.\n")
        print(section)
        if not args.no_append:
            append_results(section)
        return
    work = Path(tempfile.mkdtemp(prefix="edudx-deadline-"))
    var = work / "var"
    var.mkdir()
    drop_schemas()
    system = start_system(var, args.workers)
    nginx = None
    overhead: dict[str, Any] | None = None
    upload: dict[str, Any] | None = None
    try:
        print("• seeding the province …", file=sys.stderr, flush=True)
        data = asyncio.run(seed(args.schools, args.active))
        files = []
        for mb in range(1, 11):
            files.append(work / f"evidence-{mb}mb.pdf")
            evidence_upload.write_pdf(files[-1], mb * MB)
        non_upload = {"save": 70, "read": 15, "submit": 5}
        mixes = {"without uploads": non_upload, "with uploads": {**non_upload, "upload": 10}}
        if args.mix_only:
            del mixes["with uploads"]
        levels = [int(x) for x in args.levels.split(",")]
        submits = submit_plan(data["submittable"], mixes, levels, args.seconds, args.max_requests)
        if submits["province_has"] < submits["wanted"]:
            print(f"  ⚠ {submits['province_has']} complete drafts for levels that may want {submits['wanted']}: "
                  "a level may use its share up and end early", file=sys.stderr, flush=True)
        # Saves and uploads check a partial draft out for one client at a time: every client needs one.
        if len([d for d in data["drafts"] if not d["complete"]]) < max(levels):
            sys.exit(f"--active {args.active}: fewer drafts to save than {max(levels)} clients")
        plan = {"gateway": GATEWAY, "identity": IDENTITY, "password": PASSWORD, "drafts": data["drafts"],
                "submits": submits["levels"], "reviewers": data["reviewers"],
                "campaign_id": data["campaign_id"], "answers": FULL_ANSWERS, "upload_files": [str(f) for f in files],
                "levels": levels, "seconds": args.seconds,
                "max_requests": args.max_requests, "stop_above_ms": P95_LIMIT_MS, "mixes": mixes}
        print("• deadline-day mixes …", file=sys.stderr, flush=True)
        pids = child_pids(system.pid)
        plan["pids"] = pids
        profiled = {n: pids[n] for n in ("gateway", "submissions")} if args.profile else None
        mix = run_load(plan, "mix", work, profiled, profile_seconds=int(args.seconds * len(plan["levels"])))
        mix["submit_plan"] = submits
        if args.mix_only:
            raise MixOnly
        print("• gateway overhead …", file=sys.stderr, flush=True)
        nginx = start_nginx(work, FIRST_SERVICE_PORT + 1)  # submissions
        plan["overhead"] = {
            "email": data["drafts"][0]["email"], "path": "/api/submissions/submissions?limit=20", "rounds": 3,
            "concurrency": 8, "requests": 3000, "seconds": 8,
            "targets": {"direct": f"http://127.0.0.1:{FIRST_SERVICE_PORT + 1}", "gateway": GATEWAY,
                        "nginx": f"http://127.0.0.1:{NGINX_PORT}"}}
        overhead = run_load(plan, "overhead", work)
        print("• uploads …", file=sys.stderr, flush=True)
        upload = uploads(var, pids, data["spare"], work, args.upload_mb, 3)
    except MixOnly:
        pass  # neither overhead nor uploads measured
    finally:
        if nginx is not None:
            nginx.terminate()
            nginx.wait(timeout=10)
        stop_launcher(system)
    scale = None
    if args.scale:
        print("• scale curve …", file=sys.stderr, flush=True)
        scale = scale_curve(args.scale_sizes)
    section = report(args, data, mix, overhead, upload, scale, time.perf_counter() - started)
    print(section)
    if not args.no_append:
        append_results(section)
    drop_schemas()
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
