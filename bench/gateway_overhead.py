"""Benchmark: the gateway as production runs it (uvicorn, `edudx_common.server`'s protocol), for two copies of the
code and nginx, in one sitting, alternating — CPU per proxied request, throughput and added latency.

    .venv/bin/python bench/gateway_overhead.py [--base ../s9d-base] [--rounds 4] [--requests 3000]
                                               [--clients 8] [--service-cpu-ms 1.5] [--no-nginx]

Every process is a child of this script on loopback (ports 18790–18799):
- a service standing in for submissions: `GET /api/submissions/submissions?limit=20` answers 1.5 KB of JSON
  (bench/request_cpu.py's body) after burning `--service-cpu-ms` of CPU, as the real service spends ~1.5–2 ms on it;
  it also serves the JWKS at identity's path, so the gateway verifies a real RS256 token (a school user's);
- the gateway of each tree (`--base`: another worktree, e.g. main's), started as scripts/run_production.py does
  (`python -m edudx_common.server --factory gateway.main:create_app --no-access-log --no-proxy-headers`, JSON logs
  at INFO to a file, the per-address and per-user limits lifted);
- nginx with one worker and kept-alive upstream connections (as bench/deadline_day.py's `start_nginx`).

The load is a separate process (raw keep-alive HTTP/1.1 over asyncio, `--clients` connections, each request sent
when the previous answer is complete), `--requests` per measurement after a warm-up. Per measurement: requests per
second, p50 latency, and for the gateways their CPU per request (utime + stime of the process from /proc). Rounds
alternate direct, base, this tree, nginx, so the load of a shared machine falls on all of them; ratios are what to
read.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from edudx_common.server import command as server_command

REPO = Path(__file__).resolve().parent.parent
SERVICE_PORT, NGINX_PORT, FIRST_GATEWAY_PORT = 18790, 18791, 18792
PATH = "/api/submissions/submissions?limit=20"
JWKS_PATH = "/api/identity/.well-known/jwks.json"


# --- the service: a fixed answer after a fixed amount of CPU ---------------------------------------------------

async def serve(port: int, cpu_ms: float, jwks: bytes) -> None:
    sys.path.insert(0, str(REPO / "bench"))
    from request_cpu import UPSTREAM_BODY

    def answer(body: bytes) -> bytes:
        return (b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: " + str(len(body)).encode()
                + b"\r\n\r\n" + body)

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                if b".well-known/jwks.json" in head.split(b"\r\n", 1)[0]:
                    writer.write(answer(jwks))
                    continue
                until = time.process_time() + cpu_ms / 1000
                while time.process_time() < until:
                    pass
                writer.write(answer(UPSTREAM_BODY))
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", port)
    async with server:
        await server.serve_forever()


# --- the load: raw keep-alive HTTP/1.1, one request at a time per connection ----------------------------------

async def load(port: int, clients: int, requests: int, token: str) -> dict[str, float]:
    request = (f"GET {PATH} HTTP/1.1\r\nhost: 127.0.0.1:{port}\r\naccept: application/json\r\n"
               f"accept-encoding: gzip, deflate, br\r\nuser-agent: bench\r\nauthorization: Bearer {token}\r\n\r\n"
               ).encode()
    latencies: list[float] = []
    remaining = requests

    async def client() -> None:
        nonlocal remaining
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while remaining > 0:
                remaining -= 1
                sent = time.perf_counter()
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                status = head[9:12]
                length = 0
                for line in head.split(b"\r\n"):
                    name, _, value = line.partition(b":")
                    if name.lower() == b"content-length":
                        length = int(value)
                await reader.readexactly(length)
                if status != b"200":
                    raise RuntimeError(f"HTTP {status.decode()} from :{port}")
                latencies.append(time.perf_counter() - sent)
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    wall = time.perf_counter() - started
    return {"rps": len(latencies) / wall, "p50_ms": statistics.median(latencies) * 1000}


def run_load(port: int, args: argparse.Namespace, token: str, requests: int) -> dict[str, float]:
    output = subprocess.run(  # noqa: S603 - this interpreter and this script, fixed arguments
        [sys.executable, __file__, "--load", str(port), "--clients", str(args.clients), "--requests", str(requests),
         "--token", token], check=True, capture_output=True, text=True, cwd=REPO).stdout
    result: dict[str, float] = json.loads(output.strip().splitlines()[-1])
    return result


# --- the processes -------------------------------------------------------------------------------------------

def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def start_gateway(tree: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ,
           "PYTHONPATH": ":".join([*(str(p) for p in sorted((tree / "services").glob("*/src"))), str(tree)]),
           "GATEWAY_SERVICES": json.dumps({"submissions": f"http://127.0.0.1:{SERVICE_PORT}",
                                           "identity": f"http://127.0.0.1:{SERVICE_PORT}"}),
           "GATEWAY_REQUESTS_PER_MINUTE_PER_IP": str(10**9), "GATEWAY_REQUESTS_PER_MINUTE_PER_USER": str(10**9),
           "GATEWAY_LOG_LEVEL": "INFO"}
    with log.open("ab") as out:
        process = subprocess.Popen(  # noqa: S603 - this interpreter, fixed arguments
            server_command("gateway.main:create_app", port=port, options=["--no-access-log", "--no-proxy-headers"]),
            env=env, cwd=tree, stdout=out, stderr=subprocess.STDOUT)
    wait_for(port)
    return process


def wait_for(port: int) -> None:
    # Up to a minute: on a machine shared with other runs (load 15) a gateway took more than 10 s to start.
    for _ in range(600):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    sys.exit(f"nothing listens on :{port}")


def count_syscalls(pid: int, port: int, args: argparse.Namespace, token: str, out: Path) -> dict[str, float]:
    """System calls of the gateway's process per request, by name, over one load run under `strace -c`."""
    tracer = subprocess.Popen(["strace", "-c", "-f", "-p", str(pid), "-o", str(out)],  # noqa: S603, S607
                              stderr=subprocess.DEVNULL)
    time.sleep(1.0)
    run_load(port, args, token, args.requests)
    tracer.send_signal(signal.SIGINT)
    tracer.wait(timeout=30)
    calls: dict[str, float] = {}
    for line in out.read_text().splitlines():
        fields = line.split()
        if len(fields) >= 5 and fields[0].replace(".", "").isdigit() and fields[-1] != "total":
            calls[fields[-1]] = int(fields[3]) / args.requests
    return calls


