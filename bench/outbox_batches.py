"""Benchmark: events delivered per CPU-second of the outbox's sender and of its receiver — single posts (one
`POST …/events` per event) against batches (`POST …/events/batch`) — for two copies of the code in one sitting.

    .venv/bin/python bench/outbox_batches.py --base ../base [--events 2000] [--rounds 3]

Each round runs, in turn: the base tree (its dispatcher as it is: single posts when it has no batches), this tree
with `batches=False` (single posts) and this tree (batches). For each, a receiver process (uvicorn serving the
tree's `create_service_app` with the inbox: `accept_once` and one insert per event, the shape of every service's
event route, without a service token check) and a sender process (the tree's `OutboxDispatcher` with 100 messages a
pass, `deliver_due` until the outbox is drained, after seeding `--events` events), both on PostgreSQL
(`EDUDX_BENCH_POSTGRES_URL`, default the local `test` database; schemas `bench_outbox_*`, dropped before and after).
CPU is each process's own (user + system) over the delivery only; wall time is the sender's.

What it leaves out: the real handlers' work per event (the same either way) and the service token check and
principal (once per request: batches save it too, so the saving here is a lower bound).
"""

# No `from __future__ import annotations`: FastAPI reads the receiver routes' annotations, names imported inside
# the function (from the tree under test).
import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get("EDUDX_BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
SERVICES = ("common", "identity", "submissions", "gateway", "scoring", "evidence", "notifications")
RECEIVER = "notifications"


def use_tree(tree: Path) -> None:
    """Import the code of `tree` ahead of the editable installs of this venv."""
    for service in SERVICES:
        sys.path.insert(0, str(tree / "services" / service / "src"))
    sys.path.insert(0, str(tree))


async def fresh_schema(schema: str) -> None:
    from sqlalchemy import text

    from edudx_common.db import create_engine

    admin = create_engine(POSTGRES_URL)
    async with admin.begin() as conn:
        await conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    await admin.dispose()


async def drop_schema(schema: str) -> None:
    from sqlalchemy import text

    from edudx_common.db import create_engine

    admin = create_engine(POSTGRES_URL)
    async with admin.begin() as conn:
        await conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    await admin.dispose()


# --- the receiver ----------------------------------------------------------------------------------------------

def receiver_app(schema: str) -> Any:
    from contextlib import asynccontextmanager

    from fastapi import APIRouter, FastAPI
    from sqlalchemy import JSON, Column, Integer, MetaData, Table, Uuid, insert
    from sqlalchemy.ext.asyncio import AsyncSession
    from sqlmodel import SQLModel

    from edudx_common.app import create_service_app
    from edudx_common.db import SessionDep, create_engine, session_factory
    from edudx_common.tables.inbox import EventEnvelope, InboxEvent, accept_once

    metadata = MetaData()
    effects = Table("effects", metadata, Column("id", Integer, primary_key=True, autoincrement=True),
                    Column("event_id", Uuid, nullable=False), Column("payload", JSON, nullable=False))
    router = APIRouter()

    async def handle(session: AsyncSession, envelope: EventEnvelope) -> bool:
        if not await accept_once(session, event_id=envelope.id, event_type=envelope.type):
            return False
        await session.execute(insert(effects).values(event_id=envelope.id, payload=envelope.payload))
        return True

    @router.post("/events", status_code=204)
    async def receive_event(envelope: EventEnvelope, session: SessionDep) -> None:
        await handle(session, envelope)

    try:
        from edudx_common.tables.event_batches import EventBatch, EventBatchResults, receive_batch
    except ImportError:  # a tree from before batches: its receivers have the single route only
        pass
    else:
        from edudx_common.auth import Principal

        sender = Principal(subject="service:submissions", kind="service")  # no token checked here, as for /events

        @router.post("/events/batch")
        async def receive_event_batch(batch: EventBatch, session: SessionDep) -> EventBatchResults:
            return await receive_batch(session, batch, handle, caller=sender)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> Any:
        engine = create_engine(POSTGRES_URL, schema=schema)
        async with engine.begin() as conn:
            inbox: Table = InboxEvent.__table__  # type: ignore[attr-defined]
            await conn.run_sync(lambda sync: SQLModel.metadata.create_all(sync, tables=[inbox]))
            await conn.run_sync(metadata.create_all)
        app.state.session_factory = session_factory(engine)
        yield
        await engine.dispose()

    return create_service_app(name=RECEIVER, title="bench receiver", description="bench", version="bench",
                              routers=[router], lifespan=lifespan)


def run_receiver(schema: str, port: int) -> None:
    import uvicorn

    from edudx_common.logging import configure_logging
    from edudx_common.server import BufferedHttpTools

    asyncio.run(fresh_schema(schema))
    configure_logging(RECEIVER, level="WARNING")
    # served as every EduDX process is (edudx_common.server's protocol), not with uvicorn's default
    uvicorn.run(receiver_app(schema), host="127.0.0.1", port=port, log_level="warning",
                http=BufferedHttpTools)  # type: ignore[arg-type]  # uvicorn types protocols as asyncio.Protocol


# --- the sender ------------------------------------------------------------------------------------------------

async def run_sender(schema: str, url: str, events: int, single: bool) -> dict[str, Any]:
    from sqlmodel import SQLModel

    from edudx_common.db import create_engine, session_factory
    from edudx_common.http import ServiceClient
    from edudx_common.logging import configure_logging
    from edudx_common.tables.outbox import OutboxMessage, add_event

    try:
        from edudx_common.tables.outbox_dispatcher import OutboxDispatcher
    except ImportError:
        from edudx_common.tables.outbox import OutboxDispatcher  # type: ignore[attr-defined,no-redef]

    configure_logging("submissions", level="WARNING")
    await fresh_schema(schema)
    engine = create_engine(POSTGRES_URL, schema=schema)
    async with engine.begin() as conn:
        outbox = OutboxMessage.__table__  # type: ignore[attr-defined]
        await conn.run_sync(lambda sync: SQLModel.metadata.create_all(sync, tables=[outbox]))
    sessions = session_factory(engine)
    for start in range(0, events, 500):
        async with sessions() as session, session.begin():
            for n in range(start, min(start + 500, events)):
                # About an autosave's event: ids, a state, a time, a unit's path.
                add_event(session, event_type="submission.saved", receivers=[RECEIVER], payload={
                    "submission_id": uuid.uuid4(), "campaign_id": uuid.UUID(int=n % 7), "unit_id": uuid.uuid4(),
                    "state": "draft", "version": n, "saved_at": "2026-12-07T10:00:00Z",
                    "unit_path": [str(uuid.UUID(int=i)) for i in range(4)]})
    client = ServiceClient(url, name=RECEIVER, timeout=30, retries=0)
    options: dict[str, Any] = {"batch_size": 100}
    if single and "batches" in OutboxDispatcher.__init__.__code__.co_varnames:
        options["batches"] = False
    dispatcher = OutboxDispatcher(sessions, {RECEIVER: client}, **options)
    await client.get("/healthz")
    cpu, wall, delivered = time.process_time(), time.perf_counter(), 0
    while passed := await dispatcher.deliver_due():
        delivered += passed
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    await client.aclose()
    await engine.dispose()
    await drop_schema(schema)
    return {"delivered": delivered, "cpu_s": cpu, "wall_s": wall}


# --- the parent ------------------------------------------------------------------------------------------------

def process_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def one_run(tree: Path, *, single: bool, events: int, tag: str) -> dict[str, Any]:
    import httpx

    port = free_port()
    me = [sys.executable, str(Path(__file__).resolve()), "--tree", str(tree)]
    receiver = subprocess.Popen([*me, "--receiver", "--schema", f"bench_outbox_r_{tag}", "--port", str(port)])  # noqa: S603
    try:
        for _ in range(300):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        before = process_cpu(receiver.pid)
        sender = subprocess.run([*me, "--sender", "--schema", f"bench_outbox_s_{tag}", "--events", str(events),  # noqa: S603
                                 "--url", f"http://127.0.0.1:{port}", *(["--single"] if single else [])],
                                check=True, capture_output=True, text=True)
        result: dict[str, Any] = json.loads(sender.stdout.strip().splitlines()[-1])
        result["receiver_cpu_s"] = process_cpu(receiver.pid) - before
    finally:
        receiver.terminate()
        receiver.wait(timeout=30)
    asyncio.run(drop_schema(f"bench_outbox_r_{tag}"))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", type=Path, default=REPO, help="the other tree (default: this one)")
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--tree", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--receiver", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--sender", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--single", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--schema", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.tree is not None:
        use_tree(args.tree)
        if args.receiver:
            run_receiver(args.schema, args.port)
        else:
            print(json.dumps(asyncio.run(run_sender(args.schema, args.url, args.events, args.single))))
        return

    variants = [("base", args.base.resolve(), False), ("this, single posts", REPO, True),
                ("this, batches", REPO, False)]
    results: dict[str, list[dict[str, Any]]] = {name: [] for name, _, _ in variants}
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    for round_ in range(args.rounds):
        for i, (name, tree, single) in enumerate(variants):
            result = one_run(tree, single=single, events=args.events, tag=f"{round_}_{i}")
            results[name].append(result)
            print(f"round {round_ + 1} {name}: {json.dumps(result)}", flush=True)
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    print()
    print("| variant | events | sender CPU-ms/event | receiver CPU-ms/event | events per CPU-s (both) | wall s |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, runs in results.items():
        delivered = runs[0]["delivered"]
        sender = statistics.median(r["cpu_s"] for r in runs) * 1000 / delivered
        receiver = statistics.median(r["receiver_cpu_s"] for r in runs) * 1000 / delivered
        wall = statistics.median(r["wall_s"] for r in runs)
        print(f"| {name} | {delivered} | {sender:.3f} | {receiver:.3f} | {1000 / (sender + receiver):.0f} | "
              f"{wall:.2f} |")


if __name__ == "__main__":
    main()
