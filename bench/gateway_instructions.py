"""Benchmark: instructions per proxied request in the gateway's process, counted by valgrind (callgrind), so the
figure does not move with the load of a shared machine as CPU time does.

    .venv/bin/python bench/gateway_instructions.py [--base ../s9d-base] [--few 50] [--many 250]

For each tree the in-process gateway of bench/request_cpu.py (the same app, token and 1.5 KB answer from a trivial
service in another process, not counted) runs under callgrind twice: `--few` then `--many` GET requests after the
same start-up; the difference of the two totals over the difference of the counts is the cost of one request, the
start-up (imports, key generation, app creation) cancelled out. The request log is written at INFO (to /dev/null)
as in production. Kernel work (system calls) is not counted: `strace -c` on the running gateway counts those.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import re
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
UPSTREAM_PORT = 18789


async def child(requests: int, key_file: Path) -> None:
    from cryptography.hazmat.primitives.serialization import load_pem_private_key
    from request_cpu import call, user_token

    from edudx_common.jwt import StaticKeys
    from gateway.config import Settings
    from gateway.main import create_app
    from identity.keys import public_jwk

    # One key for every run: generating one costs a random number of instructions (the search for primes).
    key = load_pem_private_key(key_file.read_bytes(), password=None)  # noqa: ASYNC240 - before any request
    jwks = {"keys": [public_jwk(key.public_key())]}  # type: ignore[arg-type]
    settings = Settings(services={"submissions": f"http://127.0.0.1:{UPSTREAM_PORT}"}, log_level="INFO",
                        requests_per_minute_per_ip=10**9, requests_per_minute_per_user=10**9)
    app = create_app(settings, key_source=StaticKeys(jwks))
    token = user_token(key, jwks, uuid.uuid4(), ["school_it_officer"]).encode()
    headers = [(b"authorization", b"Bearer " + token), (b"accept", b"application/json"),
               (b"accept-encoding", b"gzip, deflate, br"), (b"user-agent", b"bench")]
    async with app.router.lifespan_context(app):
        for handler in logging.getLogger().handlers:
            if isinstance(handler, logging.StreamHandler):
                handler.setStream(open(os.devnull, "w"))  # noqa: ASYNC230 - once, before the requests
        for _ in range(requests):
            status, _ = await call(app, "GET", "/api/submissions/submissions", headers, query=b"limit=20")
            assert status == 200, status


def count(tree: Path, requests: int, work: Path) -> int:
    out = work / f"callgrind.{tree.name}.{requests}"
    env = {**os.environ, "PYTHONPATH": ":".join([str(REPO / "bench"), *(str(p) for p in sorted(
        (tree / "services").glob("*/src"))), str(tree)])}
    subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",  # noqa: S603, S607
                    sys.executable, __file__, "--child", str(requests), "--key-file", str(work / "key.pem")],
                   check=True, env=env, cwd=tree, capture_output=True)
    match = re.search(r"^summary: (\d+)", out.read_text(), re.MULTILINE) or re.search(
        r"^totals: (\d+)", out.read_text(), re.MULTILINE)
    assert match, "no total in callgrind's output"
    return int(match.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", type=Path, default=REPO)
    parser.add_argument("--few", type=int, default=50)
    parser.add_argument("--many", type=int, default=250)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--key-file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        asyncio.run(child(args.child, args.key_file))
        return
    upstream = subprocess.Popen([sys.executable, str(REPO / "bench" / "request_cpu.py"),  # noqa: S603
                                 "--serve-upstream", "--upstream-port", str(UPSTREAM_PORT)])
    time.sleep(1.0)
    figures = {}
    try:
        with tempfile.TemporaryDirectory() as work:
            from cryptography.hazmat.primitives import serialization
            from cryptography.hazmat.primitives.asymmetric import rsa

            (Path(work) / "key.pem").write_bytes(rsa.generate_private_key(public_exponent=65537, key_size=2048)
                                                 .private_bytes(serialization.Encoding.PEM,
                                                                serialization.PrivateFormat.PKCS8,
                                                                serialization.NoEncryption()))
            for name, tree in (("base", args.base.resolve()), ("this tree", REPO)):
                few, many = count(tree, args.few, Path(work)), count(tree, args.many, Path(work))
                figures[name] = (many - few) / (args.many - args.few)
    finally:
        upstream.terminate()
        upstream.wait()
    print(f"### `bench/gateway_instructions.py --few {args.few} --many {args.many}` (base {args.base.resolve()})\n")
    print("| tree | instructions per proxied GET (thousands) | / base |")
    print("|---|---:|---:|")
    for name, per_request in figures.items():
        print(f"| {name} | {per_request / 1000:.0f} | {per_request / figures['base']:.2f} |")


if __name__ == "__main__":
    main()