def start_nginx(work: Path) -> subprocess.Popen[bytes]:
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
    upstream service {{ server 127.0.0.1:{SERVICE_PORT}; keepalive 64; }}
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
    wait_for(NGINX_PORT)
    return process


def signing() -> tuple[bytes, str]:
    sys.path.insert(0, str(REPO / "bench"))
    from request_cpu import signing as make_key
    from request_cpu import user_token

    key, jwks = make_key()
    return json.dumps(jwks).encode(), user_token(key, jwks, uuid.uuid4(), ["school_it_officer"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", type=Path, default=REPO, help="the tree to compare with (default: this one)")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--service-cpu-ms", type=float, default=1.5)
    parser.add_argument("--no-nginx", action="store_true")
    parser.add_argument("--syscalls", action="store_true",
                        help="also count each gateway's system calls per request (strace -c, one extra run each)")
    parser.add_argument("--load", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--token", help=argparse.SUPPRESS)
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve is not None:
        asyncio.run(serve(SERVICE_PORT, args.service_cpu_ms, Path(args.serve).read_bytes()))
        return
    if args.load is not None:
        try:
            import uvloop
            uvloop.install()
        except ImportError:
            pass
        print(json.dumps(asyncio.run(load(args.load, args.clients, args.requests, args.token))))
        return

    jwks, token = signing()
    work = Path(tempfile.mkdtemp(prefix="gateway-overhead-"))
    (work / "jwks.json").write_bytes(jwks)
    trees = {"base": args.base.resolve(), "this tree": REPO}
    processes: list[subprocess.Popen[bytes]] = []
    try:
        processes.append(subprocess.Popen(  # noqa: S603
            [sys.executable, __file__, "--serve", str(work / "jwks.json"), "--service-cpu-ms",
             str(args.service_cpu_ms)]))
        wait_for(SERVICE_PORT)
        targets: dict[str, tuple[int, int | None]] = {"direct": (SERVICE_PORT, None)}
        for i, (name, tree) in enumerate(trees.items()):
            gateway = start_gateway(tree, FIRST_GATEWAY_PORT + i, work / f"gateway-{i}.log")
            processes.append(gateway)
            targets[name] = (FIRST_GATEWAY_PORT + i, gateway.pid)
        if not args.no_nginx:
            processes.append(start_nginx(work))
            targets["nginx"] = (NGINX_PORT, None)
        for port, _ in targets.values():  # warm-up: pools, caches, the token verified once
            run_load(port, args, token, max(200, args.requests // 10))
        load_before = os.getloadavg()
        figures: dict[str, list[dict[str, float]]] = {name: [] for name in targets}
        for _ in range(args.rounds):
            for name, (port, pid) in targets.items():
                cpu = cpu_seconds(pid) if pid else 0.0
                result = run_load(port, args, token, args.requests)
                if pid:
                    result["cpu_ms"] = (cpu_seconds(pid) - cpu) * 1000 / args.requests
                figures[name].append(result)
        load_after = os.getloadavg()
        syscalls = {name: count_syscalls(pid, port, args, token, work / f"strace-{i}.txt")
                    for i, (name, (port, pid)) in enumerate(targets.items()) if pid and args.syscalls}
    finally:
        for process in reversed(processes):
            process.terminate()
            process.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)
    print(f"### `bench/gateway_overhead.py --rounds {args.rounds} --requests {args.requests} --clients {args.clients} "
          f"--service-cpu-ms {args.service_cpu_ms}` (base {trees['base']}; load average before "
          f"{' '.join(f'{x:.2f}' for x in load_before)}, after {' '.join(f'{x:.2f}' for x in load_after)})\n")
    print("| target | req/s (median of rounds) | / direct | p50 ms | p50 − direct | gateway CPU ms per request |")
    print("|---|---:|---:|---:|---:|---:|")
    direct = {key: statistics.median(r[key] for r in figures["direct"]) for key in ("rps", "p50_ms")}
    for name, rounds in figures.items():
        rps, p50 = (statistics.median(r[key] for r in rounds) for key in ("rps", "p50_ms"))
        cpu_text = f"{statistics.median(r['cpu_ms'] for r in rounds):.3f}" if "cpu_ms" in rounds[0] else ""
        print(f"| {name} | {rps:.0f} | {rps / direct['rps']:.2f} | {p50:.2f} | {p50 - direct['p50_ms']:+.2f} "
              f"| {cpu_text} |")
    for name, calls in syscalls.items():
        shown = ", ".join(f"{call} {n:.2f}" for call, n in sorted(calls.items(), key=lambda c: -c[1]) if n >= 0.05)
        print(f"\n{name}: system calls per request: {shown}")
    per_round: dict[str, Any] = {name: [round(r["rps"]) for r in rounds] for name, rounds in figures.items()}
    print(f"\nreq/s per round: {per_round}")


if __name__ == "__main__":
    main()
