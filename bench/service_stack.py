"""Benchmark: CPU per request of the stack every service app gets from `create_service_app` (its layers, FastAPI's
routing and response building), around trivial routes, for two copies of the code in one sitting, alternating.

    .venv/bin/python bench/service_stack.py --base ../main-base [--rounds 3] [--requests 4000]

What a route of its own costs is measured by bench/request_cpu.py; this isolates the fixed cost the stack adds to
every request of every service: `GET` (a page, so the page's request is noted), `PATCH` with a small JSON body (the
body limits wrap `receive`), `POST` answering 201 with an `id` (the Location is looked up). No token, no database.
Each measurement is a child process importing one tree; it reports the best of 5 passes of `--requests` requests
(`time.process_time()`), after a warm-up. The ratio is what to read on a shared machine.
"""

# No `from __future__ import annotations`: the routes are defined inside `child` (after the tree is on the path),
# and FastAPI reads their annotations, which must then be objects, not names.
import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
KINDS = (("GET", "/api/probe/things", b""), ("PATCH", "/api/probe/things/3", b'{"values": {"a": 1}}'),
         ("POST", "/api/probe/things", b'{"values": {"a": 1}}'))


async def child(requests: int) -> dict[str, float]:
    from contextlib import asynccontextmanager

    from fastapi import APIRouter, FastAPI
    from pydantic import BaseModel

    from edudx_common.app import create_service_app
    from edudx_common.logging import configure_logging
    from edudx_common.pagination import Page, PageParamsDep

    sys.path.insert(0, str(REPO / "bench"))
    from request_cpu import call

    configure_logging("probe", "WARNING")

    class Change(BaseModel):
        values: dict[str, int]

    router = APIRouter()

    @router.get("/things", response_model=Page[int])
    async def list_things(page: PageParamsDep) -> Page[int]:
        return Page[int](items=[], total=0, limit=page.limit, offset=page.offset)

    @router.get("/things/{thing_id}")
    async def get_thing(thing_id: int) -> dict[str, int]:
        return {"id": thing_id}

    @router.patch("/things/{thing_id}")
    async def update_thing(thing_id: int, body: Change) -> dict[str, Any]:
        return {"id": thing_id, "values": body.values}

    @router.post("/things", status_code=201)
    async def create_thing(body: Change) -> dict[str, int]:
        return {"id": 5}

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> Any:
        yield

    app = create_service_app(name="probe", title="probe", description="", version="1", routers=[router],
                             lifespan=lifespan)
    headers = [(b"accept", b"application/json"), (b"content-type", b"application/json")]
    figures: dict[str, float] = {}
    for method, path, body in KINDS:
        for _ in range(500):
            status, _answer = await call(app, method, path, headers, body)
            assert status in (200, 201), status
        best = float("inf")
        for _ in range(5):
            started = time.process_time()
            for _ in range(requests):
                await call(app, method, path, headers, body)
            best = min(best, (time.process_time() - started) * 1e6 / requests)
        figures[method] = best
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", type=Path, default=REPO, help="the tree to compare with (default: this one)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        for service in ("common", "submissions"):
            sys.path.insert(0, str(args.child / "services" / service / "src"))
        sys.path.insert(0, str(args.child))
        print(json.dumps(asyncio.run(child(args.requests))))
        return
    trees = {"base": args.base.resolve(), "this tree": REPO}
    figures: dict[str, dict[str, list[float]]] = {name: {} for name in trees}
    for _ in range(args.rounds):
        for name, tree in trees.items():
            output = subprocess.run(  # noqa: S603 - this interpreter and this script, fixed arguments
                [sys.executable, __file__, "--child", str(tree), "--requests", str(args.requests)],
                check=True, capture_output=True, text=True, cwd=REPO).stdout
            for kind, us in json.loads(output.strip().splitlines()[-1]).items():
                figures[name].setdefault(kind, []).append(us)
    print(f"### `bench/service_stack.py --rounds {args.rounds} --requests {args.requests}` (base {trees['base']})\n")
    print("| request | base CPU µs (median of rounds) | this tree | this / base |")
    print("|---|---:|---:|---:|")
    for kind, base_rounds in figures["base"].items():
        base, now = statistics.median(base_rounds), statistics.median(figures["this tree"][kind])
        print(f"| {kind} | {base:.1f} | {now:.1f} | **{now / base:.2f}** |")


if __name__ == "__main__":
    main()
