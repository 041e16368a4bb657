"""Benchmark: CPU per request of the framework path, in process — the gateway proxying to a trivial service, and
submissions answering an autosave and the school's dashboard on PostgreSQL — for two copies of the code in one
sitting, alternating.

    .venv/bin/python bench/request_cpu.py [--base ../s8e-base] [--rounds 6] [--requests 1500]

Each measurement is a child process of this script that imports the code of one tree (`--base`: another worktree
of the repository, e.g. main's; the default compares this tree with itself), drives the ASGI app directly — the
same middleware stack, routes, dependencies, token check, database session and (for the gateway) upstream client as
in production, without uvicorn's protocol, which neither tree changes — and reports `time.process_time()` per
request over `--requests` requests after a warm-up. Rounds alternate base and this tree, so the load of a shared
machine falls on both; the ratio is what to read.

- gateway: `GET /api/submissions/…` and `PATCH` with a 200-byte JSON body and a bearer token, proxied to a
  trivial HTTP/1.1 server (another process, so its CPU is not counted) answering 1.5 KB of JSON.
- submissions: `PATCH /api/submissions/submissions/{id}` (an autosave of one answer, If-Match, as the school's IT
  officer), `GET /api/submissions/submissions` (the school's dashboard) and `GET …/campaigns/{id}/status` (the
  status view of every target, `--drafts` of them, as a reviewer of the Sở: a page of 50), on PostgreSQL
  (`EDUDX_BENCH_POSTGRES_URL`, default the local `test` database; schema `bench_request_cpu`, dropped before and
  after), with the seed-004 outline and its full answers in every draft. Schema `EDUDX_BENCH_SCHEMA` instead, for
  two runs at once.

`--instructions` counts instructions instead (valgrind's callgrind; a busy machine changes nothing but the time it
takes): each child runs under callgrind with instrumentation switched on only around the measured requests, and
without the background pollers (bulk actions, outbox, retention), which run per second of wall time and valgrind
stretches that. Use fewer requests (e.g. `--rounds 1 --requests 150`): the counts repeat within a fraction of a
percent. Submissions only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get("EDUDX_BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
SCHEMA = os.environ.get("EDUDX_BENCH_SCHEMA", "bench_request_cpu")  # its own, when others run this at once
SERVICES = ("common", "identity", "submissions", "gateway", "scoring", "evidence", "notifications")


def use_tree(tree: Path) -> None:
    """Import the code of `tree` ahead of the editable installs of this venv."""
    for service in SERVICES:
        sys.path.insert(0, str(tree / "services" / service / "src"))
    sys.path.insert(0, str(tree))


# --- a trivial upstream, in its own process ---------------------------------------------------------------

UPSTREAM_BODY = json.dumps({"items": [{"id": str(uuid.UUID(int=i)), "name": f"Trường THCS số {i}", "status": "draft"}
                                      for i in range(20)], "total": 20}, ensure_ascii=False).encode()


async def serve_upstream(port: int) -> None:
    head = (b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: "
            + str(len(UPSTREAM_BODY)).encode() + b"\r\n\r\n")

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                request_head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in request_head.split(b"\r\n"):
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                if length:
                    await reader.readexactly(length)
                writer.write(head + UPSTREAM_BODY)
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", port)
    async with server:
        await server.serve_forever()


# --- driving an ASGI app directly ----------------------------------------------------------------------------

async def call(app: Any, method: str, path: str, headers: list[tuple[bytes, bytes]], body: bytes = b"",
               query: bytes = b"") -> tuple[int, bytes]:
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": query, "root_path": "",
             "headers": [(b"host", b"bench"), *headers, *([(b"content-length", str(len(body)).encode())]
                                                        if body else [])],
             "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000), "state": {}}
    sent = False
    status = 0
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.Event().wait()
        raise AssertionError

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, b"".join(chunks)


def signing() -> tuple[Any, dict[str, Any]]:
    from cryptography.hazmat.primitives.asymmetric import rsa

    from identity.keys import public_jwk

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key, {"keys": [public_jwk(key.public_key())]}


def user_token(key: Any, jwks: dict[str, Any], unit_id: uuid.UUID, roles: list[str]) -> str:
    import jwt

    now = int(time.time())
    claims = {"sub": str(uuid.uuid5(unit_id, "officer")), "iss": "edudx-identity", "aud": "edudx", "iat": now,
              "exp": now + 3600, "kind": "user", "unit_id": str(unit_id), "roles": roles, "name": "Cán bộ CNTT",
              "sid": uuid.uuid4().hex}
    return str(jwt.encode(claims, key, algorithm="RS256", headers={"kid": jwks["keys"][0]["kid"]}))


COUNTING_INSTRUCTIONS = False  # set in a child run under callgrind (--instructions)


def callgrind(*args: str) -> None:
    subprocess.run(["callgrind_control", *args, str(os.getpid())], check=True, capture_output=True)  # noqa: S603,S607


async def measure(requests: int, one: Any) -> float:
    for i in range(max(50, requests // 10)):  # warm-up: caches, pools, statement caches
        await one(i)
    if COUNTING_INSTRUCTIONS:  # each measurement in its own dump: <out>.1, <out>.2 …
        callgrind("--instr=on")
        for i in range(requests):
            await one(i)
        callgrind("--dump")
        callgrind("--instr=off")
        return 0.0
    cpu = time.process_time()
    for i in range(requests):
        await one(i)
    return (time.process_time() - cpu) * 1000 / requests


def without_pollers() -> None:
    """No background polling while instructions are counted (see --instructions)."""
    from contextlib import asynccontextmanager

    from edudx_common.event_retention import EventRetention
    from edudx_common.tables.outbox_dispatcher import OutboxDispatcher
    from submissions.review.bulk import BulkRunner

    @asynccontextmanager
    async def idle(*_args: Any, **_kwargs: Any) -> Any:
        yield None

    for poller in (BulkRunner, OutboxDispatcher, EventRetention):
        poller.running = idle  # type: ignore[method-assign]


# --- the gateway -----------------------------------------------------------------------------------------------

async def gateway_child(requests: int, upstream_port: int) -> dict[str, float]:
    from edudx_common.jwt import StaticKeys
    from gateway.config import Settings
    from gateway.main import create_app

    key, jwks = signing()
    settings = Settings(services={"submissions": f"http://127.0.0.1:{upstream_port}"}, log_level="WARNING",
                        requests_per_minute_per_ip=10**9, requests_per_minute_per_user=10**9)
    app = create_app(settings, key_source=StaticKeys(jwks))
    token = user_token(key, jwks, uuid.uuid4(), ["school_it_officer"]).encode()
    auth = [(b"authorization", b"Bearer " + token), (b"accept", b"application/json"),
            (b"accept-encoding", b"gzip, deflate"), (b"user-agent", b"bench")]
    patch_body = json.dumps({"values": {"s3_posts": 12, "s3_note": "Đã cập nhật số liệu"}}).encode()
    figures: dict[str, float] = {}
    async with app.router.lifespan_context(app):
        async def get(_i: int) -> None:
            status, _ = await call(app, "GET", "/api/submissions/submissions", auth, query=b"limit=20")
            assert status == 200, status

        async def patch(_i: int) -> None:
            status, _ = await call(app, "PATCH", f"/api/submissions/submissions/{uuid.UUID(int=7)}",
                                   [*auth, (b"content-type", b"application/json"), (b"if-match", b'"3"')],
                                   patch_body)
            assert status == 200, status

        figures["gateway GET (proxied)"] = await measure(requests, get)
        figures["gateway PATCH (proxied)"] = await measure(requests, patch)
    return figures


# --- submissions ---------------------------------------------------------------------------------------------

async def submissions_child(requests: int, drafts: int) -> dict[str, float]:
    sys.path.insert(0, str(REPO / "bench"))
    from autosave import seed  # this tree's seed: the same rows for both trees
    from sqlalchemy import text

    from edudx_common.db import create_engine
    from edudx_common.jwt import StaticKeys, TokenVerifier
    from submissions.config import Settings
    from submissions.main import create_app
    from tests.support import migrate

    engine = create_engine(POSTGRES_URL)
    async with engine.begin() as conn:
        await conn.execute(text(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE'))
    await engine.dispose()
    await asyncio.to_thread(migrate, "submissions", POSTGRES_URL, SCHEMA)
    seed_engine = create_engine(POSTGRES_URL, schema=SCHEMA)
    try:
        found = await seed(seed_engine, drafts)
    finally:
        await seed_engine.dispose()
    key, jwks = signing()
    settings = Settings(database_url=POSTGRES_URL, database_schema=SCHEMA, log_level="WARNING", evidence_url=None,
                        service_client_id="")
    app = create_app(settings)
    figures: dict[str, float] = {}
    async with app.router.lifespan_context(app):
        app.state.token_verifier = TokenVerifier(StaticKeys(jwks), issuer="edudx-identity", audience="edudx",
                                                 service_audience="edudx:submissions")
        people = [(submission_id, [(b"authorization", b"Bearer " + user_token(
            key, jwks, unit_id, ["school_it_officer"]).encode()), (b"accept", b"application/json")])
            for submission_id, unit_id in found]
        versions = {submission_id: 1 for submission_id, _ in found}

        async def save(i: int) -> None:
            submission_id, headers = people[i % len(people)]
            body = json.dumps({"values": {"s3_posts": i}}).encode()
            status, answer = await call(app, "PATCH", f"/api/submissions/submissions/{submission_id}",
                                        [*headers, (b"content-type", b"application/json"),
                                         (b"if-match", f'"{versions[submission_id]}"'.encode())], body)
            assert status == 200, (status, answer[:300])
            versions[submission_id] += 1

        async def dashboard(i: int) -> None:
            _, headers = people[i % len(people)]
            status, answer = await call(app, "GET", "/api/submissions/submissions", headers, query=b"limit=20")
            assert status == 200, (status, answer[:300])

        async with engine.connect() as conn:
            campaign_id, issuer_id = (await conn.execute(text(
                f'SELECT id, issuer_unit_id FROM "{SCHEMA}".campaigns'))).one()  # noqa: S608 - our schema name
        reviewer = [(b"authorization", b"Bearer " + user_token(key, jwks, issuer_id, ["reviewer"]).encode()),
                    (b"accept", b"application/json")]

        async def status_view(_i: int) -> None:
            status, answer = await call(app, "GET", f"/api/submissions/campaigns/{campaign_id}/status", reviewer,
                                        query=b"limit=50")
            assert status == 200, (status, answer[:300])

        figures["submissions autosave (PATCH)"] = await measure(requests, save)
        figures["submissions dashboard (GET)"] = await measure(requests, dashboard)
        figures["submissions status view (GET, reviewer of the Sở, page of 50)"] = await measure(requests, status_view)
    engine = create_engine(POSTGRES_URL)
    async with engine.begin() as conn:
        await conn.execute(text(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE'))
    await engine.dispose()
    return figures


# --- the driver ------------------------------------------------------------------------------------------------

def run_child(tree: Path, part: str, args: argparse.Namespace, upstream_port: int) -> dict[str, float]:
    command = [sys.executable, __file__, "--child", part, "--tree", str(tree), "--requests", str(args.requests),
               "--upstream-port", str(upstream_port), "--drafts", str(args.drafts)]
    if not args.instructions:
        output = subprocess.run(  # noqa: S603 - this interpreter and this script, fixed arguments
            command, check=True, capture_output=True, text=True, cwd=REPO).stdout
        result: dict[str, float] = json.loads(output.strip().splitlines()[-1])
        return result
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "callgrind.out"
        valgrind = ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}"]
        output = subprocess.run(  # noqa: S603 - valgrind, this interpreter and this script, fixed arguments
            [*valgrind, *command, "--instructions"], check=True, capture_output=True, text=True, cwd=REPO).stdout
        labels = list(json.loads(output.strip().splitlines()[-1]))
        counts = {}
        for number, label in enumerate(labels, start=1):
            totals = [line for line in (Path(f"{out}.{number}")).read_text().splitlines()
                      if line.startswith(("totals:", "summary:"))]
            counts[label] = int(totals[-1].split()[1]) / args.requests / 1e6  # millions per request
        return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", type=Path, default=REPO, help="the tree to compare with (default: this one)")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--requests", type=int, default=1500)
    parser.add_argument("--drafts", type=int, default=100)
    parser.add_argument("--parts", default="gateway,submissions")
    parser.add_argument("--instructions", action="store_true",
                        help="count instructions under callgrind instead of CPU time (submissions only)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--tree", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--upstream-port", type=int, default=18690, help=argparse.SUPPRESS)
    parser.add_argument("--serve-upstream", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_upstream:
        asyncio.run(serve_upstream(args.upstream_port))
        return
    if args.child:
        use_tree(args.tree.resolve())
        import logging

        logging.disable(logging.WARNING)
        if args.instructions:
            global COUNTING_INSTRUCTIONS
            COUNTING_INSTRUCTIONS = True
            without_pollers()
        child = gateway_child(args.requests, args.upstream_port) if args.child == "gateway" else submissions_child(
            args.requests, args.drafts)
        print(json.dumps(asyncio.run(child)))
        return
    trees = {"base": args.base.resolve(), "this tree": REPO}
    upstream = subprocess.Popen([sys.executable, __file__, "--serve-upstream", "--upstream-port",  # noqa: S603
                                 str(args.upstream_port)])
    time.sleep(1.0)
    load_before = os.getloadavg()
    figures: dict[str, dict[str, list[float]]] = {name: {} for name in trees}
    try:
        for _ in range(args.rounds):
            for name, tree in trees.items():
                for part in args.parts.split(","):
                    for label, ms in run_child(tree, part, args, args.upstream_port).items():
                        figures[name].setdefault(label, []).append(ms)
    finally:
        upstream.terminate()
        upstream.wait()
    load_after = os.getloadavg()
    print(f"### `bench/request_cpu.py --rounds {args.rounds} --requests {args.requests}"
          f"{' --instructions' if args.instructions else ''}` "
          f"(base {trees['base']}; load average before {' '.join(f'{x:.2f}' for x in load_before)}, "
          f"after {' '.join(f'{x:.2f}' for x in load_after)})\n")
    unit = "millions of instructions" if args.instructions else "CPU ms"
    print(f"| request | base {unit} (median of rounds) | this tree | this / base | base min | this min |")
    print("|---|---:|---:|---:|---:|---:|")
    for label, base_rounds in figures["base"].items():
        now_rounds = figures["this tree"][label]
        base, now = statistics.median(base_rounds), statistics.median(now_rounds)
        print(f"| {label} | {base:.3f} | {now:.3f} | **{now / base:.2f}** | {min(base_rounds):.3f} | "
              f"{min(now_rounds):.3f} |")


if __name__ == "__main__":
    main()
