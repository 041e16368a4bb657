"""Benchmark: the sending rate of notifications' SMTP workers against a local SMTP server, on PostgreSQL.

    .venv/bin/python bench/notifications_sending.py [--messages 6000] [--workers 1,2]

What runs: a local SMTP server (aiosmtpd's `Sink` handler, in its own process, accepting and discarding),
and `python -m notifications.cli worker --steps send` processes as deployed (4 SMTP connections each, batches
of 50), on a PostgreSQL schema `bench_notifications_send` made with the service's migration and dropped at the
end. Per scenario the outbox is filled with N reminder e-mails as the expander writes them (Vietnamese text
and HTML, To: principal and IT officer, Cc: the school's address), the workers are started, and the number of
`sent` rows is read every half second until all are sent. The rate per second over the run shows whether the
rate holds steady (no slowdown as the table fills with sent rows, none when two workers share the work).

Prints a Markdown report (figures for bench/RESULTS.md). Refuses to run without PostgreSQL.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import platform
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from sqlalchemy import func, insert, select, text  # noqa: E402
from sqlmodel import col  # noqa: E402

from edudx_common.db import create_engine, session_factory  # noqa: E402
from notifications.delivery.models import Notification, OutgoingEmail  # noqa: E402
from notifications.delivery.templates import Content, render_html, render_text  # noqa: E402
from tests.support import free_port, migrate  # noqa: E402

POSTGRES_URL = os.environ.get("EDUDX_BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
SCHEMA = "bench_notifications_send"


def _content(n: int) -> Content:
    title = "Báo cáo tổng kết ứng dụng CNTT và chuyển đổi số năm học 2025-2026"
    return Content(
        subject=f"[EduDX] Nhắc hạn nộp báo cáo (còn 3 ngày): {title}",
        greeting=f"Kính gửi: Hiệu trưởng và cán bộ phụ trách CNTT Trường THCS số {n},",
        paragraphs=[f"Trường THCS số {n} chưa nộp báo cáo “{title}”."],
        facts=[("Đợt báo cáo", title), ("Hạn nộp", "17:00 ngày 15/12/2026 (còn 3 ngày)")],
        action=("Xem đợt báo cáo", f"https://edudx.vn/campaigns/{uuid.uuid4()}"),
        why="Anh/chị nhận thư này vì là Hiệu trưởng, cán bộ phụ trách CNTT hoặc địa chỉ đầu mối của đơn vị.")


async def fill(sessions: Any, count: int) -> None:
    now = datetime.now(UTC)
    notification = uuid.uuid4()
    rows = []
    for n in range(count):
        content = _content(n)
        rows.append({"id": uuid.uuid4(), "notification_id": notification,
                     "message_id": f"<{uuid.uuid4().hex}@edudx.vn>",
                     "kind": "deadline_reminder", "category": "deadline_reminders", "campaign_id": None,
                     "unit_id": None, "unit_path": "/", "unit_name": f"Trường THCS số {n}",
                     "to_addresses": [f"ht{n}@truong.edu.vn", f"cntt{n}@truong.edu.vn"],
                     "cc_addresses": [f"truong{n}@edudx.vn"], "subject": content.subject,
                     "body_text": render_text(content), "body_html": render_html(content), "status": "pending",
                     "attempts": 0, "next_attempt_at": now, "created_at": now, "give_up_at": now + timedelta(days=3)})
    async with sessions() as session, session.begin():
        await session.execute(text("TRUNCATE outgoing_emails, notifications CASCADE"))
        await session.execute(insert(Notification).values(
            id=notification, kind="deadline_reminder", dedupe_key=f"bench:{notification}", data={}, status="expanded",
            attempts=0, created_at=now))
        for start in range(0, count, 1000):
            await session.execute(insert(OutgoingEmail), rows[start : start + 1000])
    async with sessions() as session:
        await session.execute(text("ANALYZE outgoing_emails"))


async def sent(sessions: Any) -> int:
    async with sessions() as session:
        sent = select(func.count()).where(col(OutgoingEmail.status) == "sent")
        return int((await session.execute(sent)).scalar_one())


async def scenario(sessions: Any, *, workers: int, messages: int, smtp_port: int) -> dict[str, Any]:
    await fill(sessions, messages)
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("NOTIFICATIONS_")},
           "NOTIFICATIONS_DATABASE_URL": POSTGRES_URL, "NOTIFICATIONS_DATABASE_SCHEMA": SCHEMA,
           "NOTIFICATIONS_SMTP_HOST": "127.0.0.1", "NOTIFICATIONS_SMTP_PORT": str(smtp_port),
           "NOTIFICATIONS_SMTP_STARTTLS": "false", "NOTIFICATIONS_IDLE_SECONDS": "0.2",
           "NOTIFICATIONS_QUIET_HOURS_START": "00:00", "NOTIFICATIONS_QUIET_HOURS_END": "00:00",
           "NOTIFICATIONS_ENVIRONMENT": "test", "NOTIFICATIONS_LOG_LEVEL": "WARNING"}
    processes = [_start([sys.executable, "-m", "notifications.cli", "worker", "--steps", "send"], env)
                 for _ in range(workers)]
    samples: list[tuple[float, int]] = []
    try:
        started = time.monotonic()
        while True:
            count = await sent(sessions)
            samples.append((time.monotonic() - started, count))
            if count >= messages or time.monotonic() - started > 600:
                break
            await asyncio.sleep(0.5)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=15)
    first = next(t for t, c in samples if c > 0)  # from the first message out (process start-up excluded)
    total = samples[-1][0] - first
    per_second = [(c2 - c1) / (t2 - t1) for (t1, c1), (t2, c2) in itertools.pairwise(samples)
                  if t1 >= first and c2 < messages]
    third = max(1, len(per_second) // 3)
    return {"workers": workers, "messages": samples[-1][1], "seconds": total, "rate": messages / total,
            "p10": statistics.quantiles(per_second, n=10)[0] if len(per_second) > 2 else None,
            "p50": statistics.median(per_second) if per_second else None,
            "p90": statistics.quantiles(per_second, n=10)[-1] if len(per_second) > 2 else None,
            "first": statistics.mean(per_second[:third]) if per_second else None,
            "last": statistics.mean(per_second[-third:]) if per_second else None}


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=6000)
    parser.add_argument("--workers", default="1,2")
    args = parser.parse_args()
    engine = create_engine(POSTGRES_URL)
    try:
        async with engine.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE'))
    except Exception as exc:  # noqa: BLE001
        sys.exit(f"PostgreSQL is needed at {POSTGRES_URL}: {exc}")
    await engine.dispose()
    await asyncio.to_thread(migrate, "notifications", POSTGRES_URL, SCHEMA)
    port = free_port()
    server = _start([sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}", "-c",
                     "aiosmtpd.handlers.Sink"], dict(os.environ))
    engine = create_engine(POSTGRES_URL, schema=SCHEMA)
    sessions = session_factory(engine)
    results = []
    try:
        await asyncio.to_thread(_wait_for_port, port)
        for workers in (int(w) for w in args.workers.split(",")):
            results.append(await scenario(sessions, workers=workers, messages=args.messages, smtp_port=port))
    finally:
        server.terminate()
        server.wait(timeout=10)
        await engine.dispose()
        cleanup = create_engine(POSTGRES_URL)
        async with cleanup.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE'))
        await cleanup.dispose()

    print(f"# Notifications sending — {args.messages:,} e-mails (3 recipients each) to a local SMTP server")
    print(f"\n{platform.platform()}, Python {platform.python_version()}, {os.cpu_count()} CPUs\n")
    print("| workers (4 SMTP connections each) | sent | time | mean rate | per-second p10 / p50 / p90 | "
          "first third → last third |")
    print("|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['workers']} | {r['messages']:,} | {r['seconds']:.1f} s | {r['rate']:.0f} /s | "
              f"{r['p10']:.0f} / {r['p50']:.0f} / {r['p90']:.0f} /s | {r['first']:.0f} → {r['last']:.0f} /s |")


def _start(command: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603


def _wait_for_port(port: int) -> None:
    import socket

    for _ in range(100):
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError("the SMTP server did not start")


if __name__ == "__main__":
    asyncio.run(main())
