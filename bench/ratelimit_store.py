"""Benchmark: what counting the gateway's rate limits in Redis costs per request, against counting in the process.

    .venv/bin/python bench/ratelimit_store.py [--hits 5000] [--redis redis://127.0.0.1:6379/0]

Per store (edudx_common.ratelimit), in this process: `--hits` sequential hits spread over 2,000 keys (what a
proxied request does twice: per address, then per user), then the same with 16 concurrent callers. Reports the
wall time and this process's CPU time per hit, alternating the stores round by round so that load on a shared
machine hits both alike (the ratio is the figure to read; the absolute numbers move with the load). Redis's own
CPU is not counted here (`INFO cpu` before and after is printed for it). Keys go under a prefix of their own and
are deleted at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from redis.asyncio import Redis  # noqa: E402

from edudx_common.ratelimit import RateLimitStore, create_rate_limit_store  # noqa: E402

KEYS = 2000


async def _round(store: RateLimitStore, hits: int, concurrency: int) -> tuple[float, float]:
    async def caller(offset: int) -> None:
        for n in range(offset, hits, concurrency):
            await store.hit(f"ip:10.0.{n % KEYS // 256}.{n % 256}", limit=1_000_000, window=60)

    wall, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(caller(i) for i in range(concurrency)))
    return (time.perf_counter() - wall) / hits * 1e6, (time.process_time() - cpu) / hits * 1e6


async def _redis_cpu(url: str) -> float:
    client = Redis.from_url(url)
    try:
        info = await client.info("cpu")
        return float(info["used_cpu_sys"]) + float(info["used_cpu_user"])
    finally:
        await client.aclose()


async def main(hits: int, url: str, rounds: int) -> None:
    prefix = f"edudx-bench:{uuid.uuid4().hex}:"
    stores = {"in process": create_rate_limit_store("", prefix=prefix),
              "Redis": create_rate_limit_store(url, prefix=prefix)}
    results: dict[tuple[str, int], list[tuple[float, float]]] = {}
    redis_cpu_before = await _redis_cpu(url)
    try:
        for concurrency in (1, 16):
            for _ in range(rounds):
                for name, store in stores.items():
                    results.setdefault((name, concurrency), []).append(await _round(store, hits, concurrency))
    finally:
        redis_cpu = await _redis_cpu(url) - redis_cpu_before
        for store in stores.values():
            await store.close()
        client = Redis.from_url(url)
        keys = [k async for k in client.scan_iter(match=prefix + "*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()
    print(f"### Rate-limit store: per hit, {hits:,} hits over {KEYS:,} keys, median of {rounds} rounds")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}\n")
    print("| store | concurrent callers | wall µs per hit | gateway CPU µs per hit |")
    print("|---|---:|---:|---:|")
    for (name, concurrency), samples in results.items():
        wall = statistics.median(s[0] for s in samples)
        cpu = statistics.median(s[1] for s in samples)
        print(f"| {name} | {concurrency} | {wall:.1f} | {cpu:.1f} |")
    redis_hits = hits * rounds * 2
    print(f"\nRedis server CPU over the Redis rounds: {redis_cpu * 1e6 / redis_hits:.1f} µs per hit "
          f"({redis_hits:,} hits; whatever else uses that Redis is counted too).")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hits", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--redis", default=os.environ.get("EDUDX_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0"))
    args = parser.parse_args()
    asyncio.run(main(args.hits, args.redis, args.rounds))
