"""The load-generating process of bench/deadline_day.py: closed-loop aiohttp clients over loopback.

    .venv/bin/python bench/deadline_load.py PLAN.json PHASE OUT.json

Runs in its own process so the clients' CPU is not counted in any service's process and a slow client loop
cannot stall the services. PLAN.json (written by deadline_day.py) names the gateway, the accounts, the
submissions to work on, each level's own complete drafts to submit and the upload files; PHASE is `mix` (the
deadline-day mixes at increasing concurrency) or `overhead` (one read endpoint directly, through the gateway and
through nginx). Each level is bounded by a number of requests and a number of seconds, whichever comes first, and
ends early if its drafts to submit run out (sending something else instead would change the mix). Writes the raw
figures as JSON to OUT.json; deadline_day.py makes the report.

aiohttp on uvloop, not httpx: the load shares the machine's two cores with what it measures, and httpx spent
about 1 ms of CPU per request here against aiohttp's 0.15 ms. The process's own CPU per request is reported too.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import sys
import time
from collections import defaultdict, deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import uvloop

# Loopback; a request that takes this long has failed for our purposes.
TIMEOUT = aiohttp.ClientTimeout(total=60.0, connect=10.0)
MAX_CONNECTIONS = 400


def session(base_url: str, headers: dict[str, str] | None = None) -> aiohttp.ClientSession:
    return aiohttp.ClientSession(base_url=base_url, timeout=TIMEOUT, headers=headers,
                                 connector=aiohttp.TCPConnector(limit=MAX_CONNECTIONS))


def pct(samples: list[float], p: float) -> float:
    """The p-th percentile (nearest rank) in milliseconds; 0 when there are no samples."""
    if not samples:
        return 0.0
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] * 1000


@dataclass
class Draft:
    """One open draft the load works on; checked out by one client at a time so saves never race."""

    id: str
    token: str
    version: int


class DraftsUsedUp(Exception):
    """The level has submitted every draft it was given."""


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    error_samples: list[str] = field(default_factory=list)
    bytes_up: int = 0

    def failed(self, kind: str, what: str) -> None:
        self.errors[kind] += 1
        if len(self.error_samples) < 10:
            self.error_samples.append(f"{kind}: {what}"[:300])


class Province:
    """Everything the clients need: tokens, drafts open for saving, the current level's drafts to submit."""

    def __init__(self, plan: dict[str, Any], tokens: dict[str, str]) -> None:
        self.plan = plan
        rng = random.Random(10)  # noqa: S311 - load shape, not secrets
        drafts = [Draft(d["id"], tokens[d["email"]], d["version"]) for d in plan["drafts"]]
        rng.shuffle(drafts)
        # Saves and uploads work on the partial drafts, as the schools still filling theirs in; the complete ones
        # wait for their level's submits (plan["submits"]).
        partial = {d["id"] for d in plan["drafts"] if not d["complete"]}
        self.open = deque(d for d in drafts if d.id in partial)
        # Refilled before each level with its own drafts; what a level leaves passes on to the next.
        self.ready: deque[Draft] = deque()
        self.school_tokens = sorted({d.token for d in drafts})
        self.reviewer_tokens = [tokens[r["email"]] for r in plan["reviewers"]]
        self.uploads = [Path(p).read_bytes() for p in plan["upload_files"]]
        self.answers: dict[str, Any] = plan["answers"]
        self.submitted = 0


async def login(identity_url: str, emails: list[str], password: str) -> dict[str, str]:
    """Tokens from identity's real login. Straight at identity, not through the gateway: the gateway allows
    20 logins a minute per address, and on the real deadline day the schools come from thousands of
    addresses, not from one loopback client. The logins are set-up, not part of any measured figure."""
    tokens: dict[str, str] = {}
    gate = asyncio.Semaphore(4)

    async def one(email: str) -> None:
        async with gate, http.post("/api/identity/auth/login", json={"email": email, "password": password}) as answer:
            answer.raise_for_status()
            tokens[email] = (await answer.json())["access_token"]

    async with session(identity_url) as http:
        await asyncio.gather(*(one(e) for e in emails))
    return tokens


def cpu_seconds(pids: dict[str, int]) -> dict[str, float]:
    """User + system CPU each named process and its descendants (a service's uvicorn workers) have used so far
    (/proc/<pid>/stat), whatever else runs."""
    tick = os.sysconf("SC_CLK_TCK")
    stats: dict[int, tuple[int, float]] = {}  # pid → (parent, CPU seconds)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        stats[int(stat.parent.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / tick)  # utime, stime
    children: dict[int, list[int]] = defaultdict(list)
    for pid, (parent, _) in stats.items():
        children[parent].append(pid)
    used: dict[str, float] = {}
    for name, pid in pids.items():
        if pid not in stats:
            continue
        tree, total = [pid], 0.0
        while tree:
            current = tree.pop()
            total += stats[current][1]
            tree.extend(children.get(current, []))
        used[name] = total
    return used


