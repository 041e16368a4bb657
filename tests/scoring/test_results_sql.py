"""The results page computed in SQL (result columns, rank() OVER, aggregates per group and class) answers exactly
what the in-memory computation over every sheet answers (service.compute + to_read, which publication uses), for
every filter (search without diacritics too), order and page — ties across pages, units without a
sub-authority, unscored and draft sheets, a sub-authority's own view, last school year — and the migration
backfills the columns."""

from __future__ import annotations

import io
import random
import uuid
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

import sqlalchemy as sa
from openpyxl import load_workbook
from sqlalchemy import select

from edudx_common.auth import Principal, Role
from edudx_common.db import utcnow
from edudx_common.pagination import PageParams
from scoring.clients.identity import IdentityClient
from scoring.clients.submissions import CampaignInfo, SubmissionsClient
from scoring.errors import CampaignNotFound
from scoring.results import export, service
from scoring.results.computation import competition_ranks
from scoring.results.listing import NOT_CLASSIFIED, ResultsFilter, ResultsSort
from scoring.results.models import PublishedResult
from scoring.rubrics.service import template_definition
from scoring.sheets.calculation import Mark, outcome, summary_of
from scoring.sheets.models import CriterionScore, ScoreSheet
from scoring.sheets.service import refresh_summary
from tests.scoring.conftest import Stack, World
from tests.scoring.test_rubric_rules import SEED_004_MAXIMA
from tests.support import migrate

STEP = Decimal("0.25")


class _Submissions:
    def __init__(self, campaigns: dict[uuid.UUID, CampaignInfo]) -> None:
        self.campaigns = campaigns

    async def target_count(self, campaign_id: uuid.UUID) -> int:
        return 500

    async def campaign(self, campaign_id: uuid.UUID) -> CampaignInfo:
        if campaign_id not in self.campaigns:
            raise CampaignNotFound("Không tìm thấy đợt báo cáo.")
        return self.campaigns[campaign_id]


