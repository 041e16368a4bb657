"""Benchmark: a 200 MB PDF uploaded through the gateway into S3, against a direct `minio`-client upload.

    .venv/bin/python bench/evidence_upload.py [--mb 200] [--runs 3] [--base <checkout>] [--no-append]

What runs (all on 127.0.0.1, free ports, a temporary folder removed at the end): a real S3 server
(SeaweedFS `weed mini`, `scripts/local_s3.py`), then identity, submissions, evidence and
the gateway, each its own process served as production serves it (`python -m edudx_common.server`, the command
`edudx_common.server.command` builds), with the environment `scripts/run_embedded.py` gives it (SQLite,
migrations, signing key, demo data), except that evidence gets `EVIDENCE_MAX_FILE_BYTES` and
`EVIDENCE_SUBMISSION_QUOTA_BYTES` above the file size (the runner strips `EVIDENCE_*` from its environment,
and the default per-file limit is 50 MB).

The demo school IT officer signs in through the gateway and opens the school's submission of the demo
campaign. A valid PDF of `--mb` MB (one page showing one uncompressed image of random bytes) is written to
disk and uploaded through the gateway with httpx, streamed from the file as multipart (`submission_id`
before `file`); the stored item is deleted after each run so the next one is not a duplicate. Alternately, the
same file goes straight to the same S3 server and bucket with `Minio.fput_object`. A thread reads VmRSS of the
gateway and evidence processes from /proc every 50 ms; the kernel's high-water mark (VmHWM, reset through
/proc/<pid>/clear_refs before each run) catches what falls between samples.

With `--base <another checkout>`, a second set of the four services runs that checkout's code (its `services/*/src`
on PYTHONPATH, its migrations) against the same S3 server, and each round uploads through this tree's gateway,
the base's gateway, then directly, so the load of a shared machine falls on all three alike.

Prints a Markdown report and appends it to bench/RESULTS.md. A few minutes; needs ~2 GB of free disk.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))

import httpx  # noqa: E402
import run_embedded  # noqa: E402  - the runner's own env logic, so the services are configured as deployed
from evidence_upload_report import Setup, report  # noqa: E402
from local_s3 import start_local_s3, stop_local_s3  # noqa: E402
from minio import Minio  # noqa: E402

from edudx_common.server import command as server_command  # noqa: E402
from tests.evidence.samples import large_pdf  # noqa: E402
from tests.support import free_port  # noqa: E402

SERVICES = ["identity", "submissions", "evidence"]
EMAIL, PASSWORD = "cntt.hoabinh@vinhlong.edu.vn", "EduDX@2025"
BUCKET = "edudx-evidence"
MB = 1000 * 1000
REQUEST_TIMEOUT = httpx.Timeout(600.0, connect=10.0)


# --- the file ------------------------------------------------------------------------------------------


def write_pdf(path: Path, target_bytes: int) -> int:
    """A valid one-page PDF whose page shows one uncompressed RGB image of random (incompressible) bytes."""
    with path.open("wb") as out:
        for piece in large_pdf(target_bytes):
            out.write(piece)
    return path.stat().st_size


def check_pdf(path: Path) -> int:
    """The same check evidence makes (pypdf opens it, at least one page), in a child so our RSS stays small."""
    code = "import sys; from pypdf import PdfReader; print(len(PdfReader(sys.argv[1], strict=False).pages))"
    out = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True)
    return int(out.stdout.strip())


# --- memory --------------------------------------------------------------------------------------------


def _status(pid: int, key: str) -> int:
    """A /proc/<pid>/status field in KiB (VmRSS, VmHWM)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system, all threads) a process has used so far, from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def reset_hwm(pid: int) -> bool:
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")  # 5: reset the peak RSS (VmHWM) to the current RSS
        return True
    except OSError:
        return False


class Sampler:
    """VmRSS of some processes every `interval` seconds, in a thread, until stopped."""

    def __init__(self, pids: dict[str, int], interval: float = 0.05) -> None:
        self.pids, self.interval = pids, interval
        self.samples: dict[str, list[int]] = {name: [] for name in pids}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for name, pid in self.pids.items():
                self.samples[name].append(_status(pid, "VmRSS"))
            self._stop.wait(self.interval)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def peak(self, name: str) -> int:
        return max(self.samples[name])

    def median(self, name: str) -> int:
        return int(statistics.median(self.samples[name]))


