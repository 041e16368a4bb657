"""Benchmark: the reviewer's board list at 3,000 schools, sorted by each column, on PostgreSQL.

    .venv/bin/python bench/board_list.py [--size 3000] [--requests 40]

Builds the data set of `bench/status_view.py` (one Sở, its Phòng, a published campaign with N targets and
realistic submissions), adds what the workbench keeps (each school's completeness, a reviewer for two thirds of
the waiting reports, self/review/final score copies), then asks `GET /campaigns/{id}/status` as the Sở admin over
loopback HTTP for a page of 50 sorted by every sortable column, ascending and descending, and a few filtered
queues. Prints a Markdown table of p50/p95/max per sort (figures for bench/RESULTS.md) with the load average:
the machine is shared, so compare the sorts with each other (ratios), not with another run.

Schemas `h21b_bench_identity` / `h21b_bench_submissions`, dropped at the end. Refuses to run without PostgreSQL.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import tempfile
from functools import partial
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import httpx  # noqa: E402
import status_view as base  # noqa: E402
from sqlalchemy import insert, text, update  # noqa: E402

from edudx_common.db import create_engine  # noqa: E402
from identity.config import Settings as IdentitySettings  # noqa: E402
from identity.main import create_app as create_identity_app  # noqa: E402
from submissions.status.board import BOARD_COLUMNS  # noqa: E402
from submissions.status.models import TargetReview  # noqa: E402
from submissions.workflow.models import Submission  # noqa: E402
from tests.servers import serve  # noqa: E402
from tests.support import migrate, write_key  # noqa: E402

base.IDENTITY_SCHEMA, base.SUBMISSIONS_SCHEMA = "h21b_bench_identity", "h21b_bench_submissions"
REVIEWERS = [("r1", "Lê Thu Hà"), ("r2", "Trần Văn Bình"), ("r3", "Nguyễn Thị Lan"), ("r4", "Phạm Minh Đức")]


async def add_workbench_rows(campaign_id: object, size: int) -> None:
    """Completeness, assignments and score copies for the campaign's targets, as the workbench keeps them."""
    rng = random.Random(size)  # noqa: S311 - test data
    engine = create_engine(base.POSTGRES_URL, schema=base.SUBMISSIONS_SCHEMA)
    try:
        async with engine.begin() as conn:
            targets = (await conn.execute(text(
                "SELECT t.id, s.status FROM campaign_targets t LEFT JOIN submissions s ON s.target_id = t.id "
                "WHERE t.campaign_id = :c"), {"c": campaign_id})).all()
            rows = []
            for target_id, status in targets:
                submitted = status not in (None, "draft")
                reviewer = rng.choice(REVIEWERS) if submitted and rng.random() < 0.66 else None
                self_score = round(rng.uniform(40, 100) * 4) / 4 if submitted else None
                review = round(min(100.0, (self_score or 0) - rng.uniform(0, 8)) * 4) / 4 \
                    if submitted and rng.random() < 0.4 else None
                rows.append({"target_id": target_id, "campaign_id": campaign_id,
                             "reviewer_id": reviewer[0] if reviewer else None,
                             "reviewer_name": reviewer[1] if reviewer else None, "assigned_at": None,
                             "assigned_by": None, "self_score": self_score, "review_score": review,
                             "final_score": review if review is not None else self_score, "scores_at": None})
            await conn.execute(insert(TargetReview.__table__), rows)  # type: ignore[attr-defined]
            await conn.execute(update(Submission.__table__).where(Submission.__table__.c.campaign_id == campaign_id)  # type: ignore[attr-defined]
                               .values(completeness=text("(abs(hashtext(id::text)) % 101)")))
        async with engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("VACUUM ANALYZE"))
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=3000)
    parser.add_argument("--requests", type=int, default=40, help="measured requests per sort (after 3 warm-ups)")
    args = parser.parse_args()
    base.require_postgres()
    base.drop_schemas()
    tmp = Path(tempfile.mkdtemp(prefix="edudx-board-"))
    process = None
    try:
        migrate("identity", base.POSTGRES_URL, base.IDENTITY_SCHEMA)
        migrate("submissions", base.POSTGRES_URL, base.SUBMISSIONS_SCHEMA)
        settings = IdentitySettings(
            environment="test", database_url=base.POSTGRES_URL, database_schema=base.IDENTITY_SCHEMA,
            jwt_private_key_file=str(write_key(tmp)), password_hash_fast=True,
            service_clients={"submissions": base.SERVICE_SECRET}, log_json=False, log_level="WARNING")
        with serve(create_identity_app(settings)) as identity_url:
            data = asyncio.run(base.build(args.size, identity_url))
            asyncio.run(add_workbench_rows(data.campaign_id, args.size))
            process, base_url = base.start_submissions(identity_url, tmp / "submissions.log")
            so = base.login(identity_url, data.admin_email)
            url = f"{base.API}/campaigns/{data.campaign_id}/status"
            load_before = os.getloadavg()
            timings = []
            with httpx.Client(base_url=base_url, timeout=120) as http:
                sorts = [k for k, c in BOARD_COLUMNS.items() if c.sortable]
                for key in sorts:
                    for sort in (key, f"-{key}"):
                        timings.append(base.timed(f"sort={sort}", data.size, args.requests, partial(
                            http.get, url, headers=so, params={"sort": sort, "limit": 50})))
                cases: list[tuple[str, dict[str, str | int]]] = [
                    ("queue=awaiting, sort=-self_score", {"queue": "awaiting", "sort": "-self_score"}),
                    ("queue=mine (none), sort=name", {"queue": "mine"}),
                    ("match=reviewer_id:none&range=completeness:50:", {"match": "reviewer_id:none",
                                                                        "range": "completeness:50:"}),
                    ("page 20 of 50, sort=-final_score", {"sort": "-final_score", "offset": 950}),
                ]
                for label, params in cases:
                    timings.append(base.timed(label, data.size, args.requests, partial(
                        http.get, url, headers=so, params={"limit": 50, **params})))
            load_after = os.getloadavg()
        print(f"### Board list at {data.size:,} schools (page of 50, PostgreSQL, loopback HTTP)\n")
        print(f"Load average before/after: {load_before[0]:.1f} / {load_after[0]:.1f} "
              f"({os.cpu_count()} CPUs, shared with other work)\n")
        print("| request | targets | n | p50 ms | p95 ms | max ms | body |\n|---|---|---|---|---|---|---|")
        for timing in timings:
            print(timing.row())
        by_name = next(t for t in timings if t.label == "sort=name").pct(95)
        worst = max(timings, key=lambda t: t.pct(95))
        print(f"\nSlowest p95: {worst.label} at {worst.pct(95) / by_name:.2f}× the default sort by name.")
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=15)
        base.drop_schemas()


if __name__ == "__main__":
    main()
