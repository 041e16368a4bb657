"""Benchmark: a campaign's results, its ranking export and its publication on the scale curve 300, 3,000, 30,000
and 50,000 schools (50,000: a national QĐ 4725 cycle), on PostgreSQL.

    .venv/bin/python bench/scoring_results.py [--sizes 300,3000,30000,50000] [--requests 10]
        [--schema-suffix _s11d] [--base /path/to/other/checkout]

What runs: identity (uvicorn in a thread), submissions and scoring (each its own uvicorn process, as deployed)
on PostgreSQL schemas `bench_identity`, `bench_submissions`, `bench_scoring`, migrated by Alembic and dropped at
the end. Per size: the campaign of `bench/status_view.py` (one Sở, size/100 Phòng, `size` targets), scored with
the seed-004 rubric; every target has a score sheet with 21 self-scores and, for 40% of the criteria, a review
score (inserted directly). The Sở admin calls `GET /campaigns/{id}/results` (the figures over every unit —
distribution, per-Phòng summaries — and the first page of 50 rows by rank), the same with a search without
diacritics, the last page, and `GET /campaigns/{id}/results/export` (every unit's ranking as XLSX, with the
scoring process's peak RSS) over loopback HTTP. The requirement: both complete in under 2 s for 3,000 schools.
In process, alternating: the page and the XLSX summary the way before issue 24 (every outcome rebuilt in
Python) against the SQL way, and publication (ranked in SQL, one bulk insert; rolled back after each run).

`--base`: a second scoring process runs that checkout's code on the same database and the requests alternate
between the two, with the CPU time of scoring and of its PostgreSQL backends per request, and the page once more
with one sheet written before each request (nothing kept can serve it): scoring_results_pairs.

Prints a Markdown report (figures for bench/RESULTS.md). Refuses to run without PostgreSQL. About a minute with
`--sizes 300,3000`; building 30,000 and 50,000 schools takes most of a quarter of an hour more.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import httpx  # noqa: E402
import scoring_results_pairs  # noqa: E402
import status_view  # noqa: E402
from sqlalchemy import insert, select, text, update  # noqa: E402
from sqlmodel import col  # noqa: E402

from edudx_common.auth import Principal  # noqa: E402
from edudx_common.db import create_engine, session_factory, utcnow  # noqa: E402
from edudx_common.server import command as server_command  # noqa: E402
from edudx_common.text import fold  # noqa: E402
from identity.config import Settings as IdentitySettings  # noqa: E402
from identity.main import create_app as create_identity_app  # noqa: E402
from scoring.rubrics.service import definition_of, ensure_templates  # noqa: E402
from scoring.sheets.calculation import Mark, outcome, summary_of  # noqa: E402
from scoring.sheets.models import CriterionScore, ScoreSheet, group_under  # noqa: E402
from submissions.campaigns.models import Campaign, CampaignTarget  # noqa: E402
from tests.servers import serve, wait_until_up  # noqa: E402
from tests.support import drop_schema_sync, free_port, migrate, write_key  # noqa: E402

POSTGRES_URL = status_view.POSTGRES_URL
SCORING_SCHEMA = "bench_scoring"
SCORING_SECRET = "bench-scoring-secret-0123456789"
STEP = Decimal("0.25")


def drop_scoring_schema() -> None:
    drop_schema_sync(POSTGRES_URL, SCORING_SCHEMA)


async def score(data: status_view.Dataset) -> dict[str, int]:
    """Attach the seed-004 rubric to the campaign and give every target a scored sheet."""
    rng = random.Random(data.size)  # noqa: S311 - test data, not secrets
    sub_engine = create_engine(POSTGRES_URL, schema=status_view.SUBMISSIONS_SCHEMA)
    sc_engine = create_engine(POSTGRES_URL, schema=SCORING_SCHEMA)
    try:
        async with session_factory(sc_engine)() as session:
            rubric = (await ensure_templates(session, Principal(subject="bench", kind="service")))["seed-004-cntt"]
            await session.commit()
            definition = rubric.definition
            parsed = definition_of(rubric)
        async with sub_engine.begin() as conn:
            await conn.execute(update(Campaign).where(col(Campaign.id) == data.campaign_id).values(rubric_id=rubric.id))
            issuer = (await conn.execute(select(col(Campaign.issuer_unit_id))
                                         .where(col(Campaign.id) == data.campaign_id))).scalar_one()
            targets = (await conn.execute(select(col(CampaignTarget.unit_id), col(CampaignTarget.unit_name),
                                                 col(CampaignTarget.unit_path))
                                          .where(col(CampaignTarget.campaign_id) == data.campaign_id))).all()
        maxima = {c["code"]: Decimal(str(c["max_points"])) for g in definition["groups"] for c in g["criteria"]}
        now = utcnow()
        sheets: list[dict[str, Any]] = []
        scores: list[dict[str, Any]] = []
        for unit_id, unit_name, unit_path in targets:
            sheet_id = uuid.uuid4()
            own_marks: dict[str, Mark] = {}
            review_marks: dict[str, Mark] = {}
            sheets.append({"id": sheet_id, "submission_id": uuid.uuid4(), "campaign_id": data.campaign_id,
                           "unit_id": unit_id, "unit_name": unit_name, "unit_name_folded": fold(unit_name),
                           "unit_path": unit_path, "rubric_id": rubric.id,
                           # the campaign's issuer and the group under it, as a sheet written today carries them
                           "issuer_unit_id": issuer, "group_hex": group_under(unit_path, issuer),
                           "submission_status": "approved", "submit_count": 1, "status_at": now, "created_at": now,
                           "updated_at": now})
            for code, maximum in maxima.items():
                own = STEP * rng.randint(int(maximum / STEP) // 2, int(maximum / STEP))
                reviewed = rng.random() < 0.4
                scores.append({"id": uuid.uuid4(), "sheet_id": sheet_id, "criterion_code": code, "self_points": own,
                               "self_at": now, "evidence_item_ids": [],
                               "review_points": STEP * rng.randint(0, int(maximum / STEP)) if reviewed else None,
                               "review_at": now if reviewed else None})
                own_marks[code] = Mark(scores[-1]["self_points"])
                if reviewed:
                    review_marks[code] = Mark(scores[-1]["review_points"])
            # what a score write stores with the sheet (scoring.sheets.service.refresh_summary)
            result = outcome(parsed, own_marks, review_marks)
            sheets[-1].update(summary=summary_of(result), final_total=result.final_total,
                              classification=result.classification.label, level_rank=result.classification.rank,
                              self_total=result.self_total, review_total=result.review_total)
        async with sc_engine.begin() as conn:
            for chunk in status_view._chunks(sheets, 2000):
                await conn.execute(insert(ScoreSheet.__table__), chunk)  # type: ignore[attr-defined]
            for chunk in status_view._chunks(scores, 5000):
                await conn.execute(insert(CriterionScore.__table__), chunk)  # type: ignore[attr-defined]
        async with sc_engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("VACUUM ANALYZE"))
        return {"sheets": len(sheets), "criterion_scores": len(scores)}
    finally:
        await sub_engine.dispose()
        await sc_engine.dispose()


def start_service(name: str, env: dict[str, str], log: Path,
                  tree: Path | None = None) -> tuple[subprocess.Popen[bytes], str]:
    """`tree`: that checkout's code instead of this one's (PYTHONPATH overrides the venv's editable installs)."""
    port = free_port()
    code = {} if tree is None else {"PYTHONPATH": ":".join(
        [*(str(p) for p in sorted((tree / "services").glob("*/src"))), str(tree)])}
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        server_command(f"{name}.main:create_app", port=port, options=["--no-access-log", "--log-level", "warning"]),
        env={**os.environ, **env, **code}, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{base_url}/healthz", timeout=180)  # a loaded shared machine takes a minute to start it
    except RuntimeError:
        process.terminate()
        raise
    return process, base_url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="300,3000,30000,50000", help="the scale curve; 300,3000 for a quick run")
    parser.add_argument("--requests", type=int, default=10, help="measured requests per size (after warm-ups)")
    parser.add_argument("--profile", action="store_true", help="also profile one computation in process")
    parser.add_argument("--no-compare", action="store_true",
                        help="skip the in-process comparison with the way before issue 24 (minutes per run at 50,000)")
    parser.add_argument("--schema-suffix", default="", help="appended to the bench schemas' names")
    parser.add_argument("--base", type=Path, help="another checkout: its scoring alternates with this one's, request "
                                                  "by request, with CPU per request (scoring_results_pairs)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    global SCORING_SCHEMA  # set once, from the command line
    SCORING_SCHEMA = f"bench_scoring{args.schema_suffix}"
    status_view.use_schemas(args.schema_suffix)
    status_view.require_postgres()
    began = time.perf_counter()
    status_view.drop_schemas()
    drop_scoring_schema()
    tmp = Path(tempfile.mkdtemp(prefix="edudx-bench-scoring-"))
    processes: list[subprocess.Popen[bytes]] = []
    try:
        migrate("identity", POSTGRES_URL, status_view.IDENTITY_SCHEMA)
        migrate("submissions", POSTGRES_URL, status_view.SUBMISSIONS_SCHEMA)
        migrate("scoring", POSTGRES_URL, SCORING_SCHEMA)
        identity_settings = IdentitySettings(
            environment="test", database_url=POSTGRES_URL, database_schema=status_view.IDENTITY_SCHEMA,
            jwt_private_key_file=str(write_key(tmp)), password_hash_fast=True,
            service_clients={"submissions": status_view.SERVICE_SECRET, "scoring": SCORING_SECRET},
            log_json=False, log_level="WARNING")
        with serve(create_identity_app(identity_settings)) as identity_url:
            datasets, counts = [], []
            for size in sizes:
                data = asyncio.run(status_view.build(size, identity_url))
                datasets.append(data)
                counts.append(asyncio.run(score(data)))
                print(f"built and scored {size:,} schools", file=sys.stderr)
            submissions, submissions_url = status_view.start_submissions(identity_url, tmp / "submissions.log")
            processes.append(submissions)
            scoring_env = {
                "SCORING_ENVIRONMENT": "test", "SCORING_DATABASE_URL": POSTGRES_URL,
                "SCORING_DATABASE_SCHEMA": SCORING_SCHEMA, "SCORING_IDENTITY_URL": identity_url,
                "SCORING_JWKS_URL": f"{identity_url}/api/identity/.well-known/jwks.json",
                "SCORING_SUBMISSIONS_URL": submissions_url, "SCORING_SERVICE_CLIENT_ID": "scoring",
                "SCORING_SERVICE_CLIENT_SECRET": SCORING_SECRET, "SCORING_LOG_LEVEL": "WARNING",
                "SCORING_LOG_JSON": "false"}
            scoring, scoring_url = start_service("scoring", scoring_env, tmp / "scoring.log")
            processes.append(scoring)
            if args.base is not None:
                base, base_url = start_service("scoring", scoring_env, tmp / "base.log", args.base.resolve())
                processes.append(base)
                load = os.getloadavg()
                with httpx.Client(base_url=base_url, timeout=120) as before, \
                        httpx.Client(base_url=scoring_url, timeout=120) as after:
                    pairs = scoring_results_pairs.measure(
                        {"base": before, "this tree": after}, {"base": base.pid, "this tree": scoring.pid},
                        identity_url, datasets, args.requests, SCORING_SCHEMA, POSTGRES_URL)
                scoring_results_pairs.report(pairs, args.base, load)
                return
            timings, export_peaks = [], []
            with httpx.Client(base_url=scoring_url, timeout=120) as http:
                for data in datasets:
                    so = status_view.login(identity_url, data.admin_email)
                    url = f"/api/scoring/campaigns/{data.campaign_id}/results"
                    timings.append(status_view.timed("results (figures + page 1 of 50)", data.size, args.requests,
                                                     partial(http.get, url, headers=so), warmup=2))
                    timings.append(status_view.timed("results, search 'truong 1' (page 1)", data.size,
                                                     args.requests, partial(http.get, url, headers=so,
                                                                            params={"q": "truong 1"}), warmup=1))
                    last: dict[str, int | str] = {"limit": 50, "offset": max(0, data.size - 50), "sort": "name"}
                    timings.append(status_view.timed("results, last page by name", data.size, args.requests,
                                                     partial(http.get, url, headers=so, params=last), warmup=1))
                    timings.append(status_view.timed("ranking export (XLSX)", data.size, args.requests,
                                                     partial(http.get, f"{url}/export", headers=so), warmup=2))
                    export_peaks.append((data.size, peak_rss_kib(scoring.pid)))
                    check = http.get(url, headers=so).json()
                    assert check["total"] == data.size and len(check["items"]) == min(50, data.size)
                    assert check["items"][0]["rank"] == 1
            comparisons = [] if args.no_compare else [
                asyncio.run(compare_in_process(data, identity_url, submissions_url, args.requests))
                for data in datasets]
            if args.profile:
                asyncio.run(profile(datasets[-1], identity_url, submissions_url))
        report(sizes, counts, timings, time.perf_counter() - began, export_peaks)
        if comparisons:
            report_comparison(comparisons)
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=15)
        status_view.drop_schemas()
        drop_scoring_schema()


