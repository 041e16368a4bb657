"""Benchmark: the results page's database work at national scale, in process, before and after in one run.

    .venv/bin/python bench/results_queries.py [--sizes 300,3000,30000,50000] [--requests 5]

No HTTP and no other service: a scratch PostgreSQL schema `bench_results_queries` migrated by Alembic, one
campaign per size whose schools sit under 63 provinces' Phòng (`/<Bộ>/<Sở>/<Phòng>/<school>/`, the Bộ issuing,
so the results group by Sở), each with a score sheet as a score write leaves it (summary and result columns;
criterion scores are not needed by results). Per size, alternating so machine load hits both alike:

- before (session 7, kept here as it was): the (group, class) aggregate cutting each sheet's sub-authority out of
  its `unit_path` (strpos/rtrim/substr), and the page over rank() OVER every sheet (lag/lead for ties,
  count() OVER () for the total) with the group cut out of the page's paths;
- after (s8b): the aggregate a GROUP BY on the stored `group_hex`, and the page an ORDER BY … LIMIT of narrow rows
  ranked from one grouped count of the sheets placed at or above the page (`class_figures`, `ranked_page`);
each for page 1 by rank, a late page by name, a search without diacritics, and one Sở's schools; and the ranking
export's database work and XLSX (`export_rows` + `export.summary_xlsx`, every school) once per size.

Session 9 (s9c), alternating too: the last page by name's statement read forwards (s8) and backwards from the end
(`ranked_page` now); the summary export as s8 did it (self and review totals parsed out of each JSON summary, rows
through the ORM, xlsxwriter) and now (columns of the covering index, plain rows, `streamed_xlsx`), the database
part apart and the whole.

Session 10 (s10d), alternating: the whole page (figures, ranked page, details) with and without the index in the
page's order by name (`ix_score_sheets_campaign_name`, dropped in a rolled-back transaction for the "without"
way), for the last page by name, a middle page by name and page 1 by rank; and the page's statement alone.

Prints Markdown. Drops the schema at the end (also on failure). Refuses to run without PostgreSQL.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from sqlalchemy import and_, case, event, func, insert, literal, null, or_, select, text  # noqa: E402
from sqlmodel import col  # noqa: E402

from edudx_common.db import create_engine, session_factory, utcnow  # noqa: E402
from edudx_common.text import fold  # noqa: E402
from scoring.results import export, repository  # noqa: E402
from scoring.results.service import SummaryLine  # noqa: E402
from scoring.rubrics.service import template_definition  # noqa: E402
from scoring.sheets.calculation import Mark, outcome, summary_of  # noqa: E402
from scoring.sheets.models import ScoreSheet  # noqa: E402
from tests.support import drop_schema_sync, migrate  # noqa: E402

POSTGRES_URL = os.environ.get("EDUDX_BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
SCHEMA = os.environ.get("EDUDX_BENCH_SCHEMA", "bench_results_queries")  # several people may bench at once
STEP = Decimal("0.25")


def _summaries(count: int, rng: random.Random) -> list[tuple[dict[str, Any], Decimal, str | None]]:
    """`count` distinct realistic summaries of the seed-004 rubric (sheets reuse them: building 50,000 outcomes
    would dominate the run, and results only read the stored summary)."""
    definition = template_definition("seed-004-cntt")
    maxima = {c.code: Decimal(str(c.max_points)) for g in definition.groups for c in g.criteria}
    made = []
    for _ in range(count):
        marks = {code: Mark(STEP * rng.randint(int(m / STEP) // 3, int(m / STEP))) for code, m in maxima.items()}
        result = outcome(definition, marks, {})
        made.append((summary_of(result), result.final_total, result.classification.label))
    return made


async def build(size: int, rng: random.Random, summaries: list[tuple[dict[str, Any], Decimal, str | None]]
                ) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID]:
    """One campaign of `size` schools; returns (campaign, issuer, one Sở)."""
    campaign_id, bo = uuid.uuid4(), uuid.uuid4()
    provinces = [uuid.uuid4() for _ in range(63)]
    phong = {so: [uuid.uuid4() for _ in range(10)] for so in provinces}
    now = utcnow()
    rows = []
    for n in range(size):
        so = provinces[n % 63]
        unit_id = uuid.uuid4()
        summary, total, label = summaries[rng.randrange(len(summaries))]
        name = f"Trường {rng.choice(['Tiểu học', 'THCS', 'THPT', 'Mầm non'])} số {n}"
        rows.append({"id": uuid.uuid4(), "submission_id": uuid.uuid4(), "campaign_id": campaign_id,
                     "unit_id": unit_id, "unit_name": name, "unit_name_folded": fold(name),
                     "unit_path": f"/{bo.hex}/{so.hex}/{rng.choice(phong[so]).hex}/{unit_id.hex}/",
                     "rubric_id": uuid.UUID(int=4), "submission_status": "approved", "submit_count": 1,
                     "status_at": now, "summary": summary, "final_total": total, "classification": label,
                     # stamped as sheets are written today: no UPDATE of every row (and its VACUUM) before measuring
                     "issuer_unit_id": bo, "group_hex": so.hex, "self_total": Decimal(summary["self_total"]),
                     "review_total": None if summary["review_total"] is None else Decimal(summary["review_total"]),
                     "created_at": now, "updated_at": now})
    engine = create_engine(POSTGRES_URL, schema=SCHEMA)
    try:
        async with engine.begin() as conn:
            for start in range(0, len(rows), 2000):
                await conn.execute(insert(ScoreSheet.__table__), rows[start:start + 2000])  # type: ignore[attr-defined]
        async with engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("VACUUM ANALYZE"))
    finally:
        await engine.dispose()
    return campaign_id, bo, provinces[0]


def _old_group(issuer: uuid.UUID, path: Any) -> Any:
    """Session 7's sub-authority: cut out of the path in SQL for every row (repository.group_hex as it was)."""
    at = func.strpos(path, literal(f"/{issuer.hex}/"))
    below = func.length(func.rtrim(path, "/")) > at + 66
    return case((and_(at > 0, below), func.substr(path, at + 34, 32)), else_=null())