class _Identity:
    async def names(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
        return {i: f"Phòng {i.hex[:6]}" for i in ids}


def _campaign(world: World, *, copied_from: uuid.UUID | None = None) -> CampaignInfo:
    return CampaignInfo(id=uuid.uuid4(), title="Đánh giá CĐS", kind="dx_assessment", status="open",
                        issuer_unit_id=world.units["so"].id, rubric_id=uuid.UUID(world.rubrics["seed-004-cntt"]),
                        school_year_id=uuid.uuid4(), copied_from_id=copied_from)


async def _fill(stack: Stack, world: World, campaign: CampaignInfo, *, seed: int,
                unit_ids: list[uuid.UUID]) -> None:
    """Sheets in every shape results meet: tied totals (few distinct ones), schools under a Phòng, under a
    Phòng's sub-unit, directly under the Sở, outside the Sở; a submitted sheet never scored; a draft."""
    rng = random.Random(seed)
    definition = template_definition("seed-004-cntt")
    so, phong = world.units["so"].id, [world.units["p1"].id, world.units["p2"].id]
    sub_unit = uuid.uuid4()
    async with stack.services["scoring"].sessions() as session:
        for n, unit_id in enumerate(unit_ids):
            if n % 11 == 0:
                path = f"/{so.hex}/{unit_id.hex}/"
            elif n % 13 == 0:
                path = f"/{so.hex}/{phong[0].hex}/{sub_unit.hex}/{unit_id.hex}/"
            elif n % 17 == 0:
                path = f"/{uuid.uuid4().hex}/{unit_id.hex}/"
            else:
                path = f"/{so.hex}/{phong[n % 2].hex}/{unit_id.hex}/"
            name = f"Trường {'Ư' if n % 3 == 0 else 'U'}ng Hòa {n:02d}"  # with and without diacritics
            sheet = ScoreSheet(submission_id=uuid.uuid4(), campaign_id=campaign.id, unit_id=unit_id, unit_name=name,
                               unit_path=path, rubric_id=cast(uuid.UUID, campaign.rubric_id),
                               submission_status="approved" if n % 4 else "under_review",
                               submit_count=0 if n % 19 == 0 else 1, status_at=utcnow())
            session.add(sheet)
            await session.flush()
            if n % 23 == 0:
                continue  # submitted, never scored
            now = utcnow()
            level = rng.choice([Decimal("0.5"), Decimal("0.75"), Decimal("1")])  # few totals: many ties
            for code, maximum in SEED_004_MAXIMA.items():
                session.add(CriterionScore(sheet_id=sheet.id, criterion_code=code,
                                           self_points=(maximum * level / STEP).to_integral_value() * STEP,
                                           self_at=now))
            await refresh_summary(session, sheet, definition, None)
        await session.commit()


CHOICES = [
    (ResultsFilter(), PageParams()),
    (ResultsFilter(), PageParams(limit=7, offset=0)),
    (ResultsFilter(), PageParams(limit=7, offset=14)),
    (ResultsFilter(), PageParams(limit=50, offset=500)),  # past the end: no rows, the count still right
    (ResultsFilter(sort=ResultsSort.NAME), PageParams(limit=9, offset=9)),
    # Pages in the second half are read backwards from the end: the last one (partial), one just past the middle.
    (ResultsFilter(sort=ResultsSort.NAME), PageParams(limit=9, offset=81)),
    (ResultsFilter(), PageParams(limit=10, offset=80)),
    (ResultsFilter(), PageParams(limit=7, offset=40)),
    (ResultsFilter(q="ưng"), PageParams(limit=5, offset=25)),
    (ResultsFilter(q="ung hoa 1"), PageParams(limit=5, offset=0)),
    (ResultsFilter(q="ưng"), PageParams()),
    (ResultsFilter(classification="Trung bình"), PageParams(limit=6, offset=3)),
    (ResultsFilter(classification=NOT_CLASSIFIED), PageParams()),
    (ResultsFilter(classification="Không có loại này"), PageParams()),
]


async def _both(stack: Stack, campaign: CampaignInfo, submissions: _Submissions, chosen: ResultsFilter,
                page: PageParams, within: uuid.UUID | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    clients: dict[str, Any] = {"submissions": cast(SubmissionsClient, submissions),
                               "identity": cast(IdentityClient, _Identity())}
    async with stack.services["scoring"].sessions() as session:
        in_sql = await service.results_page(session, campaign, within=within, chosen=chosen, page=page, **clients)
        computation = await service.compute(session, campaign, within=within, **clients)
    return in_sql.model_dump(mode="json"), service.to_read(computation, chosen, page).model_dump(mode="json")


async def test_sql_results_answer_what_the_full_computation_answers(stack: Stack, world: World) -> None:
    last_year = _campaign(world)
    this_year = _campaign(world, copied_from=last_year.id)
    submissions = _Submissions({last_year.id: last_year, this_year.id: this_year})
    units = [uuid.uuid4() for _ in range(90)]
    await _fill(stack, world, last_year, seed=2024, unit_ids=units[:60] + [uuid.uuid4() for _ in range(10)])
    await _fill(stack, world, this_year, seed=2025, unit_ids=units)

    choices = [*CHOICES, (ResultsFilter(group_id=world.units["p2"].id), PageParams(limit=8, offset=8))]
    for chosen, page in choices:
        in_sql, reference = await _both(stack, this_year, submissions, chosen, page)
        assert in_sql == reference, (chosen, page)
    # A Phòng sees its own schools (its sub-unit's too), ranked among them.
    in_sql, reference = await _both(stack, this_year, submissions, ResultsFilter(), PageParams(limit=10, offset=5),
                                    within=world.units["p1"].id)
    assert in_sql == reference

    everything, _ = await _both(stack, this_year, submissions, ResultsFilter(), PageParams(limit=500))
    ranks = [row["rank"] for row in everything["items"]]
    assert any(row["tied"] for row in everything["items"]) and ranks == sorted(ranks)
    assert {row["group_id"] for row in everything["items"]} >= {None, str(world.units["p1"].id)}
    assert any(row["classification"] is None for row in everything["items"])  # the unscored one
    assert everything["previous_year"]["unit_count"] > 0
    assert sum(row["previous_total"] is not None for row in everything["items"]) > 0


def _cells(workbook: bytes) -> list[list[Any]]:
    sheets = load_workbook(io.BytesIO(workbook), read_only=True)
    assert sheets.sheetnames == [export.SUMMARY_SHEET]
    return [list(row) for row in sheets[export.SUMMARY_SHEET].iter_rows(values_only=True)]


async def test_the_summary_export_from_sql_writes_what_the_full_computation_writes(stack: Stack,
                                                                                   world: World) -> None:
    """The XLSX summary at national scale comes from the ranked query (no outcome rebuilt per unit): cell for
    cell what the in-memory computation writes, ties, unscored sheets, last year and a Phòng's own view too."""
    last_year = _campaign(world)
    this_year = _campaign(world, copied_from=last_year.id)
    submissions = _Submissions({last_year.id: last_year, this_year.id: this_year})
    units = [uuid.uuid4() for _ in range(60)]
    await _fill(stack, world, last_year, seed=2023, unit_ids=units[:40] + [uuid.uuid4() for _ in range(5)])
    await _fill(stack, world, this_year, seed=2026, unit_ids=units)
    clients: dict[str, Any] = {"submissions": cast(SubmissionsClient, submissions),
                               "identity": cast(IdentityClient, _Identity())}

    for within in (None, world.units["p1"].id):
        async with stack.services["scoring"].sessions() as session:
            summary = await service.summary_export(session, this_year, within=within, **clients)
            computation = await service.compute(session, this_year, within=within, **clients)
        in_sql = _cells(export.summary_xlsx(this_year.title, summary.definition, ranking=summary.ranking,
                                            with_previous=summary.with_previous, lines=summary.lines,
                                            count=len(summary.lines)))
        reference = _cells(export.results_xlsx(computation))

        assert in_sql == reference, within
        assert len(in_sql) == len(computation.results) + 1
        assert any(isinstance(rank, str) and "đồng hạng" in rank for *_, rank, _p, _c, _s in in_sql[1:])


class _Events:
    def __init__(self) -> None:
        self.emitted: list[Any] = []

    async def emit(self, session: Any, event: Any) -> None:
        self.emitted.append(event)


async def test_publication_from_sql_snapshots_what_the_full_computation_would(stack: Stack, world: World) -> None:
    """Publication ranks the approved sheets among themselves in SQL and writes the rows in bulk: the same
    snapshot as ranking the full computation's approved units in Python (ties, an unscored approved sheet)."""
    campaign = _campaign(world)
    submissions = _Submissions({campaign.id: campaign})
    await _fill(stack, world, campaign, seed=4725, unit_ids=[uuid.uuid4() for _ in range(70)])
    admin = Principal(subject="admin", kind="user", user_id=uuid.uuid4(), unit_id=world.units["so"].id,
                      roles=frozenset({Role.SYSTEM_ADMIN.value}), name="Quản trị")
    events = _Events()
    async with stack.services["scoring"].sessions() as session:
        computation = await service.compute(session, campaign, submissions=cast(SubmissionsClient, submissions),
                                            identity=cast(IdentityClient, _Identity()))
        await service.publish(session, admin, campaign, None, events=cast(Any, events), clock=utcnow,
                              school_year="2025-2026", issuer_path=f"/{world.units['so'].id.hex}/")
        await session.commit()
        published = (await session.execute(select(PublishedResult).where(
            PublishedResult.campaign_id == campaign.id))).scalars().all()  # type: ignore[arg-type]

    approved = [r for r in computation.results if r.sheet.submission_status == "approved"]
    ranks = competition_ranks([r.outcome.final_total for r in approved])
    expected = {r.sheet.unit_id: (r.sheet.unit_name, r.outcome.classification.label, r.outcome.final_total,
                                  r.outcome.max_total, rank,
                                  [{"code": g.code, "title": g.title, "total": float(g.final_total), "level": g.level}
                                   for g in r.outcome.groups])
                for r, rank in zip(approved, ranks, strict=True)}
    got = {p.unit_id: (p.unit_name, p.classification, Decimal(p.final_total), Decimal(p.max_total), p.rank,
                       p.group_levels) for p in published}
    assert got == expected
    assert len(set(ranks)) < len(ranks)  # ties were there to rank
    assert any(r.sheet.summary is None for r in approved)  # and an approved sheet never scored
    assert sorted(map(str, events.emitted[0].unit_ids)) == sorted(map(str, expected))


async def test_a_score_write_stores_the_result_columns_with_the_summary(stack: Stack, world: World) -> None:
    campaign = _campaign(world)
    await _fill(stack, world, campaign, seed=7, unit_ids=[uuid.uuid4() for _ in range(5)])
    async with stack.services["scoring"].sessions() as session:
        sheets = (await session.execute(select(ScoreSheet).where(ScoreSheet.campaign_id == campaign.id))).scalars()
        checked = 0
        for sheet in sheets:
            if sheet.summary is None:
                assert (sheet.final_total, sheet.classification) == (None, None)
                continue
            assert sheet.final_total == Decimal(sheet.summary["final_total"])
            assert sheet.classification == sheet.summary["classification"]["label"] is not None
            checked += 1
    assert checked >= 4


def test_the_migration_backfills_the_columns_from_the_summaries(tmp_path: Path) -> None:
    """On SQLite (batch mode); the PostgreSQL pass of test_migrations runs the same migration on its schema.
    h24_0003 fills the final total, class and folded name; h21a_0004 the class's level rank."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'scoring.db'}"
    migrate("scoring", url, None, "0002")
    definition = template_definition("seed-004-cntt")
    half = {code: Mark(Decimal(str(points)) / 2) for code, points in SEED_004_MAXIMA.items()}
    full = {code: Mark(Decimal(str(points))) for code, points in SEED_004_MAXIMA.items()}
    summaries = [summary_of(outcome(definition, half, {})), summary_of(outcome(definition, full, {})), None]
    sheets = sa.table("score_sheets", *(sa.column(c) for c in (
        "id", "submission_id", "campaign_id", "unit_id", "unit_name", "unit_path", "rubric_id", "submission_status",
        "submit_count", "status_at", "created_at", "updated_at")), sa.column("summary", sa.JSON()))
    now = utcnow().isoformat()
    ids = [uuid.uuid4().hex for _ in summaries]
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'scoring.db'}")
    try:
        with engine.begin() as conn:
            for sheet_id, summary in zip(ids, summaries, strict=True):
                conn.execute(sheets.insert().values(
                    id=sheet_id, submission_id=uuid.uuid4().hex, campaign_id=uuid.uuid4().hex,
                    unit_id=uuid.uuid4().hex, unit_name="Trường A", unit_path="/a/", rubric_id=uuid.uuid4().hex,
                    submission_status="approved", submit_count=1, status_at=now, created_at=now, updated_at=now,
                    summary=summary if summary is not None else sa.null()))
        migrate("scoring", url, None)
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT id, final_total, classification FROM score_sheets")).all()
            folded = conn.execute(sa.text("SELECT DISTINCT unit_name_folded FROM score_sheets")).scalars().all()
            level_ranks = dict(conn.execute(sa.text("SELECT id, level_rank FROM score_sheets")).all())  # h21a_0004
    finally:
        engine.dispose()
    found = {sheet_id: (None if total is None else Decimal(str(total)), label) for sheet_id, total, label in rows}
    assert found == {
        sheet_id: (None, None) if s is None else (Decimal(s["final_total"]), s["classification"]["label"])
        for sheet_id, s in zip(ids, summaries, strict=True)}
    assert {label for _, label in found.values()} == {"Xuất sắc", "Trung bình", None}  # 100 and 50 points
    assert folded == ["truong a"]
    assert level_ranks == {sheet_id: None if s is None else s["classification"]["rank"]
                           for sheet_id, s in zip(ids, summaries, strict=True)}
    assert sorted(r for r in level_ranks.values() if r is not None) == [1, 4]  # Trung bình, Xuất sắc


def test_the_migration_copies_the_self_and_review_totals_out_of_the_summaries(tmp_path: Path) -> None:
    """s9c_0001 on SQLite (batch mode; test_migrations runs it on PostgreSQL): a reviewed sheet, a self-scored one
    (no review total) and one never scored."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'scoring.db'}"
    migrate("scoring", url, None, "s8b_0001")
    definition = template_definition("seed-004-cntt")
    half = {code: Mark(Decimal(str(points)) / 2) for code, points in SEED_004_MAXIMA.items()}
    quarter = {code: Mark((Decimal(str(points)) / 4 / STEP).to_integral_value() * STEP)
               for code, points in SEED_004_MAXIMA.items()}
    summaries = [summary_of(outcome(definition, half, quarter)), summary_of(outcome(definition, half, {})), None]
    sheets = sa.table("score_sheets", *(sa.column(c) for c in (
        "id", "submission_id", "campaign_id", "unit_id", "unit_name", "unit_name_folded", "unit_path", "rubric_id",
        "submission_status", "submit_count", "status_at", "created_at", "updated_at", "cluster_codes",
        "cluster_names", "education_levels", "former_unit_paths")), sa.column("summary", sa.JSON()))
    now = utcnow().isoformat()
    ids = [uuid.uuid4().hex for _ in summaries]
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'scoring.db'}")
    try:
        with engine.begin() as conn:
            for sheet_id, summary in zip(ids, summaries, strict=True):
                conn.execute(sheets.insert().values(
                    id=sheet_id, submission_id=uuid.uuid4().hex, campaign_id=uuid.uuid4().hex,
                    unit_id=uuid.uuid4().hex, unit_name="Trường A", unit_name_folded="truong a", unit_path="/a/",
                    rubric_id=uuid.uuid4().hex, submission_status="approved", submit_count=1, status_at=now,
                    created_at=now, updated_at=now, cluster_codes="[]", cluster_names="[]", education_levels="[]",
                    former_unit_paths="[]", summary=summary if summary is not None else sa.null()))
        migrate("scoring", url, None)
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT id, self_total, review_total FROM score_sheets")).all()
    finally:
        engine.dispose()
    found = {sheet_id: tuple(None if v is None else Decimal(str(v)) for v in totals) for sheet_id, *totals in rows}
    assert found == {sheet_id: (None, None) if s is None else (
        Decimal(s["self_total"]), None if s["review_total"] is None else Decimal(s["review_total"]))
        for sheet_id, s in zip(ids, summaries, strict=True)}
    assert found[ids[0]][1] is not None and found[ids[1]] == (found[ids[0]][0], None)
