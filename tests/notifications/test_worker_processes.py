"""Several sender processes on one database: each message goes out once, also when one of them is killed
(SIGKILL) in the middle of a batch and another one is started in its place."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from sqlalchemy import select

from notifications.delivery.models import OutgoingEmail
from tests.common.event_support import eventually
from tests.notifications.builders import make_emails
from tests.notifications.conftest import Databases, System
from tests.notifications.support import Recorder
from tests.servers import stop_processes
from tests.smtp import smtp_server
from tests.support import REPO


@contextmanager
def worker_processes(system: System, smtp_port: int, log_dir: object) -> Iterator[list[subprocess.Popen[bytes]]]:
    """Start `python -m notifications.cli worker --steps send` processes with `start()`; all stopped at the end."""
    processes: list[subprocess.Popen[bytes]] = []
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("NOTIFICATIONS_")},
           "NOTIFICATIONS_DATABASE_URL": system.notifications.database_url,
           "NOTIFICATIONS_SMTP_HOST": "127.0.0.1", "NOTIFICATIONS_SMTP_PORT": str(smtp_port),
           "NOTIFICATIONS_SMTP_STARTTLS": "false", "NOTIFICATIONS_SMTP_TIMEOUT_SECONDS": "6",
           "NOTIFICATIONS_SEND_LEASE_SECONDS": "8", "NOTIFICATIONS_SEND_BATCH_SIZE": "10",
           "NOTIFICATIONS_SMTP_CONNECTIONS": "1", "NOTIFICATIONS_IDLE_SECONDS": "0.1",
           "NOTIFICATIONS_QUIET_HOURS_START": "00:00", "NOTIFICATIONS_QUIET_HOURS_END": "00:00",
           "NOTIFICATIONS_ENVIRONMENT": "test", "NOTIFICATIONS_LOG_LEVEL": "WARNING", "PYTHONUNBUFFERED": "1"}
    if system.notifications.schema:
        env["NOTIFICATIONS_DATABASE_SCHEMA"] = system.notifications.schema
    logs = []

    def start() -> subprocess.Popen[bytes]:
        log = open(f"{log_dir}/worker-{len(processes)}.log", "wb")
        logs.append(log)
        process = subprocess.Popen([sys.executable, "-m", "notifications.cli", "worker", "--steps", "send"],
                                   cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
        processes.append(process)
        return process

    try:
        yield start  # type: ignore[misc]
    finally:
        stop_processes(processes)
        for log in logs:
            log.close()


async def _rows(databases: Databases) -> list[OutgoingEmail]:
    async with databases.notifications() as session:
        return list((await session.execute(select(OutgoingEmail))).scalars())


async def test_two_workers_and_one_killed_mid_batch_send_every_message_exactly_once(
    api: httpx.AsyncClient, system: System, databases: Databases, tmp_path: object,
) -> None:
    recorder = Recorder(hold_at=25)  # the 25th message waits at RCPT: its sender is stuck in the middle of a batch
    message_ids = await make_emails(databases.notifications, 120)

    with smtp_server(handler=recorder) as (_unused, port), worker_processes(system, port, tmp_path) as start:
        first, second = start(), start()
        await eventually(recorder.holding.is_set, within=30)

        async def one_sender_stuck_with_its_batch() -> str | None:
            rows = await _rows(databases)
            owners = {r.lease_owner for r in rows if r.status == "sending"}
            if any(r.status == "pending" for r in rows) or len(owners) != 1:
                return None
            return owners.pop()

        await eventually(one_sender_stuck_with_its_batch, within=30)
        stuck_owner = await one_sender_stuck_with_its_batch()
        assert stuck_owner is not None
        stuck = next(p for p in (first, second) if f":{p.pid}:" in stuck_owner)
        held_back = [r for r in await _rows(databases) if r.status == "sending"]
        os.kill(stuck.pid, signal.SIGKILL)  # mid-batch: it holds claimed messages it has not sent
        stuck.wait(timeout=10)
        recorder.release.set()
        start()  # a restart, next to the survivor

        async def all_sent() -> bool:
            return all(r.status == "sent" for r in await _rows(databases))

        await eventually(all_sent, within=90)
        rows = await _rows(databases)

    counts = recorder.message_id_counts()
    assert len(held_back) >= 1
    assert set(counts) == set(message_ids)
    assert set(counts.values()) == {1}, [m for m, n in counts.items() if n > 1]
    assert len(recorder.received) == 120
    assert {r.status for r in rows} == {"sent"}
    # The work was shared: the stuck sender had claimed a batch (held_back) and others sent. Which sender delivered
    # the first messages is a race of the two start-ups (one may send all 24 before the other claims its first
    # batch), so the senders of the delivered rows are not counted.
    assert {r.sent_by for r in rows} - {stuck_owner}
    # what the killed sender had claimed and not finished went out once, from another sender
    assert {r.message_id for r in held_back} <= {r.message_id for r in rows if r.sent_by != stuck_owner}