async def _old_page(session: Any, campaign_id: uuid.UUID, issuer: uuid.UUID, *, offset: int, by_name: bool = False,
                    search: str | None = None, group: uuid.UUID | None = None) -> list[Any]:
    """Session 7's figures and page: the aggregate over the path-cut group, rank() OVER every sheet."""
    submitted = [col(ScoreSheet.campaign_id) == campaign_id, col(ScoreSheet.submit_count) > 0]
    final = func.coalesce(col(ScoreSheet.final_total), literal(Decimal(0)))
    key = _old_group(issuer, col(ScoreSheet.unit_path))
    approved = func.sum(case((col(ScoreSheet.submission_status) == "approved", 1), else_=0))
    await session.execute(select(key, col(ScoreSheet.classification), func.count(), func.sum(func.round(final * 100)),
                                 approved).where(*submitted).group_by(key, col(ScoreSheet.classification)))
    order = [final.desc()]
    tied = or_(func.lag(final).over(order_by=order) == final, func.lead(final).over(order_by=order) == final)
    ranked = select(col(ScoreSheet.id).label("sheet_id"), col(ScoreSheet.unit_name).label("unit_name"),
                    col(ScoreSheet.unit_name_folded).label("folded"), final.label("final_total"),
                    col(ScoreSheet.unit_path).label("path"), func.rank().over(order_by=order).label("rank"),
                    tied.label("tied")).where(*submitted).subquery("ranked")
    where = []
    if search:
        where.append(ranked.c.folded.like(f"%{search.replace(' ', '%')}%"))
    if group is not None:
        where.append(_old_group(issuer, ranked.c.path) == group.hex)
    page_order = ([ranked.c.folded, ranked.c.unit_name, ranked.c.rank] if by_name
                  else [ranked.c.rank, ranked.c.unit_name])
    page = (select(ranked, func.count().over().label("matching")).where(*where)
            .order_by(*page_order, ranked.c.sheet_id).limit(50).offset(offset)).subquery("page")
    rows = (await session.execute(select(page, _old_group(issuer, page.c.path)))).all()
    await repository.sheet_details(session, [r.sheet_id for r in rows])
    return rows


async def _s8_export(session: Any, ranked: Any) -> list[tuple[Any, ...]]:
    """Session 8's export rows: the two totals parsed out of the JSON summary (a join to the sheet), ORM rows."""
    summary = col(ScoreSheet.summary)
    rows = ranked.rows.c
    query = (select(rows.unit_id, rows.unit_name, rows.group_hex, summary["self_total"].as_string(),
                    summary["review_total"].as_string(), rows.final_total, rows.classification, rows.rank, rows.tied,
                    col(ScoreSheet.submission_status))
             .join(ScoreSheet, col(ScoreSheet.id) == rows.sheet_id)
             .order_by(rows.rank, repository._CodePointOrder(rows.unit_name), rows.sheet_id))
    return [(unit_id, name, group, None if s is None else Decimal(s), None if r is None else Decimal(r),
             Decimal(final), label, rank, bool(tied), status)
            for unit_id, name, group, s, r, final, label, rank, tied, status in await session.execute(query)]


