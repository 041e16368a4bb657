"""The run command stops every process it started, cleanly, on Ctrl-C."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.servers import wait_until_up
from tests.support import REPO, system_ports


def _children(pid: int) -> list[int]:
    result = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True, check=False)
    return [int(p) for p in result.stdout.split()]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split()[2] != "Z"


def test_ctrl_c_stops_everything(tmp_path: Path) -> None:
    port, first = system_ports(len(list((REPO / "services").glob("*/src/*/main.py"))))
    process = subprocess.Popen(
        [sys.executable, str(REPO / "scripts" / "run_embedded.py"), "--var", str(tmp_path), "--no-seed",
         "--port", str(port), "--first-service-port", str(first)],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        wait_until_up(f"http://127.0.0.1:{port}/healthz", timeout=120)
        children = _children(process.pid)
        assert len(children) >= 2  # identity and the gateway at least
        assert httpx.get(f"http://127.0.0.1:{port}/api/identity/.well-known/jwks.json").status_code == 200

        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()

    assert process.returncode == 0, output
    assert "Đã dừng." in output
    deadline = time.monotonic() + 5
    while any(_alive(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(pid) for pid in children)


def test_workers_are_given_per_service() -> None:
    sys.path.insert(0, str(REPO / "scripts"))
    import run_production

    counts = run_production.worker_counts("1,submissions=2,gateway=3")

    assert [run_production.workers_of(counts, s) for s in ("identity", "submissions", "gateway")] == [1, 2, 3]
    assert run_production.workers_of(run_production.worker_counts("2"), "scoring") == 2
    for wrong in ("0", "submissions=0", "submissions=two", ""):
        with pytest.raises(argparse.ArgumentTypeError):
            run_production.worker_counts(wrong)