async def compare_in_process(data: status_view.Dataset, identity_url: str, submissions_url: str,
                             requests: int) -> tuple[int, list[float], list[float]]:
    """The results page both ways in this process, alternating, so load on the machine hits both alike: every
    sheet's summary decoded and ranked in Python (`to_read(compute(…))`, what publication still does) against
    the SQL page (`results_page`: aggregates and one ranked page). Returns (size, seconds each way)."""
    from edudx_common.http import ServiceClient, ServiceTokenProvider
    from scoring.clients.identity import IdentityClient
    from scoring.clients.submissions import SubmissionsClient
    from scoring.results import export, service

    tokens = ServiceTokenProvider(identity_url=identity_url, client_id="scoring", client_secret=SCORING_SECRET)
    identity = IdentityClient(ServiceClient(identity_url, name="identity", token_provider=tokens))
    submissions = SubmissionsClient(ServiceClient(submissions_url, name="submissions", token_provider=tokens))
    engine = create_engine(POSTGRES_URL, schema=SCORING_SCHEMA)
    full, paged = [], []
    try:
        async with session_factory(engine)() as session:
            campaign = await submissions.campaign(data.campaign_id)
            for n in range(requests + 1):
                started = time.perf_counter()
                computation = await service.compute(session, campaign, submissions=submissions, identity=identity)
                old = service.to_read(computation).model_dump_json()
                middle = time.perf_counter()
                new = (await service.results_page(session, campaign, submissions=submissions,
                                                  identity=identity)).model_dump_json()
                if n:  # the first round warms both up
                    full.append(middle - started)
                    paged.append(time.perf_counter() - middle)
                assert old == new, "the two ways disagree"
            # The XLSX summary both ways, and publication (SQL ranking, bulk insert; rolled back each time).
            admin = Principal(subject="bench", kind="user", unit_id=campaign.issuer_unit_id,
                              roles=frozenset({"system_admin"}), name="Bench")
            for n in range(min(requests, 3) + 1):
                started = time.perf_counter()
                await anyio_thread(export.results_xlsx, await service.compute(
                    session, campaign, submissions=submissions, identity=identity))
                middle = time.perf_counter()
                summary = await service.summary_export(session, campaign, submissions=submissions, identity=identity)
                await anyio_thread(partial(export.summary_xlsx, campaign.title, summary.definition,
                                           ranking=summary.ranking, with_previous=summary.with_previous,
                                           lines=summary.lines, count=len(summary.lines)))
                ended = time.perf_counter()
                await service.publish(session, admin, campaign, None, events=_NoEvents(), clock=utcnow,  # type: ignore[arg-type]
                                      school_year="2024-2025", issuer_path="/")
                await session.flush()
                published = time.perf_counter()
                await session.rollback()
                if n:
                    EXPORTS.append((data.size, middle - started, ended - middle, published - ended))
    finally:
        await engine.dispose()
    return data.size, full, paged