@dataclass
class Run:
    kind: str  # "gateway" or "direct"
    seconds: float
    size: int
    peak_kib: dict[str, int] = field(default_factory=dict)  # sampled VmRSS peak per process
    hwm_kib: dict[str, int] = field(default_factory=dict)  # kernel VmHWM after a reset before the run
    cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds per process during the run
    samples: int = 0

    @property
    def mb_s(self) -> float:
        return self.size / MB / self.seconds


# --- the system ----------------------------------------------------------------------------------------


def start_s3(tmp: Path) -> tuple[subprocess.Popen[bytes], tuple[str, str, str]]:
    process, endpoint, access_key, secret_key = start_local_s3(tmp / "s3")
    return process, (endpoint, access_key, secret_key)


class System:
    """The four services of one checkout (`tree`), against an S3 server started by the caller."""

    def __init__(self, tmp: Path, file_limit: int, s3: tuple[subprocess.Popen[bytes], tuple[str, str, str]],
                 tree: Path = REPO) -> None:
        self.tmp, self.var, self.tree = tmp, tmp / "var", tree
        self.file_limit = file_limit
        self.s3, self.s3_keys = s3
        self.processes: list[tuple[str, subprocess.Popen[bytes]]] = []
        self.ports = {name: free_port() for name in [*SERVICES, "gateway"]}
        self.urls = {name: f"http://127.0.0.1:{port}" for name, port in self.ports.items()}
        self.pids: dict[str, int] = {}
        self.logs = tmp / "logs"

    def start(self) -> dict[str, Any]:
        var, python = self.var, sys.executable
        (var / "keys").mkdir(parents=True)
        self.logs.mkdir()
        identity_url = self.urls["identity"]
        secrets_by_service = run_embedded.service_secrets(var, SERVICES)
        prefixes = tuple(f"{n.upper()}_" for n in [*run_embedded.SERVICE_ORDER, "gateway"])
        base_env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
        base_env["PYTHONPATH"] = ":".join([*(str(p) for p in sorted((self.tree / "services").glob("*/src"))),
                                           str(self.tree)])
        step = self._step
        service_urls = {name: self.urls[name] for name in SERVICES}
        envs = {name: {**base_env, **run_embedded.service_env(name, var, identity_url, secrets_by_service, None, "",
                                                              service_urls)} for name in SERVICES}
        for name in SERVICES:
            step([python, "-m", "alembic", "-c", f"services/{name}/alembic.ini", "upgrade", "head"],
                                  envs[name], f"migration {name}")
        step([python, "-m", "identity.cli", "ensure-key"], envs["identity"], "signing key")
        demo = json.loads(step([python, "-m", "identity.cli", "seed-demo"], envs["identity"], "identity seed-demo"))
        endpoint, access_key, secret_key = self.s3_keys
        (self.tmp / "spool").mkdir()
        envs["evidence"].update(
            EVIDENCE_S3_ENDPOINT=endpoint, EVIDENCE_S3_ACCESS_KEY=access_key, EVIDENCE_S3_SECRET_KEY=secret_key,
            EVIDENCE_S3_BUCKET=BUCKET, EVIDENCE_MAX_FILE_BYTES=str(self.file_limit),
            EVIDENCE_SUBMISSION_QUOTA_BYTES=str(4 * self.file_limit), EVIDENCE_SPOOL_DIR=str(self.tmp / "spool"),
            EVIDENCE_SWEEP_AFTER_MINUTES="0")
        for name in SERVICES:
            self._uvicorn(name, f"{name}.main:create_app", envs[name])
        seeded = step([python, *(run_embedded.demo_step("submissions", demo) or [])], envs["submissions"],
                      "submissions seed-demo")
        gateway_env = {
            **base_env,
            "GATEWAY_SERVICES": json.dumps(self.urls_of(SERVICES)),
            "GATEWAY_JWKS_URL": f"{identity_url}/api/identity/.well-known/jwks.json",
            "GATEWAY_SPA_DIR": str(self.tree / "frontend" / "dist"),
            "GATEWAY_LOG_JSON": "false",
            # The gateway's own cap on upload bodies (52 MB by default) must let the file through.
            "GATEWAY_MAX_UPLOAD_BODY_BYTES": str(self.file_limit + 1_000_000),
        }
        self._uvicorn("gateway", "gateway.main:create_app", gateway_env)
        return {"demo": demo, **json.loads(seeded)}

    def _step(self, args: list[str], env: dict[str, str], what: str) -> str:
        """`run_embedded.run_step`, but in this system's checkout."""
        result = subprocess.run(args, env=env, cwd=self.tree, capture_output=True, text=True, check=False)  # noqa: S603
        if result.returncode != 0:
            raise RuntimeError(f"{what} ({self.tree}):\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def urls_of(self, names: list[str]) -> dict[str, str]:
        return {name: self.urls[name] for name in names}

    def _uvicorn(self, name: str, factory: str, env: dict[str, str]) -> None:
        log = (self.logs / f"{name}.log").open("ab")
        process = subprocess.Popen(  # noqa: S603
            server_command(factory, port=self.ports[name], options=["--no-access-log", "--no-proxy-headers"]),
            env=env, cwd=self.tree, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        log.close()
        self.processes.append((name, process))
        self.pids[name] = process.pid
        run_embedded.wait_healthy(f"{self.urls[name]}/healthz", process, name)

    def stop(self) -> None:
        for _name, process in reversed(self.processes):
            if process.poll() is None:
                process.terminate()
        for _name, process in reversed(self.processes):
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)

    def log_tail(self, name: str, lines: int = 30) -> str:
        path = self.logs / f"{name}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""


# --- measuring -----------------------------------------------------------------------------------------


def upload_through_gateway(http: httpx.Client, headers: dict[str, str], submission_id: str, path: Path,
                           name: str = "Kế hoạch ứng dụng CNTT.pdf") -> tuple[float, dict[str, Any]]:
    """One upload: text fields first, then the file read from disk in httpx's 64 KiB chunks (never whole)."""
    with path.open("rb") as file:
        start = time.perf_counter()
        response = http.post("/api/evidence/files", headers=headers,
                             data={"submission_id": submission_id, "criterion_codes": "1.1", "title": "Bench"},
                             files={"file": (name, file, "application/pdf")})
        seconds = time.perf_counter() - start
    if response.status_code != 201:
        raise RuntimeError(f"gateway upload: {response.status_code} {response.text[:500]}")
    return seconds, response.json()


def delete_item(http: httpx.Client, headers: dict[str, str], item_id: str) -> None:
    response = http.delete(f"/api/evidence/files/{item_id}", headers=headers)
    if response.status_code != 204:
        raise RuntimeError(f"delete: {response.status_code} {response.text[:300]}")


def measured(pids: dict[str, int], kind: str, size: int, action: Any, cpu_pids: dict[str, int]) -> Run:
    hwm_ok = all(reset_hwm(pid) for pid in pids.values())
    with Sampler(pids) as sampler:
        cpu_before = {n: cpu_seconds(pid) for n, pid in cpu_pids.items()}
        seconds = action()
        cpu = {n: cpu_seconds(pid) - cpu_before[n] for n, pid in cpu_pids.items()}
    run = Run(kind, seconds, size, {n: sampler.peak(n) for n in pids}, samples=len(sampler.samples["gateway"]),
              cpu=cpu)
    if hwm_ok:
        run.hwm_kib = {n: _status(pid, "VmHWM") for n, pid in pids.items()}
    return run


def idle_rss(pids: dict[str, int], seconds: float = 2.0) -> dict[str, int]:
    with Sampler(pids) as sampler:
        time.sleep(seconds)
    return {n: sampler.median(n) for n in pids}


class Entry:
    """One system's way in: its gateway, a signed-in officer and the submission to upload into."""

    def __init__(self, system: System, seeded: dict[str, Any]) -> None:
        self.system = system
        self.http = httpx.Client(base_url=system.urls["gateway"], timeout=REQUEST_TIMEOUT, trust_env=False)
        login = self.http.post("/api/identity/auth/login", json={"email": EMAIL, "password": PASSWORD})
        login.raise_for_status()
        self.headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        opened = self.http.post(f"/api/submissions/campaigns/{seeded['campaign_id']}/submissions",
                                headers=self.headers)
        opened.raise_for_status()
        self.submission_id = opened.json()["id"]

    def upload(self, path: Path) -> tuple[float, dict[str, Any]]:
        return upload_through_gateway(self.http, self.headers, self.submission_id, path)

    def delete(self, item_id: str) -> None:
        delete_item(self.http, self.headers, item_id)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mb", type=int, default=200, help="file size in MB (10^6 bytes)")
    parser.add_argument("--runs", type=int, default=3, help="uploads per path, alternating")
    parser.add_argument("--base", type=Path, help="another checkout whose services to compare, run by run")
    parser.add_argument("--no-append", action="store_true", help="print only; leave bench/RESULTS.md alone")
    args = parser.parse_args()
    began = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="edudx-bench-evidence-"))
    s3 = start_s3(tmp)
    trees = {"gateway": REPO, **({"base gateway": args.base.resolve()} if args.base else {})}
    systems = {kind: System(tmp / kind.replace(" ", "-"), args.mb * MB + 50 * MB, s3, tree)
               for kind, tree in trees.items()}
    load = os.getloadavg()
    try:
        paths: dict[str, Entry] = {}
        for kind, system in systems.items():
            system.tmp.mkdir()
            print(f"• starting identity, submissions, evidence, gateway of {system.tree} …", file=sys.stderr,
                  flush=True)
            paths[kind] = Entry(system, system.start())
        pdf = tmp / "bench.pdf"
        size = write_pdf(pdf, args.mb * MB)
        pages = check_pdf(pdf)
        small = tmp / "small.pdf"
        write_pdf(small, 200_000)
        print(f"• {pdf.name}: {size:,} bytes, {pages} page(s)", file=sys.stderr, flush=True)
        endpoint, access_key, secret_key = s3[1]
        minio = Minio(endpoint, access_key=access_key, secret_key=secret_key, secure=False)
        # Warm-up: one small upload each way (imports, connections, bucket, first DB writes).
        for path in paths.values():
            _, item = path.upload(small)
            path.delete(item["id"])
        minio.fput_object(BUCKET, "bench/warm-up.pdf", str(small), content_type="application/pdf")
        minio.remove_object(BUCKET, "bench/warm-up.pdf")
        prefix = {"gateway": "", "base gateway": "base "}
        pids = {f"{prefix[kind]}{name}": system.pids[name] for kind, system in systems.items()
                for name in ("gateway", "evidence")}
        idle = idle_rss(pids)
        hwm = all(reset_hwm(pid) for pid in pids.values())
        cpu_pids = {**pids, "s3": s3[0].pid, "client": os.getpid()}

        runs: list[Run] = []
        for i in range(args.runs):
            actions: list[tuple[str, Any, dict[str, Any] | None, Entry | None]] = []
            for kind, path in paths.items():
                holder: dict[str, Any] = {}

                def through_gateway(holder: dict[str, Any] = holder, path: Entry = path) -> float:
                    seconds, body = path.upload(pdf)
                    holder.update(body)
                    return seconds

                actions.append((kind, through_gateway, holder, path))

            def direct(key: str = f"bench/direct-{i}.pdf") -> float:
                start = time.perf_counter()
                minio.fput_object(BUCKET, key, str(pdf), content_type="application/pdf")
                seconds = time.perf_counter() - start
                minio.remove_object(BUCKET, key)
                return seconds

            actions.append(("direct", direct, None, None))
            for kind, action, held, entry in actions:
                run = measured(pids, kind, size, action, cpu_pids)
                runs.append(run)
                print(f"• run {i + 1} {kind}: {run.seconds:.2f} s, {run.mb_s:.1f} MB/s; CPU s "
                      + ", ".join(f"{n} {c:.2f}" for n, c in run.cpu.items()), file=sys.stderr, flush=True)
                if entry is not None and held is not None:
                    if held.get("size") != size:
                        raise RuntimeError(f"stored size {held.get('size')} != {size}")
                    entry.delete(held["id"])
        after = idle_rss(pids, 1.0)
        for path in paths.values():
            path.http.close()
        text, verdicts = report(Setup(args.mb, size, pages, hwm, time.perf_counter() - began, load,
                                      {kind: str(tree) for kind, tree in trees.items()}), runs, idle, after)
        print(text)
        if not args.no_append:
            results = REPO / "bench" / "RESULTS.md"
            with results.open("a") as out:
                out.write("\n\n# Benchmark: evidence upload through the gateway\n\n" + text + "\n")
            print(f"\n(appended to {results.relative_to(REPO)})", file=sys.stderr)
        print("targets: " + ", ".join(f"{k} {'met' if v else 'NOT met'}" for k, v in verdicts.items()),
              file=sys.stderr)
    except BaseException:
        for system in systems.values():
            for name in ["gateway", "evidence"]:
                sys.stderr.write(f"--- {system.tree} {name} log (tail) ---\n{system.log_tail(name)}\n")
        raise
    finally:
        for system in systems.values():
            system.stop()
        stop_local_s3(s3[0])
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
