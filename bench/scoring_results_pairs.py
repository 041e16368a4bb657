"""`bench/scoring_results.py --base <checkout>`: the results requests sent to two scoring processes in turn (the
base checkout's code and this tree's, on the same database), request by request so machine load hits both alike,
with the CPU time each request cost the answering scoring process and the PostgreSQL backends serving it.

The "after a write" rows change one score sheet (an UPDATE on the bench's own connection, not timed) before each
request: the page's figures cannot come from anything kept since the last request.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import status_view

PG_PORT = 5432


class Db:
    """One asyncpg connection used from this synchronous bench (its own event loop)."""

    def __init__(self, dsn: str) -> None:
        self.loop = asyncio.new_event_loop()
        self.conn = self.loop.run_until_complete(asyncpg.connect(dsn.replace("postgresql+asyncpg", "postgresql")))

    def fetch(self, query: str, *args: Any) -> list[Any]:
        return list(self.loop.run_until_complete(self.conn.fetch(query, *args)))

    def execute(self, query: str, *args: Any) -> None:
        self.loop.run_until_complete(self.conn.execute(query, *args))

    def close(self) -> None:
        self.loop.run_until_complete(self.conn.close())
        self.loop.close()


@dataclass
class Pair:
    label: str
    size: int
    samples: dict[str, list[float]] = field(default_factory=dict)  # way → seconds
    service_cpu: dict[str, float] = field(default_factory=dict)  # way → seconds of the scoring process
    db_cpu: dict[str, float] = field(default_factory=dict)  # way → seconds of its PostgreSQL backends
    body_bytes: int = 0

    def pct(self, way: str, p: float) -> float:
        ordered = sorted(self.samples[way])
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] * 1000

    def per_request(self, cpu: dict[str, float], way: str) -> float:
        return 1000 * cpu[way] / len(self.samples[way])


def _socket_inodes(pid: int) -> set[str]:
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    return inodes


def _local_ports_to_postgres(pid: int) -> set[int]:
    """The local ports of a process's TCP connections to PostgreSQL (its pool), from /proc."""
    inodes = _socket_inodes(pid)
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            parts = line.split()
            local, remote, inode = parts[1], parts[2], parts[9]
            if inode in inodes and int(remote.rsplit(":", 1)[1], 16) == PG_PORT:
                ports.add(int(local.rsplit(":", 1)[1], 16))
    return ports


def backend_pids(db: Db, pid: int) -> list[int]:
    """The PostgreSQL backends serving the connections of process `pid`."""
    ports = _local_ports_to_postgres(pid)
    if not ports:
        return []
    rows = db.fetch("SELECT pid FROM pg_stat_activity WHERE client_port = ANY($1::int[])", list(ports))
    return [row[0] for row in rows]


def _cpu(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            total += status_view.cpu_seconds(pid)
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


def alternate(label: str, size: int, runs: int, calls: dict[str, Callable[[], httpx.Response]],
              pids: dict[str, int], db: Db, warmup: int = 2,
              before_each: Callable[[], None] | None = None) -> Pair:
    for _ in range(warmup):
        for call in calls.values():
            call().raise_for_status()
    pair = Pair(label, size, {way: [] for way in calls}, dict.fromkeys(calls, 0.0), dict.fromkeys(calls, 0.0))
    for _ in range(runs):
        for way, call in calls.items():
            if before_each is not None:
                before_each()
            backends = backend_pids(db, pids[way])
            service, database = status_view.cpu_seconds(pids[way]), _cpu(backends)
            start = time.perf_counter()
            response = call()
            pair.samples[way].append(time.perf_counter() - start)
            pair.service_cpu[way] += status_view.cpu_seconds(pids[way]) - service
            pair.db_cpu[way] += _cpu(backends) - database
            response.raise_for_status()
            pair.body_bytes = len(response.content)
    return pair


def touch_one_sheet(db: Db, schema: str, campaign_id: object) -> Callable[[], None]:
    """A write of one sheet of the campaign (its updated_at), committed: what a score write does to the figures."""
    def touch() -> None:
        db.execute(f'UPDATE "{schema}".score_sheets SET updated_at = now() WHERE id = (SELECT id FROM '  # noqa: S608 - our schema name
                   f'"{schema}".score_sheets WHERE campaign_id = $1 LIMIT 1)', campaign_id)
    return touch


def measure(https: dict[str, httpx.Client], pids: dict[str, int], identity_url: str,
            datasets: list[status_view.Dataset], requests: int, schema: str, dsn: str) -> list[Pair]:
    pairs = []
    db = Db(dsn)
    try:
        for data in datasets:
            so = status_view.login(identity_url, data.admin_email)
            url = f"/api/scoring/campaigns/{data.campaign_id}/results"
            last: dict[str, str | int] = {"limit": 50, "offset": max(0, data.size - 50), "sort": "name"}

            def calls(params: dict[str, str | int] | None = None, suffix: str = "",
                      headers: dict[str, str] = so, u: str = url) -> dict[str, Callable[[], httpx.Response]]:
                return {way: partial(http.get, f"{u}{suffix}", headers=headers, params=params)
                        for way, http in https.items()}

            search: dict[str, str | int] = {"q": "truong 1"}
            for label, chosen in (("results (figures + page 1 of 50)", None),
                                  ("results, search 'truong 1' (page 1)", search),
                                  ("results, last page by name", last)):
                pairs.append(alternate(label, data.size, requests, calls(chosen), pids, db))
            pairs.append(alternate("results (figures + page 1), one sheet written before each", data.size, requests,
                                   calls(), pids, db, before_each=touch_one_sheet(db, schema, data.campaign_id)))
            pairs.append(alternate("ranking export (XLSX)", data.size, max(2, requests // 2), calls(None, "/export"),
                                   pids, db, warmup=1))
    finally:
        db.close()
    return pairs


def report(pairs: list[Pair], base: Path, load: tuple[float, ...]) -> None:
    print(f"\n### Results over loopback HTTP, base `{base.name}` and this tree alternating request by request (ms)")
    print(f"load average before {' '.join(f'{x:.2f}' for x in load)}, after "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}\n")
    print("| request | schools | way | n | p50 | p95 | max | scoring CPU-ms/req | PostgreSQL CPU-ms/req | response |")
    print("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|")
    for pair in pairs:
        for way, samples in pair.samples.items():
            print(f"| {pair.label} | {pair.size:,} | {way} | {len(samples)} | "
                  f"{statistics.median(samples) * 1000:.1f} | {pair.pct(way, 95):.1f} | {max(samples) * 1000:.1f} | "
                  f"{pair.per_request(pair.service_cpu, way):.1f} | {pair.per_request(pair.db_cpu, way):.1f} | "
                  f"{pair.body_bytes / 1024:,.0f} KiB |")
    print("\n| request | schools | p50 base → this | p95 base → this | p95 ratio | CPU-ms/req (scoring + PostgreSQL) "
          "base → this |")
    print("|---|---:|---:|---:|---:|---:|")
    for pair in pairs:
        b, t = "base", "this tree"
        cpu = {way: pair.per_request(pair.service_cpu, way) + pair.per_request(pair.db_cpu, way) for way in (b, t)}
        print(f"| {pair.label} | {pair.size:,} | {statistics.median(pair.samples[b]) * 1000:.0f} → "
              f"{statistics.median(pair.samples[t]) * 1000:.0f} | {pair.pct(b, 95):.0f} → {pair.pct(t, 95):.0f} | "
              f"{pair.pct(t, 95) / pair.pct(b, 95):.2f} | {cpu[b]:.1f} → {cpu[t]:.1f} |")