EXPORTS: list[tuple[int, float, float, float]] = []  # (schools, export before, export after, publication) seconds


class _NoEvents:
    async def emit(self, session: Any, event: Any) -> None:
        return None


async def anyio_thread(call: Any, *args: Any) -> Any:
    return await asyncio.to_thread(call, *args)


def report_comparison(comparisons: list[tuple[int, list[float], list[float]]]) -> None:
    print("\n### Results page in process: every summary in Python (before) vs SQL page (after), same run (ms)")
    print("| schools | n | before p50 | after p50 | after / before |")
    print("|---:|---:|---:|---:|---:|")
    for size, full, paged in comparisons:
        before, after = statistics.median(full) * 1000, statistics.median(paged) * 1000
        print(f"| {size:,} | {len(full)} | {before:.0f} | {after:.0f} | {after / before:.2f} |")
    print("\n### XLSX summary in process: every outcome rebuilt (before) vs the ranked SQL query (after); "
          "publication on the SQL path (ms)")
    print("| schools | n | export before p50 | export after p50 | after / before | publication p50 |")
    print("|---:|---:|---:|---:|---:|---:|")
    for size in sorted({size for size, *_ in EXPORTS}):
        runs = [r for r in EXPORTS if r[0] == size]
        before, after, publish = (statistics.median(r[i] for r in runs) * 1000 for i in (1, 2, 3))
        print(f"| {size:,} | {len(runs)} | {before:.0f} | {after:.0f} | {after / before:.2f} | {publish:.0f} |")


