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

sys.path.insert(0, str(REPO / "scripts"))
import run_embedded


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


def _environment_of(pid: int) -> dict[str, str]:
    entries = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(e.decode().split("=", 1) for e in entries if b"=" in e)


def _service_process(children: list[int], module: str) -> int:
    return next(pid for pid in children if module in Path(f"/proc/{pid}/cmdline").read_text())


def _read_through(process: subprocess.Popen[str], marker: str) -> str:
    """The run's output up to and including the line holding `marker` (or all of it, should the run end first)."""
    assert process.stdout is not None
    lines = []
    while line := process.stdout.readline():
        lines.append(line)
        if marker in line:
            break
    return "".join(lines)


def test_ctrl_c_stops_everything_and_the_callers_settings_reach_the_services(tmp_path: Path) -> None:
    port, first = system_ports(len(list((REPO / "services").glob("*/src/*/main.py"))))
    outside = run_embedded.outside_env(dict(os.environ))
    given = {
        "NOTIFICATIONS_SMTP_HOST": "mail.example.test", "NOTIFICATIONS_SMTP_PORT": "2525",  # the person's own
        "IDENTITY_LOG_JSON": "true",  # over the run's default (false)
        "IDENTITY_DATABASE_URL": "sqlite+aiosqlite:////nonexistent/identity.db",  # the run's wiring wins
    }
    process = subprocess.Popen(
        [sys.executable, str(REPO / "scripts" / "run_embedded.py"), "--var", str(tmp_path), "--no-seed",
         "--port", str(port), "--first-service-port", str(first)],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env={**outside, **given},
    )
    try:
        wait_until_up(f"http://127.0.0.1:{port}/healthz", timeout=120)
        # The banner comes a moment after the gateway answers: read up to it before stopping the run.
        banner = _read_through(process, "Nhấn Ctrl-C để dừng.")
        children = _children(process.pid)
        assert len(children) >= 2  # identity and the gateway at least
        assert httpx.get(f"http://127.0.0.1:{port}/api/identity/.well-known/jwks.json").status_code == 200
        notifications = _environment_of(_service_process(children, "notifications.main"))
        identity = _environment_of(_service_process(children, "identity.main"))
        gateway = _environment_of(_service_process(children, "gateway.main"))

        process.send_signal(signal.SIGINT)
        rest, _ = process.communicate(timeout=30)
        output = banner + rest
    finally:
        if process.poll() is None:
            process.kill()

    assert process.returncode == 0, output
    assert "Đã dừng." in output
    assert (notifications["NOTIFICATIONS_SMTP_HOST"], notifications["NOTIFICATIONS_SMTP_PORT"]) == (
        "mail.example.test", "2525")
    assert "NOTIFICATIONS_SMTP_HOST" not in identity and "NOTIFICATIONS_SMTP_HOST" not in gateway
    assert identity["IDENTITY_LOG_JSON"] == "true"
    assert identity["IDENTITY_DATABASE_URL"] == f"sqlite+aiosqlite:///{tmp_path / 'identity.db'}"
    assert "bỏ qua IDENTITY_DATABASE_URL" in output
    assert "notifications (nhắc hạn, thông báo): máy chủ SMTP mail.example.test:2525" in output
    assert "identity (mời tài khoản, đặt lại mật khẩu): ghi vào log của lần chạy này" in output
    deadline = time.monotonic() + 5
    while any(_alive(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(pid) for pid in children)


def test_settings_of_the_caller_lie_over_the_runs_defaults_but_not_its_wiring() -> None:
    run = {"NOTIFICATIONS_LOG_JSON": "false", "NOTIFICATIONS_DATABASE_URL": "sqlite+aiosqlite:///var/n.db",
           "NOTIFICATIONS_APP_BASE_URL": "http://127.0.0.1:8000", "HOME": "/root"}
    caller = run_embedded.caller_settings({
        "NOTIFICATIONS_SMTP_HOST": "smtp.so-gd.vn", "NOTIFICATIONS_APP_BASE_URL": "https://edudx.example.vn",
        "NOTIFICATIONS_DATABASE_URL": "postgresql+asyncpg://prod/edudx", "IDENTITY_SMTP_HOST": "other",
        "PATH": "/usr/bin"})

    merged = run_embedded.with_caller_settings("notifications", run, caller)

    assert merged == {**run, "NOTIFICATIONS_SMTP_HOST": "smtp.so-gd.vn",
                      "NOTIFICATIONS_APP_BASE_URL": "https://edudx.example.vn"}
    assert run_embedded.outside_env({"NOTIFICATIONS_SMTP_HOST": "x", "GATEWAY_PORT": "1", "PATH": "/bin"}) == {
        "PATH": "/bin"}


def test_the_banner_says_where_mail_goes() -> None:
    lines = run_embedded.mail_destinations({"notifications": {"NOTIFICATIONS_SMTP_HOST": "127.0.0.1",
                                                              "NOTIFICATIONS_SMTP_PORT": "1025"},
                                            "identity": {}})
    assert lines == ["    notifications (nhắc hạn, thông báo): máy chủ SMTP 127.0.0.1:1025 (NOTIFICATIONS_SMTP_HOST)",
                     "    identity (mời tài khoản, đặt lại mật khẩu): ghi vào log của lần chạy này "
                     "(chưa đặt IDENTITY_SMTP_HOST)"]


def test_workers_are_given_per_service() -> None:
    import run_production

    counts = run_production.worker_counts("1,submissions=2,gateway=3")

    assert [run_production.workers_of(counts, s) for s in ("identity", "submissions", "gateway")] == [1, 2, 3]
    assert run_production.workers_of(run_production.worker_counts("2"), "scoring") == 2
    for wrong in ("0", "submissions=0", "submissions=two", ""):
        with pytest.raises(argparse.ArgumentTypeError):
            run_production.worker_counts(wrong)
