"""Serve an ASGI app with uvicorn on a free loopback port, in a background thread, for real-HTTP tests."""

from __future__ import annotations

import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import uvicorn

from edudx_common.server import BufferedHttpTools
from edudx_common.server import command as server_command
from tests.support import free_port


@contextmanager
def serve(app: Any, *, port: int | None = None, ready_path: str = "/healthz", loop: str = "auto") -> Iterator[str]:
    """`loop`: uvicorn's choice of event loop ("auto": uvloop, as deployed; "asyncio": the standard one)."""
    port = port or free_port()
    # The protocol every EduDX process serves with, head limits included: a test server with uvicorn's default
    # let an upload bug of that protocol (431 on a large first read) through every test.
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on", loop=loop,
                            http=BufferedHttpTools)  # type: ignore[arg-type]  # typed as asyncio.Protocol
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError(f"test server on {base_url} did not start")
        time.sleep(0.02)
    try:
        yield base_url
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def wait_until_up(url: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


def stop_launcher(process: subprocess.Popen[Any], timeout: float = 60) -> None:
    """Ctrl-C a launcher (run_embedded.py, run_production.py), as a person would: it stops what it started.
    Killed if it has not finished within `timeout`."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()


@contextmanager
def uvicorn_processes(factory: str, env: dict[str, str], count: int = 2,
                      extra_args: tuple[str, ...] = ()) -> Iterator[list[str]]:
    """`count` replicas of an app (`module:create_app`), each a real uvicorn process on a free loopback port, as
    deployed; yields their base URLs (not yet waited for) and stops them at the end."""
    processes, urls = [], []
    try:
        for _ in range(count):
            port = free_port()
            processes.append(subprocess.Popen(
                server_command(factory, port=port, options=["--log-level", "warning", *extra_args]), env=env))
            urls.append(f"http://127.0.0.1:{port}")
        yield urls
    finally:
        stop_processes(processes)


def stop_processes(processes: list[subprocess.Popen[Any]]) -> None:
    """Terminate every process, then wait for each (killed after 15 s)."""
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
