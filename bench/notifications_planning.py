"""Benchmark: planning deadline reminders for 50,000 targets across 4 campaigns, on PostgreSQL; then expanding
them into e-mails and feed items.

    .venv/bin/python bench/notifications_planning.py [--targets 50000] [--campaigns 4] [--runs 3]

What runs: the notifications service's own code in this process (`Planner.plan_reminders`, `Expander`) on a
PostgreSQL schema `bench_notifications` created with the service's Alembic migration and dropped at the end.
The data is inserted directly: N targets spread over the campaigns, all still to submit, each campaign with a
few per-unit extensions (5 deadlines per campaign), everyone's next reminder due now ("7 days before").
Per run, the planner writes one notification per target and moves every target to its next slot; the
expander then turns the notifications into e-mails (To: principal and IT officer, Cc: the unit's address) and
feed items, with the recipients already in the directory cache (so identity is not part of the measure).

Prints a Markdown report (figures for bench/RESULTS.md). Refuses to run without PostgreSQL.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from sqlalchemy import func, insert, select, text  # noqa: E402
from sqlmodel import col  # noqa: E402

from edudx_common.db import create_engine, session_factory  # noqa: E402
from edudx_common.timezone import VIETNAM  # noqa: E402
from notifications.campaigns.models import TrackedCampaign, TrackedTarget  # noqa: E402
from notifications.delivery.compose import Links  # noqa: E402
from notifications.delivery.expander import Expander  # noqa: E402
from notifications.delivery.models import Notification, OutgoingEmail  # noqa: E402
from notifications.directory.models import UnitContact  # noqa: E402
from notifications.directory.service import Directory  # noqa: E402
from notifications.feed.models import FeedItem  # noqa: E402
from notifications.reminders.planner import Planner, PlanReport  # noqa: E402
from notifications.timing import QuietHours  # noqa: E402
from tests.support import migrate  # noqa: E402

POSTGRES_URL = os.environ.get("EDUDX_BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
SCHEMA = "bench_notifications"
DEADLINES_PER_CAMPAIGN = 5
CHUNK = 2000


def _due_day() -> datetime:
    today = datetime.now(VIETNAM).date()
    return datetime.combine(today + timedelta(days=7), clock_time(17), tzinfo=VIETNAM)


async def populate(sessions: Any, *, targets: int, campaigns: int) -> tuple[datetime, list[uuid.UUID]]:
    """Campaigns, targets due for their '7 days before' reminder now, and each unit's people in the cache."""
    due = _due_day()
    slot = datetime.combine(due.date() - timedelta(days=7), clock_time(8), tzinfo=VIETNAM)
    now = datetime.now(UTC)
    phong = uuid.uuid4()
    ids = [uuid.uuid4() for _ in range(campaigns)]
    async with sessions() as session, session.begin():
        await session.execute(insert(TrackedCampaign), [
            {"id": c, "title": f"Báo cáo tổng kết ứng dụng CNTT năm học 2025-2026 (đợt {i + 1})",
             "issuer_unit_id": phong, "kind": "year_end_report", "due_at": due, "due_fact_at": now, "status": "open",
             "status_fact_at": now, "revision": 0, "needs_sync": False, "synced_at": now, "created_at": now,
             "updated_at": now} for i, c in enumerate(ids)])
    rows, contacts = [], []
    for n in range(targets):
        unit = uuid.uuid4()
        campaign = ids[n % campaigns]
        unit_due = due + timedelta(days=(n // campaigns) % DEADLINES_PER_CAMPAIGN)  # a few extensions
        rows.append({"campaign_id": campaign, "unit_id": unit, "unit_name": f"Trường số {n}", "state": "pending",
                     "state_fact_at": now, "withdrawn": False, "membership_fact_at": now,
                     "extension_due_at": unit_due if unit_due != due else None, "extension_fact_at": now,
                     "resubmission_due_at": None, "due_at": unit_due, "revision": 0, "submission_id": None,
                     "last_submitted_at": None,
                     "next_reminder_at": slot + (unit_due - due)})
        contacts.append({"unit_id": unit, "name": f"Trường THCS số {n}", "code": f"T{n:06d}", "type": "school",
                         "email": f"truong{n}@edudx.vn", "parent_id": phong, "path": f"/{phong.hex}/{unit.hex}/",
                         "active": True, "fetched_at": now, "people": [
                             {"user_id": str(uuid.uuid4()), "email": f"ht{n}@edudx.vn", "full_name": "Hiệu trưởng",
                              "roles": ["principal"]},
                             {"user_id": str(uuid.uuid4()), "email": f"cntt{n}@edudx.vn", "full_name": "Cán bộ CNTT",
                              "roles": ["school_it_officer"]}]})
    async with sessions() as session, session.begin():
        for start in range(0, targets, CHUNK):
            await session.execute(insert(TrackedTarget), rows[start : start + CHUNK])
            await session.execute(insert(UnitContact), contacts[start : start + CHUNK])
    return slot + timedelta(days=DEADLINES_PER_CAMPAIGN, minutes=1), ids


async def reset(sessions: Any, slot_end: datetime) -> None:
    """Back to 'every reminder due': no notifications, e-mails or feed items; targets at their 7-days slot."""
    async with sessions() as session, session.begin():
        for table in (FeedItem, OutgoingEmail, Notification):
            await session.execute(text(f"TRUNCATE {table.__tablename__} CASCADE"))
        await session.execute(text("UPDATE tracked_targets SET next_reminder_at = due_at - interval '7 days 9 hours'"))
    async with sessions() as session:
        await session.execute(text("ANALYZE"))


async def count(sessions: Any, model: Any) -> int:
    async with sessions() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--targets", type=int, default=50_000)
    parser.add_argument("--campaigns", type=int, default=4)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--expand", type=int, default=1, help="runs of the expander (0: skip)")
    args = parser.parse_args()

    engine = create_engine(POSTGRES_URL)
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001
        sys.exit(f"PostgreSQL is needed at {POSTGRES_URL}: {exc}")
    async with engine.begin() as conn:
        await conn.execute(text(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE'))
    await engine.dispose()
    await asyncio.to_thread(migrate, "notifications", POSTGRES_URL, SCHEMA)
    engine = create_engine(POSTGRES_URL, schema=SCHEMA)
    sessions = session_factory(engine)
    try:
        started = time.perf_counter()
        now, _ids = await populate(sessions, targets=args.targets, campaigns=args.campaigns)
        populated = time.perf_counter() - started
        planner = Planner(sessions, catch_up_hours=24 * 8, digest_time=clock_time(7, 30))
        plan_times, reports = [], []
        for _ in range(args.runs):
            await reset(sessions, now)
            report = PlanReport()
            started = time.perf_counter()
            await planner.plan_reminders(now, report)
            plan_times.append(time.perf_counter() - started)
            reports.append(report)
        notifications = await count(sessions, Notification)
        async with sessions() as session:
            pending = (await session.execute(select(func.count()).where(
                col(TrackedTarget.next_reminder_at) <= now))).scalar_one()

        expand_times = []
        emails = feed = 0
        for _ in range(args.expand):
            await reset(sessions, now)
            await planner.plan_reminders(now, PlanReport())
            expander = Expander(sessions, Directory(sessions, None, ttl_seconds=10 ** 9),  # type: ignore[arg-type]
                                None,  # type: ignore[arg-type]
                                links=Links("https://edudx.vn"), quiet_hours=QuietHours(clock_time(21), clock_time(7)),
                                mail_domain="edudx.vn", owner="bench", batch_size=1000, read_owners=False)
            started = time.perf_counter()
            while await expander.expand_due(now) > 0:
                pass
            expand_times.append(time.perf_counter() - started)
            emails, feed = await count(sessions, OutgoingEmail), await count(sessions, FeedItem)
    finally:
        await engine.dispose()
        cleanup = create_engine(POSTGRES_URL)
        async with cleanup.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE'))
        await cleanup.dispose()

    best, median = min(plan_times), statistics.median(plan_times)
    print(f"# Notifications planning — {args.targets:,} targets, {args.campaigns} campaigns, "
          f"{args.campaigns * DEADLINES_PER_CAMPAIGN} (campaign, deadline) groups")
    print(f"\n{platform.platform()}, Python {platform.python_version()}, {os.cpu_count()} CPUs; "
          f"data inserted in {populated:.1f} s\n")
    print("| step | runs | best | median | per target | result |")
    print("|---|---|---|---|---|---|")
    print(f"| plan reminders (`Planner.plan_reminders`) | {args.runs} | {best:.2f} s | {median:.2f} s | "
          f"{median / args.targets * 1e6:.0f} µs | {reports[-1].reminders:,} notifications written "
          f"({notifications:,} in the table), {pending} targets left due |")
    if expand_times:
        best_e, median_e = min(expand_times), statistics.median(expand_times)
        print(f"| expand to e-mails + feed (`Expander`, batches of 1,000, directory cached) | {args.expand} | "
              f"{best_e:.2f} s | {median_e:.2f} s | {median_e / args.targets * 1e6:.0f} µs | "
              f"{emails:,} e-mails, {feed:,} feed items |")
    print(f"\nRequirement: planning 50,000 targets under 10 s on PostgreSQL — "
          f"{'met' if median < 10 else 'NOT met'} (median {median:.2f} s).")


if __name__ == "__main__":
    asyncio.run(main())
