"""Benchmark: one autosave's database work and CPU in submissions, the way before issue 24 against the one-statement
save, alternating in one run.

    .venv/bin/python bench/autosave.py [--drafts 200] [--rounds 6]

On PostgreSQL (`EDUDX_BENCH_POSTGRES_URL`, default the local `test` database; schema `bench_autosave`, dropped
before and after). One published campaign with `--drafts` schools, each with a draft holding the full seed-004
answers. Each round saves every draft once as its school's IT officer — one history line grows per draft, as
an officer typing for a while — first the way before (a `pool_pre_ping` engine; the draft read, the
compare-and-set, the latest history line read, the line's update or insert: four statements and a ping), then
the way now (`workflow.drafts.save_draft`: two statements, no ping), and so on alternately. Each save is its own
transaction, committed, as a request's is. Reports CPU of this process (all of it is the service's Python, the
driver and SQLAlchemy: no HTTP, no token check) and wall time per save, and the statements each sends.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from sqlalchemy import event, insert, text  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine  # noqa: E402

from edudx_common.auth import Principal, Role  # noqa: E402
from edudx_common.db import create_engine, session_factory  # noqa: E402
from edudx_common.text import fold  # noqa: E402
from submissions.campaigns.models import Campaign, CampaignTarget, issuer_group_of  # noqa: E402
from submissions.outlines.seed import SEED_004_DEFINITION  # noqa: E402
from submissions.outlines.validation import split_storable  # noqa: E402
from submissions.school_years.models import SchoolYear  # noqa: E402
from submissions.workflow import outline_cache, repository, service  # noqa: E402
from submissions.workflow.models import Submission, SubmissionEvent  # noqa: E402
from submissions.workflow.service import drafts  # noqa: E402
from tests.submissions.builders import FULL_ANSWERS  # noqa: E402
from tests.support import migrate  # noqa: E402

POSTGRES_URL = os.environ.get("EDUDX_BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
SCHEMA = "bench_autosave"
NOW = datetime.now(UTC).replace(microsecond=0)


def principal_of(unit_id: uuid.UUID) -> Principal:
    return Principal(subject=f"officer-{unit_id.hex[:8]}", kind="user", user_id=uuid.uuid5(unit_id, "officer"),
                     unit_id=unit_id, roles=frozenset({Role.SCHOOL_IT_OFFICER.value}), name="Cán bộ CNTT")


async def seed(engine: AsyncEngine, drafts: int) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """(submission id, unit id) of every draft."""
    so = uuid.uuid4()
    async with session_factory(engine)() as session:
        session.add(SchoolYear(id=uuid.UUID(int=1), name="2025-2026", starts_on=date(2025, 9, 1),
                               ends_on=date(2026, 8, 31)))
        await session.flush()
        title = "Báo cáo tổng kết ứng dụng CNTT năm học 2025-2026"
        campaign = Campaign(issuer_unit_id=so, issuer_path=f"/{so.hex}/", issuer_name="Sở GDĐT thử nghiệm",
                            school_year_id=uuid.UUID(int=1), title=title, title_folded=fold(title),
                            kind="year_end_report", opens_at=NOW - timedelta(days=30), due_at=NOW + timedelta(days=1),
                            outline=SEED_004_DEFINITION, target_rule={"unit_types": ["school"], "education_levels": []},
                            status="published", published_at=NOW - timedelta(days=30))
        session.add(campaign)
        await session.commit()
        campaign_id = campaign.id
    targets, submissions, drafts_of = [], [], []
    for i in range(drafts):
        unit_id, target_id, submission_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        name = f"Trường THCS thử nghiệm {i + 1}"
        targets.append({"id": target_id, "campaign_id": campaign_id, "unit_id": unit_id, "unit_code": f"T{i:05d}",
                        "unit_name": name, "unit_name_folded": fold(name), "unit_type": "school",
                        "education_levels": ["thcs"], "unit_path": f"/{so.hex}/{unit_id.hex}/",
                        # as targeting stamps it (an insert of rows skips the mapper's hook): the status view reads it
                        "issuer_group_hex": issuer_group_of(f"/{so.hex}/{unit_id.hex}/", so),
                        "added_at": NOW - timedelta(days=30), "withdrawn_at": None, "extension_due_at": None,
                        "extension_reason": None})
        submissions.append({"id": submission_id, "campaign_id": campaign_id, "target_id": target_id,
                            "unit_id": unit_id, "status": "draft", "content": FULL_ANSWERS, "version": 1,
                            "submit_count": 0, "created_at": NOW, "updated_at": NOW, "updated_by": "Cán bộ CNTT"})
        drafts_of.append((submission_id, unit_id))
    async with engine.begin() as conn:
        await conn.execute(insert(CampaignTarget.__table__), targets)  # type: ignore[attr-defined]
        await conn.execute(insert(Submission.__table__), submissions)  # type: ignore[attr-defined]
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text("VACUUM ANALYZE"))
    return drafts_of


async def save_before(session: AsyncSession, principal: Principal, submission_id: uuid.UUID,
                      values: dict[str, Any], base_version: int) -> None:
    """save_draft as it was before issue 24 (same checks; the statements of that time)."""
    ctx = await service.load(session, principal, submission_id)
    now = datetime.now(UTC)
    service.ensure_can_edit(principal, ctx, now)
    outline = outline_cache.outline(ctx.campaign)
    assert outline is not None
    kept, _refused = split_storable(outline, values)
    content = {k: v for k, v in {**ctx.submission.content, **kept}.items() if v is not None}
    assert await repository.compare_and_set(session, ctx.submission, base_version,
                                            {"content": content, "updated_at": now, "updated_by": principal.name})
    last = await repository.last_event(session, ctx.submission.id)
    if last is not None and last.action == "edited" and last.actor_id == principal.subject:
        detail = {**(last.detail or {}), "saves": int((last.detail or {}).get("saves", 1)) + 1}
        await session.execute(repository._TOUCH_EVENT, {"event_id": last.id, "at": now, "detail": detail})
        return
    session.add(SubmissionEvent(submission_id=ctx.submission.id, seq=(last.seq + 1) if last else 1, action="edited",
                                actor_id=principal.subject, actor_name=principal.name,
                                actor_unit_id=principal.unit_id, detail={"fields": list(kept), "saves": 1}, at=now))
    await session.flush()


async def save_now(session: AsyncSession, principal: Principal, submission_id: uuid.UUID,
                   values: dict[str, Any], base_version: int) -> None:
    await drafts.save_draft(session, principal, lambda: datetime.now(UTC), submission_id, values, base_version)


Save = Callable[[AsyncSession, Principal, uuid.UUID, dict[str, Any], int], Awaitable[None]]


async def one_round(engine: AsyncEngine, save: Save, drafts: list[tuple[uuid.UUID, uuid.UUID]],
                    versions: dict[uuid.UUID, int], round_no: int) -> tuple[float, float]:
    factory = session_factory(engine)
    cpu, wall = time.process_time(), time.perf_counter()
    for submission_id, unit_id in drafts:
        async with factory() as session:
            await save(session, principal_of(unit_id), submission_id, {"s3_posts": round_no}, versions[submission_id])
            await session.commit()
        versions[submission_id] += 1
    n = len(drafts)
    return (time.process_time() - cpu) * 1000 / n, (time.perf_counter() - wall) * 1000 / n


async def statements_per_save(engine: AsyncEngine, save: Save, draft: tuple[uuid.UUID, uuid.UUID],
                              versions: dict[uuid.UUID, int]) -> list[str]:
    sent: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        sent.append(" ".join(statement.split())[:60])

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        async with session_factory(engine)() as session:
            await save(session, principal_of(draft[1]), draft[0], {"s3_posts": 1000}, versions[draft[0]])
            await session.commit()
        versions[draft[0]] += 1
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)
    return sent


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--drafts", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=6, help="rounds of each way, alternating")
    args = parser.parse_args()
    if not POSTGRES_URL.startswith("postgresql"):
        sys.exit("This benchmark runs on PostgreSQL only.")
    await drop()
    await asyncio.to_thread(migrate, "submissions", POSTGRES_URL, SCHEMA)  # alembic runs its own event loop
    now_engine = create_engine(POSTGRES_URL, schema=SCHEMA)  # as the service runs now: no ping per checkout
    before_engine = create_async_engine(POSTGRES_URL, pool_pre_ping=True, pool_size=10, max_overflow=10,
                                        connect_args={"server_settings": {"search_path": SCHEMA}, "timeout": 5.0})
    try:
        drafts = await seed(now_engine, args.drafts)
        versions = {submission_id: 1 for submission_id, _ in drafts}
        load = os.getloadavg()
        ways: dict[str, tuple[AsyncEngine, Save]] = {"before": (before_engine, save_before),
                                                      "now": (now_engine, save_now)}
        for engine, save in ways.values():  # warm-up: statement caches, pools, the planner
            await one_round(engine, save, drafts[:20], versions, 0)
        figures: dict[str, list[tuple[float, float]]] = {name: [] for name in ways}
        for round_no in range(1, args.rounds + 1):
            for name, (engine, save) in ways.items():
                figures[name].append(await one_round(engine, save, drafts, versions, round_no))
        sent = {name: await statements_per_save(engine, save, drafts[0], versions)
                for name, (engine, save) in ways.items()}
        report(args, load, os.getloadavg(), figures, sent)
    finally:
        await now_engine.dispose()
        await before_engine.dispose()
        await drop()


def report(args: argparse.Namespace, load_before: tuple[float, float, float], load_after: tuple[float, float, float],
           figures: dict[str, list[tuple[float, float]]], sent: dict[str, list[str]]) -> None:
    print(f"### `bench/autosave.py --drafts {args.drafts} --rounds {args.rounds}` "
          f"(load average before {' '.join(f'{x:.2f}' for x in load_before)}, "
          f"after {' '.join(f'{x:.2f}' for x in load_after)})\n")
    print("| way | saves | CPU ms per save (median of rounds) | min | wall ms per save (median) | statements |")
    print("|---|---:|---:|---:|---:|---:|")
    medians = {}
    for name, rounds in figures.items():
        cpu = [c for c, _ in rounds]
        wall = [w for _, w in rounds]
        medians[name] = statistics.median(cpu)
        print(f"| {name} | {args.drafts * len(rounds)} | {statistics.median(cpu):.2f} | {min(cpu):.2f} | "
              f"{statistics.median(wall):.2f} | {len(sent[name])} |")
    print(f"\nnow / before (CPU per save): {medians['now'] / medians['before']:.2f}\n")
    for name, statements in sent.items():
        print(f"- {name}: " + "; ".join(f"`{s}…`" for s in statements))


async def drop() -> None:
    engine = create_engine(POSTGRES_URL)
    async with engine.begin() as conn:
        await conn.execute(text(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE'))
    await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