async def profile(data: status_view.Dataset, identity_url: str, submissions_url: str) -> None:
    """Where the time of one results computation goes, in this process (printed to stderr)."""
    import cProfile
    import pstats

    from edudx_common.http import ServiceClient, ServiceTokenProvider
    from scoring.clients.identity import IdentityClient
    from scoring.clients.submissions import SubmissionsClient
    from scoring.results import service

    tokens = ServiceTokenProvider(identity_url=identity_url, client_id="scoring", client_secret=SCORING_SECRET)
    identity = ServiceClient(identity_url, name="identity", token_provider=tokens)
    submissions = ServiceClient(submissions_url, name="submissions", token_provider=tokens)
    engine = create_engine(POSTGRES_URL, schema=SCORING_SCHEMA)
    try:
        async with session_factory(engine)() as session:
            campaign = await SubmissionsClient(submissions).campaign(data.campaign_id)
            profiler = cProfile.Profile()
            profiler.enable()
            started = time.perf_counter()
            computation = await service.compute(session, campaign, submissions=SubmissionsClient(submissions),
                                                identity=IdentityClient(identity))
            service.to_read(computation).model_dump_json()  # the first page of 50, as the API answers
            profiler.disable()
            print(f"in process: {time.perf_counter() - started:.3f} s", file=sys.stderr)
            pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(25)
    finally:
        await engine.dispose()
        await identity.aclose()
        await submissions.aclose()


