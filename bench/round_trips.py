"""Benchmark: round trips to PostgreSQL per deadline-day request of submissions — the autosave, the school's dashboard
and one submission's page — for two copies of the code (`--base`, as in `bench/request_cpu.py`).

    .venv/bin/python bench/round_trips.py [--base ../s9a-base] [--requests 50]

Each tree runs in a child process on the same seeded rows as `bench/request_cpu.py` (schema `bench_round_trips`,
dropped before and after; `EDUDX_BENCH_SCHEMA` instead, for two runs at once). Counted at the driver, below
SQLAlchemy: the simple-query protocol (`asyncpg.Connection.execute` without arguments: BEGIN, COMMIT, ROLLBACK),
executions of prepared statements, and statement preparations (cached, so after the warm-up there should be none).
With a local server, also the CPU its backends spent for the app's pool (`/proc/<pid>/schedstat`, found by the pool's
`application_name`), per request: what one statement in place of two saves or costs on the database's side.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))

import request_cpu  # noqa: E402


def count_round_trips(counts: Counter[str]) -> None:
    """Count what asyncpg sends for the requests, by kind (`simple: BEGIN`, `prepared`, `prepare`): those of the
    current task, where the requests run — not the bulk-action runner's polling, in its own task."""
    requests_task = asyncio.current_task()
    import asyncpg.connection
    import asyncpg.prepared_stmt

    connection = asyncpg.connection.Connection
    simple, prepare = connection.execute, connection._prepare
    do_execute = asyncpg.prepared_stmt.PreparedStatement._PreparedStatement__do_execute

    async def counted_execute(self: Any, query: str, *args: Any, **kwargs: Any) -> Any:
        if asyncio.current_task() is requests_task:
            counts[f"simple: {query.split()[0].rstrip(';').upper()}" if not args else "extended"] += 1
        return await simple(self, query, *args, **kwargs)

    async def counted_prepare(self: Any, *args: Any, **kwargs: Any) -> Any:
        if asyncio.current_task() is requests_task:
            counts["prepare"] += 1
        return await prepare(self, *args, **kwargs)

    async def counted_do_execute(self: Any, *args: Any, **kwargs: Any) -> Any:
        if asyncio.current_task() is requests_task:
            counts["prepared"] += 1
        return await do_execute(self, *args, **kwargs)

    connection.execute = counted_execute
    connection._prepare = counted_prepare
    asyncpg.prepared_stmt.PreparedStatement._PreparedStatement__do_execute = (
        counted_do_execute)


def backends_cpu_ns(pids: list[int]) -> dict[int, int]:
    """CPU time so far of each PostgreSQL backend in `pids` that this machine shows (none for a remote server)."""
    found = {}
    for pid in pids:
        try:
            found[pid] = int(Path(f"/proc/{pid}/schedstat").read_text().split()[0])
        except (OSError, ValueError):
            continue
    return found