def postgres_pids() -> dict[str, int]:
    """The PostgreSQL server's backends and helpers on this machine, named `postgres:<pid>` so their CPU adds up
    under one name. Not the postmaster: its process tree holds every backend, and backends that end during a
    level would make its total shrink."""
    found: dict[str, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() != "postgres":
                    continue
                parent = (entry / "stat").read_text().rsplit(")", 1)[1].split()[1]
                if Path(f"/proc/{parent}/comm").read_text().strip() == "postgres":
                    found[f"postgres:{entry.name}"] = int(entry.name)
            except OSError:
                continue
    return found


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@asynccontextmanager
async def checked_out(province: Province) -> AsyncIterator[Draft]:
    """A draft nobody else is working on, given back afterwards."""
    draft = province.open.popleft()
    try:
        yield draft
    finally:
        province.open.append(draft)


async def save_draft(http: aiohttp.ClientSession, province: Province, rng: random.Random, tally: Tally) -> str:
    async with checked_out(province) as draft:
        keys = rng.sample(sorted(province.answers), k=3)
        async with http.patch(f"/api/submissions/submissions/{draft.id}",
                              headers={**_bearer(draft.token), "If-Match": f'"{draft.version}"'},
                              json={"values": {k: province.answers[k] for k in keys}}) as response:
            if response.status == 200:
                draft.version = (await response.json())["version"]
            else:
                tally.failed("save", f"{response.status} {await response.text()}")
    return "save"


async def read_status(http: aiohttp.ClientSession, province: Province, rng: random.Random, tally: Tally) -> str:
    if rng.random() < 0.5:
        kind, path, limit = "read_dashboard", "/api/submissions/submissions", 20
        token = rng.choice(province.school_tokens)
    else:
        kind, path, limit = "read_status_view", f"/api/submissions/campaigns/{province.plan['campaign_id']}/status", 50
        token = rng.choice(province.reviewer_tokens)
    async with http.get(path, params={"limit": limit}, headers=_bearer(token)) as response:
        body = await response.read()
        if response.status != 200:
            tally.failed(kind, f"{response.status} {body[:200]!r}")
    return kind


async def upload(http: aiohttp.ClientSession, province: Province, rng: random.Random, tally: Tally) -> str:
    async with checked_out(province) as draft:
        body = bytearray(rng.choice(province.uploads))
        # A few random bytes inside the image stream: every upload is a different file (no duplicate refusal).
        spot = len(body) // 2
        body[spot:spot + 16] = os.urandom(16)
        # The file name as browsers send it: UTF-8, not percent-encoded.
        form = aiohttp.FormData(quote_fields=False)
        form.add_field("submission_id", draft.id)
        form.add_field("criterion_codes", "1.1")
        form.add_field("title", "Minh chứng ngày hạn chót")
        form.add_field("file", bytes(body), filename="Kế hoạch ứng dụng CNTT.pdf", content_type="application/pdf")
        async with http.post("/api/evidence/files", headers=_bearer(draft.token), data=form) as response:
            if response.status == 201:
                tally.bytes_up += len(body)
            else:
                tally.failed("upload", f"{response.status} {await response.text()}")
    return "upload"


async def submit(http: aiohttp.ClientSession, province: Province, rng: random.Random, tally: Tally) -> str:
    if not province.ready:
        raise DraftsUsedUp
    draft = province.ready.popleft()
    async with http.post(f"/api/submissions/submissions/{draft.id}/submit", headers=_bearer(draft.token),
                         json={"base_version": draft.version}) as response:
        if response.status == 200:
            province.submitted += 1
            await response.read()
        else:
            tally.failed("submit", f"{response.status} {await response.text()}")
    return "submit"


OPERATIONS = {"save": save_draft, "read": read_status, "upload": upload, "submit": submit}


async def run_level(http: aiohttp.ClientSession, province: Province, mix: dict[str, int], concurrency: int,
                    seconds: float, max_requests: int) -> dict[str, Any]:
    """`concurrency` clients, each sending its next request as soon as the last one is answered."""
    tally = Tally()
    names = list(mix)
    weights = [mix[n] for n in names]
    sent = 0
    stop_at = time.perf_counter() + seconds
    submit_drafts = len(province.ready)
    used_up_after: float | None = None

    async def client(seed: int) -> None:
        nonlocal sent, used_up_after
        rng = random.Random(seed)  # noqa: S311 - load shape, not secrets
        while sent < max_requests and time.perf_counter() < stop_at and used_up_after is None:
            sent += 1
            operation = OPERATIONS[rng.choices(names, weights)[0]]
            start = time.perf_counter()
            try:
                kind = await operation(http, province, rng, tally)
            except DraftsUsedUp:
                # The level ends here: a save in the submit's place would measure a lighter mix than the others.
                used_up_after = time.perf_counter() - started
                return
            except (aiohttp.ClientError, TimeoutError) as exc:
                tally.failed(operation.__name__, f"{type(exc).__name__} {exc}")
                continue
            tally.latencies[kind].append(time.perf_counter() - start)

    pids = {**province.plan["pids"], **postgres_pids(), "load generator": os.getpid()}
    cpu_before = cpu_seconds(pids)
    started = time.perf_counter()
    await asyncio.gather(*(client(concurrency * 1000 + i) for i in range(concurrency)))
    elapsed = time.perf_counter() - started
    cpu_used: dict[str, float] = defaultdict(float)
    # PostgreSQL backends started during the level (pools growing with the clients) count from zero.
    for name, seconds in cpu_seconds({**pids, **postgres_pids()}).items():
        cpu_used[name.split(":")[0]] += seconds - cpu_before.get(name, 0.0)
    every = [s for samples in tally.latencies.values() for s in samples]
    return {
        "cpu_ms_per_request": {n: t * 1000 / max(1, len(every)) for n, t in sorted(cpu_used.items())},
        "concurrency": concurrency, "seconds": elapsed, "requests": len(every),
        "errors": sum(tally.errors.values()), "error_samples": tally.error_samples,
        "throughput": len(every) / elapsed, "p50": pct(every, 50), "p95": pct(every, 95), "p99": pct(every, 99),
        "mb_per_s": tally.bytes_up / 1e6 / elapsed,
        "submit_drafts": submit_drafts, "drafts_used_up_after": used_up_after,
        "by_kind": {k: {"n": len(v), "p50": pct(v, 50), "p95": pct(v, 95), "errors": tally.errors.get(k, 0)}
                    for k, v in sorted(tally.latencies.items())},
    }


async def phase_mix(plan: dict[str, Any]) -> dict[str, Any]:
    async with session(plan["gateway"]) as http:
        submitters = {d["email"] for levels in plan["submits"].values() for drafts in levels for d in drafts}
        emails = sorted({d["email"] for d in plan["drafts"]} | submitters | {r["email"] for r in plan["reviewers"]})
        start = time.perf_counter()
        tokens = await login(plan["identity"], emails, plan["password"])
        login_seconds = time.perf_counter() - start
        await asyncio.to_thread(Path(plan["ready_file"]).touch)  # the profiler starts now
        province = Province(plan, tokens)
        out: dict[str, Any] = {"logins": len(tokens), "login_seconds": login_seconds, "mixes": {},
                               "drafts_to_save": len(province.open)}
        for name, mix in plan["mixes"].items():
            levels = []
            for concurrency, to_submit in zip(plan["levels"], plan["submits"][name], strict=True):
                province.ready.extend(Draft(d["id"], tokens[d["email"]], d["version"]) for d in to_submit)
                level = await run_level(http, province, mix, concurrency, plan["seconds"], plan["max_requests"])
                levels.append(level)
                used_up = level["drafts_used_up_after"]
                print(f"{name} c={concurrency}: {level['throughput']:.0f} req/s p95 {level['p95']:.0f} ms "
                      f"errors {level['errors']} submits {level['by_kind'].get('submit', {}).get('n', 0)} of "
                      f"{level['submit_drafts']}{'' if used_up is None else f' — USED UP after {used_up:.1f} s'}",
                      file=sys.stderr, flush=True)
            out["mixes"][name] = levels
        out["submitted"] = province.submitted
        return out


async def phase_overhead(plan: dict[str, Any]) -> dict[str, Any]:
    """The same GET against each base URL, alternating, same concurrency: throughput and latency per path."""
    overhead = plan["overhead"]
    tokens = await login(plan["identity"], [overhead["email"]], plan["password"])
    headers = _bearer(tokens[overhead["email"]])
    results: dict[str, list[dict[str, Any]]] = defaultdict(list)
    clients = {name: session(url, headers) for name, url in overhead["targets"].items()}
    try:
        for http in clients.values():  # warm-up: connections, caches
            for _ in range(20):
                async with http.get(overhead["path"]) as response:
                    response.raise_for_status()
                    await response.read()
        for _round in range(overhead["rounds"]):
            for name, http in clients.items():
                results[name].append(await _hammer(http, overhead["path"], overhead["concurrency"],
                                                   overhead["requests"], overhead["seconds"]))
    finally:
        for http in clients.values():
            await http.close()
    return {"path": overhead["path"], "concurrency": overhead["concurrency"], "runs": results}


async def _hammer(http: aiohttp.ClientSession, path: str, concurrency: int, requests: int,
                  seconds: float) -> dict[str, Any]:
    latencies: list[float] = []
    errors = 0
    left = requests
    stop_at = time.perf_counter() + seconds

    async def client() -> None:
        nonlocal left, errors
        while left > 0 and time.perf_counter() < stop_at:
            left -= 1
            start = time.perf_counter()
            async with http.get(path) as response:
                await response.read()
            latencies.append(time.perf_counter() - start)
            errors += response.status != 200

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    return {"requests": len(latencies), "errors": errors, "throughput": len(latencies) / elapsed,
            "p50": pct(latencies, 50), "p95": pct(latencies, 95)}


def main() -> None:
    plan_path, phase, out_path = sys.argv[1:4]
    plan = json.loads(Path(plan_path).read_text())
    result = uvloop.run(phase_mix(plan) if phase == "mix" else phase_overhead(plan))
    Path(out_path).write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