def peak_rss_kib(pid: int) -> int:
    """The process's high-water mark of resident memory so far (VmHWM): after the exports, what they needed."""
    line = next(line for line in Path(f"/proc/{pid}/status").read_text().splitlines() if line.startswith("VmHWM"))
    return int(line.split()[1])


def report(sizes: list[int], counts: list[dict[str, int]], timings: list[status_view.Timing], seconds: float,
           export_peaks: list[tuple[int, int]]) -> None:
    print("### Machine")
    print("\n".join(status_view.machine()))
    print("\n### Data")
    for size, count in zip(sizes, counts, strict=True):
        print(f"- {size:,} schools: {count['sheets']:,} score sheets, {count['criterion_scores']:,} criterion scores")
    print("\n### Results and ranking export over loopback HTTP (ms)")
    print("| request | schools | n | p50 | p95 | max | response |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for timing in timings:
        print(timing.row())
    print("\nScoring process peak RSS (VmHWM) after the exports: "
          + ", ".join(f"{size:,} schools {kib / 1024:.0f} MiB" for size, kib in export_peaks) + ".")
    largest = [t for t in timings if t.size == max(sizes)]
    verdict = all(t.pct(95) < 2000 for t in largest)
    print(f"\nAt {max(sizes):,} schools every p95 is {'under' if verdict else 'OVER'} 2 s. "
          f"Run took {seconds:.0f} s.")


if __name__ == "__main__":
    main()