async def child(requests: int) -> dict[str, dict[str, dict[str, float]]]:
    from autosave import seed
    from sqlalchemy import text

    from edudx_common.db import create_engine
    from edudx_common.jwt import StaticKeys, TokenVerifier
    from submissions.config import Settings
    from submissions.main import create_app
    from tests.support import migrate

    url, schema = request_cpu.POSTGRES_URL, os.environ.get("EDUDX_BENCH_SCHEMA", "bench_round_trips")
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    await engine.dispose()
    await asyncio.to_thread(migrate, "submissions", url, schema)
    seed_engine = create_engine(url, schema=schema)
    try:
        found = await seed(seed_engine, 20)
    finally:
        await seed_engine.dispose()
    key, jwks = request_cpu.signing()
    settings = Settings(database_url=url, database_schema=schema, log_level="WARNING", evidence_url=None,
                        service_client_id="")
    app = create_app(settings)
    counts: Counter[str] = Counter()
    figures: dict[str, dict[str, float]] = {}
    server_cpu: dict[str, dict[str, float]] = {}
    watcher = create_engine(url)  # no `application_name`: not among the backends it looks for

    async def pool_backends() -> list[int]:
        async with watcher.connect() as conn:
            rows = await conn.execute(text("SELECT pid FROM pg_stat_activity WHERE application_name = :name"),
                                      {"name": f"edudx:{schema}"[:63]})
            return [row[0] for row in rows]
    async with app.router.lifespan_context(app):
        count_round_trips(counts)
        app.state.token_verifier = TokenVerifier(StaticKeys(jwks), issuer="edudx-identity", audience="edudx",
                                                 service_audience="edudx:submissions")
        people = [(submission_id, [(b"authorization", b"Bearer " + request_cpu.user_token(
            key, jwks, unit_id, ["school_it_officer"]).encode()), (b"accept", b"application/json")])
            for submission_id, unit_id in found]
        versions = {submission_id: 1 for submission_id, _ in found}

        async def save(i: int) -> None:
            submission_id, headers = people[i % len(people)]
            body = json.dumps({"values": {"s3_posts": i}}).encode()
            status, answer = await request_cpu.call(
                app, "PATCH", f"/api/submissions/submissions/{submission_id}",
                [*headers, (b"content-type", b"application/json"),
                 (b"if-match", f'"{versions[submission_id]}"'.encode())], body)
            assert status == 200, (status, answer[:300])
            versions[submission_id] += 1

        async def dashboard(i: int) -> None:
            _, headers = people[i % len(people)]
            status, answer = await request_cpu.call(app, "GET", "/api/submissions/submissions", headers,
                                                    query=b"limit=20")
            assert status == 200, (status, answer[:300])

        async def one(i: int) -> None:
            submission_id, headers = people[i % len(people)]
            status, answer = await request_cpu.call(app, "GET", f"/api/submissions/submissions/{submission_id}",
                                                    headers)
            assert status == 200, (status, answer[:300])

        runs: dict[str, Callable[[int], Awaitable[None]]] = {
            "autosave (PATCH)": save, "dashboard (GET list)": dashboard, "submission (GET one)": one}
        for label, run in runs.items():
            for i in range(2 * len(people)):  # warm-up: pool, statement caches (new and extended lines)
                await run(i)
            before = backends_cpu_ns(await pool_backends())
            counts.clear()
            for i in range(requests):
                await run(i)
            figures[label] = {kind: n / requests for kind, n in sorted(counts.items())}
            after = backends_cpu_ns(await pool_backends())
            if after:
                spent = sum(ns - before.get(pid, 0) for pid, ns in after.items())
                server_cpu[label] = {"PostgreSQL CPU µs": spent / requests / 1000}
    await watcher.dispose()
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    await engine.dispose()
    return {"round_trips": figures, "server_cpu": server_cpu}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", type=Path, default=REPO, help="the tree to compare with (default: this one)")
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--tree", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.tree:
        request_cpu.use_tree(args.tree.resolve())
        import logging

        logging.disable(logging.WARNING)
        print(json.dumps(asyncio.run(child(args.requests))))
        return
    results = {}
    for name, tree in (("base", args.base.resolve()), ("this tree", REPO)):
        output = subprocess.run(  # noqa: S603 - this interpreter and this script, fixed arguments
            [sys.executable, __file__, "--tree", str(tree), "--requests", str(args.requests)],
            check=True, capture_output=True, text=True, cwd=REPO).stdout
        results[name] = json.loads(output.strip().splitlines()[-1])
    print(f"### `bench/round_trips.py --requests {args.requests}` (base {args.base.resolve()})\n")
    print("| request | round trips to PostgreSQL per request, base | this tree |")
    print("|---|---|---|")
    trips = {name: results[name]["round_trips"] for name in results}
    for label in trips["base"]:
        cells = [", ".join(f"{kind} {n:g}" for kind, n in trips[name][label].items()) + " — **total "
                 f"{sum(trips[name][label].values()):g}**" for name in ("base", "this tree")]
        print(f"| {label} | {cells[0]} | {cells[1]} |")
    cpu = {name: results[name]["server_cpu"] for name in results}
    if cpu["base"] and cpu["this tree"]:
        print("\n| request | PostgreSQL backends' CPU per request, base | this tree | ratio |")
        print("|---|---|---|---|")
        for label in cpu["base"]:
            base_us, this_us = (cpu[name][label]["PostgreSQL CPU µs"] for name in ("base", "this tree"))
            print(f"| {label} | {base_us:.0f} µs | {this_us:.0f} µs | {this_us / base_us:.2f} |")


if __name__ == "__main__":
    main()