def _s8_xlsx(lines: list[Any]) -> bytes:
    """Session 8's summary workbook: xlsxwriter, constant memory."""
    import io
    definition = template_definition("seed-004-cntt")
    buffer = io.BytesIO()
    workbook = export._workbook(buffer, "Đánh giá")
    header, points = export._formats(workbook)
    export._summary_sheet(workbook, definition, True, False, export.GroupBy.CHILD, header, points, lines, len(lines))
    workbook.close()
    return buffer.getvalue()


def _lines(rows: list[Any]) -> list[SummaryLine]:
    return [SummaryLine(unit_name=name, group_name=group, self_total=s or Decimal(0), review_total=r,
                        final_total=final, group_levels=[], classification=label, rank=rank, tied=tied,
                        previous_total=None, previous_classification=None, submission_status=status)
            for _, name, group, s, r, final, label, rank, tied, status in rows]


# (s9c way, the s8 way it replaces): the ratio column compares them.
S9C_TWINS = {"s9c: last page by name, read backwards": "s8: last page by name, read forwards",
             "s9c: export rows, columns and plain rows (database)": "s8: export rows, JSON and ORM rows (database)",
             "s9c: export rows + streamed XLSX (whole)": "s8: export rows + xlsxwriter (whole)"}


async def measure_s9c(size: int, campaign_id: uuid.UUID, issuer: uuid.UUID, requests: int) -> dict[str, list[float]]:
    engine = create_engine(POSTGRES_URL, schema=SCHEMA)
    unscored = repository.Unscored(final_total=Decimal(0), classification=None)
    ranked = repository.ranked_sheets(campaign_id, issuer_id=issuer, unscored=unscored)
    base = select(*ranked.columns).where(*ranked.population).subquery("sheets")
    definition = template_definition("seed-004-cntt")

    async def forwards(session: Any) -> None:
        order = repository._page_order(base.c, 1, True)
        await session.execute(select(base).order_by(*order).limit(50).offset(size - 50))

    async def backwards(session: Any) -> None:  # what ranked_page sends for that page now
        order = repository._page_order(base.c, 1, True, backwards=True)
        await session.execute(select(base).order_by(*order).limit(50))

    async def s8_rows(session: Any) -> list[Any]:
        return await _s8_export(session, ranked)

    async def s9c_rows(session: Any) -> list[Any]:
        return [(r.unit_id, r.unit_name, r.group_hex, r.self_total, r.review_total, r.final_total, r.classification,
                 r.rank, r.tied, r.submission_status)
                for r in await repository.export_rows(session, ranked, with_group_levels=False)]

    def s9c_xlsx(lines: list[Any]) -> bytes:
        return export.summary_xlsx("Đánh giá", definition, ranking=True, with_previous=False, lines=lines,
                                   count=len(lines))

    timings: dict[str, list[float]] = {}
    pages = {"s8: last page by name, read forwards": forwards,
             "s9c: last page by name, read backwards": backwards}
    exports = {"s8": (s8_rows, _s8_xlsx, "JSON and ORM rows", "xlsxwriter"),
               "s9c": (s9c_rows, s9c_xlsx, "columns and plain rows", "streamed XLSX")}
    try:
        for n in range(requests + 1):
            for name, page in pages.items():
                async with session_factory(engine)() as session:
                    started = time.perf_counter()
                    await page(session)
                    if n:
                        timings.setdefault(name, []).append((time.perf_counter() - started) * 1000)
        for n in range(3):  # seconds each: a warm-up and two rounds, alternating
            for who, (rows_of, write, rows_how, writer) in exports.items():
                async with session_factory(engine)() as session:
                    started = time.perf_counter()
                    rows = await rows_of(session)
                    queried = time.perf_counter()
                    write(_lines(rows))
                    if n:
                        timings.setdefault(f"{who}: export rows, {rows_how} (database)", []).append(
                            (queried - started) * 1000)
                        timings.setdefault(f"{who}: export rows + {writer} (whole)", []).append(
                            (time.perf_counter() - started) * 1000)
    finally:
        await engine.dispose()
    return timings


NAME_INDEX = "ix_score_sheets_campaign_name"


async def measure_s10d(size: int, campaign_id: uuid.UUID, issuer: uuid.UUID, requests: int) -> dict[str, list[float]]:
    """Session 10 (s10d), alternating: the whole page (figures, ranked page, details) as the service asks for it,
    without the name index (dropped inside a transaction that is rolled back, so the other way finds it again) and
    with it, for the last page by name, a middle page by name and page 1 by rank."""
    engine = create_engine(POSTGRES_URL, schema=SCHEMA)
    unscored = repository.Unscored(final_total=Decimal(0), classification=None)
    pages: dict[str, dict[str, Any]] = {"the last page by name": {"offset": size - 50, "by_name": True},
                                        "a middle page by name": {"offset": size // 2, "by_name": True},
                                        "page 1 by rank": {"offset": 0}}
    ranked = repository.ranked_sheets(campaign_id, issuer_id=issuer, unscored=unscored)
    base = select(*ranked.columns).where(*ranked.population).subquery("sheets")
    statements = {  # the page's statement alone, as ranked_page sends it
        "statement: the last page by name": select(base).order_by(
            *repository._page_order(base.c, 1, True, backwards=True)).limit(50),
        "statement: a middle page by name": select(base).order_by(
            *repository._page_order(base.c, 1, True, backwards=True)).limit(50).offset(size // 2 - 50),
        "statement: page 1 by rank": select(base).order_by(*repository._page_order(base.c, 1, False)).limit(50)}
    timings: dict[str, list[float]] = {}
    try:
        for n in range(requests + 1):
            for label, statement in statements.items():
                for indexed in (False, True):
                    async with session_factory(engine)() as session, session.begin():
                        if not indexed:
                            await session.execute(text(f"DROP INDEX {NAME_INDEX}"))
                        started = time.perf_counter()
                        await session.execute(statement)
                        elapsed = (time.perf_counter() - started) * 1000
                        await session.rollback()
                    if n:
                        way = f"s10d: {label}, {'with' if indexed else 'without'} {NAME_INDEX}"
                        timings.setdefault(way, []).append(elapsed)
            for label, page in pages.items():
                for indexed in (False, True):
                    async with session_factory(engine)() as session, session.begin():
                        if not indexed:
                            await session.execute(text(f"DROP INDEX {NAME_INDEX}"))
                        started = time.perf_counter()
                        ranked = repository.ranked_sheets(campaign_id, issuer_id=issuer, unscored=unscored)
                        figures = await repository.class_figures(session, campaign_id, issuer_id=issuer,
                                                                 unscored=unscored)
                        rows, _ = await repository.ranked_page(session, ranked, limit=50, **page,
                                                               population_count=sum(f.count for f in figures))
                        await repository.sheet_details(session, [r.sheet_id for r in rows])
                        elapsed = (time.perf_counter() - started) * 1000
                        await session.rollback()
                    if n:
                        way = f"s10d: {label}, {'with' if indexed else 'without'} {NAME_INDEX}"
                        timings.setdefault(way, []).append(elapsed)
    finally:
        await engine.dispose()
    return timings


async def explain(engine: Any, label: str, way: Callable[[Any], Awaitable[None]]) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of every SELECT `way` sends, to stderr: the plan's nodes, trimmed."""
    sent: list[tuple[str, Any]] = []

    def keep(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            sent.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", keep)
    try:
        async with session_factory(engine)() as session:
            await way(session)
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", keep)
    async with engine.connect() as conn:
        for n, (statement, parameters) in enumerate(sent, 1):
            plan = (await conn.exec_driver_sql(f"EXPLAIN (ANALYZE, BUFFERS) {statement}", parameters)).scalars()
            print(f"--- {label}, query {n}", file=sys.stderr)
            for line in plan:
                if "Buffers:" in line or "Sort Method" in line or "->" in line or "Execution Time" in line \
                        or not line.startswith(" "):
                    print(line[:160], file=sys.stderr)


async def measure(size: int, campaign_id: uuid.UUID, issuer: uuid.UUID, one_so: uuid.UUID,
                  requests: int, explaining: bool = False) -> dict[str, list[float]]:
    engine = create_engine(POSTGRES_URL, schema=SCHEMA)
    unscored = repository.Unscored(final_total=Decimal(0), classification=None)
    timings: dict[str, list[float]] = {}
    async with engine.connect() as conn:  # build() stored the sheets stamped, as they are written today
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text("VACUUM ANALYZE score_sheets"))

    def before(**page: Any) -> Callable[[Any], Awaitable[None]]:
        async def run(session: Any) -> None:
            await _old_page(session, campaign_id, issuer, **page)
        return run

    def after(**page: Any) -> Callable[[Any], Awaitable[None]]:
        async def run(session: Any) -> None:
            ranked = repository.ranked_sheets(campaign_id, issuer_id=issuer, unscored=unscored)
            figures = await repository.class_figures(session, campaign_id, issuer_id=issuer, unscored=unscored)
            rows, _ = await repository.ranked_page(session, ranked, limit=50, **page,
                                                   population_count=sum(f.count for f in figures))
            await repository.sheet_details(session, [r.sheet_id for r in rows])
        return run

    pages: dict[str, dict[str, Any]] = {
        "page 1 by rank": {"offset": 0},
        "a late page by name": {"offset": max(0, size - 100), "by_name": True},
        "search 'truong thcs so 1'": {"offset": 0, "search": "truong thcs so 1"},
        "one Sở's schools": {"offset": 0, "group": one_so},
    }
    ways = {f"{when}: figures + {label}": (before if when == "before" else after)(**page)
            for label, page in pages.items() for when in ("before", "after")}
    try:
        if explaining:
            for name, way in ways.items():
                if "page 1 by rank" in name or "late page" in name:
                    await explain(engine, f"{size:,} {name}", way)
        for n in range(requests + 1):
            for name, way in ways.items():
                async with session_factory(engine)() as session:
                    started = time.perf_counter()
                    await way(session)
                    if n:
                        timings.setdefault(name, []).append((time.perf_counter() - started) * 1000)
        for n in range(2):  # the ranking export: every school, database and workbook
            async with session_factory(engine)() as session:
                started = time.perf_counter()
                ranked = repository.ranked_sheets(campaign_id, issuer_id=issuer, unscored=unscored)
                rows = await repository.export_rows(session, ranked, with_group_levels=False)
                queried = time.perf_counter()
                definition = template_definition("seed-004-cntt")
                lines = [SummaryLine(unit_name=r.unit_name, group_name=r.group_hex,
                                     self_total=r.self_total or Decimal(0), review_total=r.review_total,
                                     final_total=r.final_total, group_levels=[],
                                     classification=r.classification, rank=r.rank, tied=r.tied, previous_total=None,
                                     previous_classification=None, submission_status=r.submission_status)
                         for r in rows]
                export.summary_xlsx("Đánh giá", definition, ranking=True, with_previous=False, lines=lines,
                                    count=len(lines))
                if n:
                    timings["export: ranked rows (database)"] = [(queried - started) * 1000]
                    timings["export: ranked rows + XLSX (whole)"] = [(time.perf_counter() - started) * 1000]
    finally:
        await engine.dispose()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="300,3000,30000,50000")
    parser.add_argument("--requests", type=int, default=5)
    parser.add_argument("--explain", action="store_true",
                        help="EXPLAIN (ANALYZE, BUFFERS) of page 1 and a late page, both ways, at the largest size "
                             "(to stderr)")
    args = parser.parse_args()
    if not POSTGRES_URL.startswith("postgresql"):
        sys.exit("This benchmark runs on PostgreSQL only (EDUDX_BENCH_POSTGRES_URL).")
    rng = random.Random(4725)  # noqa: S311 - test data
    drop_schema_sync(POSTGRES_URL, SCHEMA)
    began = time.perf_counter()
    try:
        migrate("scoring", POSTGRES_URL, SCHEMA)
        summaries = _summaries(400, rng)
        print("### Results page, database work in process (ms; busy machine — rerun idle)")
        print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}\n")
        print("| schools | way | n | p50 | max | after / before (p50) |")
        print("|---:|---|---:|---:|---:|---:|")
        sizes = [int(s) for s in args.sizes.split(",")]
        for size in sizes:
            campaign_id, issuer, one_so = asyncio.run(build(size, rng, summaries))
            timings = asyncio.run(measure(size, campaign_id, issuer, one_so, args.requests,
                                          args.explain and size == sizes[-1]))
            timings.update(asyncio.run(measure_s9c(size, campaign_id, issuer, args.requests)))
            timings.update(asyncio.run(measure_s10d(size, campaign_id, issuer, args.requests)))
            for name, samples in timings.items():
                p50 = statistics.median(samples)
                twin = timings.get(S9C_TWINS.get(name)
                                   or name.replace("after:", "before:").replace(", with ", ", without "))
                compared = name.startswith(("after:", "s9c:")) or (name.startswith("s10d:") and ", with " in name)
                ratio = f"{p50 / statistics.median(twin):.2f}" if compared and twin else ""
                print(f"| {size:,} | {name} | {len(samples)} | {p50:.0f} | {max(samples):.0f} | {ratio} |")
            print(f"built and measured {size:,} schools", file=sys.stderr)
        print(f"\nRun took {time.perf_counter() - began:.0f} s.")
    finally:
        drop_schema_sync(POSTGRES_URL, SCHEMA)


if __name__ == "__main__":
    main()
