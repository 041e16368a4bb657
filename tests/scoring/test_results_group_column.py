"""The sub-authority results group by is a column of the score sheet (`group_hex`, with the campaign's issuer),
kept current with the sheet's path: a sheet stored before it existed gets it from the operator step (`stamp-issuers`)
or its next event, never from a results read (which writes nothing, and reads the same groups off the paths
meanwhile); a sheet created by a submission event carries it at once; a school moved to another Phòng (the ORM write of
`unit.changed`) and a Phòng moved under another (the bulk path move) change it in the same write; a rescore moves
the school's rank. Ranks of a page are computed from counts of the sheets placed above (not a rank of every
sheet): checked here against rescoring, and in test_results_sql against the full computation.

The submissions and identity clients are the stand-ins test_results_sql uses (see there)."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import event, select

from edudx_common.db import utcnow
from edudx_common.pagination import PageParams
from edudx_common.tables.inbox import EventEnvelope
from scoring import cli, events
from scoring.clients.identity import IdentityClient
from scoring.clients.submissions import CampaignInfo, SubmissionsClient
from scoring.results import service
from scoring.results.listing import ResultsFilter
from scoring.rubrics.service import template_definition
from scoring.sheets.models import CriterionScore, ScoreSheet, group_under
from scoring.sheets.service import refresh_summary
from tests.scoring.conftest import Stack, World
from tests.scoring.test_results_sql import SEED_004_MAXIMA, _campaign, _Identity, _Submissions


async def _scored(stack: Stack, campaign: CampaignInfo, paths: list[str], shares: list[Decimal]) -> list[ScoreSheet]:
    """Sheets as stored before sheets carried their issuer (no issuer, no group), each scored at a share of the
    maximum."""
    made = []
    async with stack.services["scoring"].sessions() as session:
        for n, (path, share) in enumerate(zip(paths, shares, strict=True)):
            unit_id = uuid.UUID(path.rstrip("/").rsplit("/", 1)[-1])
            sheet = ScoreSheet(submission_id=uuid.uuid4(), campaign_id=campaign.id, unit_id=unit_id,
                               unit_name=f"Trường số {n}", unit_path=path,
                               rubric_id=cast(uuid.UUID, campaign.rubric_id), submission_status="approved",
                               submit_count=1, status_at=utcnow())
            session.add(sheet)
            await session.flush()
            await _score(session, sheet, share)
            made.append(sheet)
        await session.commit()
    return made


async def _score(session: Any, sheet: ScoreSheet, share: Decimal) -> None:
    found = {s.criterion_code: s for s in (await session.execute(
        select(CriterionScore).where(CriterionScore.sheet_id == sheet.id))).scalars()}  # type: ignore[arg-type]
    for code, maximum in SEED_004_MAXIMA.items():
        score = found.get(code) or CriterionScore(sheet_id=sheet.id, criterion_code=code)
        score.self_points, score.self_at = maximum * share, utcnow()
        session.add(score)
    await session.flush()
    await refresh_summary(session, sheet, template_definition("seed-004-cntt"), None)


async def _page(stack: Stack, campaign: CampaignInfo, submissions: _Submissions, **chosen: Any) -> dict[str, Any]:
    async with stack.services["scoring"].sessions() as session:
        page = await service.results_page(session, campaign, submissions=cast(SubmissionsClient, submissions),
                                          identity=cast(IdentityClient, _Identity()), chosen=ResultsFilter(**chosen),
                                          page=PageParams())
        await session.commit()
    return page.model_dump(mode="json")


async def _stored(stack: Stack, sheet_id: uuid.UUID) -> tuple[uuid.UUID | None, str | None, str]:
    async with stack.services["scoring"].sessions() as session:
        sheet = await session.get(ScoreSheet, sheet_id)
        assert sheet is not None
        return sheet.issuer_unit_id, sheet.group_hex, sheet.unit_path


def _unit_changed(unit_id: uuid.UUID, path: str, former: str) -> EventEnvelope:
    return EventEnvelope(id=uuid.uuid4(), type="unit.changed", occurred_at=utcnow(), payload={
        "unit_id": str(unit_id), "path": path, "position": 1, "former_path": former})


def test_the_group_under_the_issuer_is_read_off_the_path() -> None:
    so, phong, sub, school = (uuid.uuid4() for _ in range(4))
    assert group_under(f"/{so.hex}/{phong.hex}/{school.hex}/", so) == phong.hex
    assert group_under(f"/{so.hex}/{phong.hex}/{sub.hex}/{school.hex}/", so) == phong.hex
    assert group_under(f"/{so.hex}/{school.hex}/", so) is None  # directly under the issuer
    assert group_under(f"/{phong.hex}/{school.hex}/", so) is None  # outside its tree
    assert group_under(f"/{so.hex}/{phong.hex}/{school.hex}/", None) is None


async def test_the_group_column_follows_moves_and_the_rank_follows_a_rescore(stack: Stack, world: World) -> None:
    so, p1, p2 = world.units["so"].id, world.units["p1"].id, world.units["p2"].id
    campaign = _campaign(world).model_copy(update={"status": "published"})  # open: moves carry its sheets along
    submissions = _Submissions({campaign.id: campaign})
    schools = [uuid.uuid4() for _ in range(4)]
    paths = [f"/{so.hex}/{p1.hex}/{schools[0].hex}/", f"/{so.hex}/{p1.hex}/{schools[1].hex}/",
             f"/{so.hex}/{p2.hex}/{schools[2].hex}/", f"/{so.hex}/{schools[3].hex}/"]
    sheets = await _scored(stack, campaign, paths, [Decimal("1"), Decimal("0.5"), Decimal("0.75"), Decimal("0.5")])
    assert (await _stored(stack, sheets[0].id))[:2] == (None, None)  # as stored before the column existed

    first = await _page(stack, campaign, submissions)
    assert (await _stored(stack, sheets[0].id))[:2] == (None, None)  # a read writes nothing
    assert sorted((g["group_name"] or "", g["unit_count"]) for g in first["groups"]) == sorted([
        (f"Phòng {p1.hex[:6]}", 2), (f"Phòng {p2.hex[:6]}", 1), ("", 1)])
    assert [(r["unit_name"], r["rank"], r["tied"]) for r in first["items"]] == [
        ("Trường số 0", 1, False), ("Trường số 2", 2, False), ("Trường số 1", 3, True), ("Trường số 3", 3, True)]
    assert [r["group_id"] for r in (await _page(stack, campaign, submissions, group_id=p1))["items"]] == [
        str(p1), str(p1)]

    # The operator step stamps them (the campaign submissions no longer knows is reported, not stamped) and the
    # page reads the stored groups: the same answer.
    gone = _campaign(world)
    await _scored(stack, gone, [f"/{so.hex}/{p1.hex}/{uuid.uuid4().hex}/"], [Decimal("1")])
    async with stack.services["scoring"].sessions() as session:
        done = await cli.stamp_campaigns(session, cast(SubmissionsClient, submissions))
    assert done == {"stamped": 4, "unknown_campaigns": [str(gone.id)]}
    assert await _stored(stack, sheets[0].id) == (so, p1.hex, paths[0])
    assert (await _stored(stack, sheets[3].id))[:2] == (so, None)
    assert await _page(stack, campaign, submissions) == first

    # A school moved from Phòng 1 to Phòng 2: the ORM write of its sheet takes the new group with the new path.
    moved_path = f"/{so.hex}/{p2.hex}/{schools[1].hex}/"
    async with stack.services["scoring"].sessions() as session:
        await events.handle(session, _unit_changed(schools[1], moved_path, paths[1]),
                            submissions=cast(SubmissionsClient, submissions))
        await session.commit()
    assert await _stored(stack, sheets[1].id) == (so, p2.hex, moved_path)
    page = await _page(stack, campaign, submissions, group_id=p2)
    assert [r["unit_name"] for r in page["items"]] == ["Trường số 2", "Trường số 1"]

    # Phòng 2 merged under Phòng 1 (it has no sheet of its own): one UPDATE moves every path below it, and the
    # group under the Sở of those schools is now Phòng 1.
    async with stack.services["scoring"].sessions() as session:
        await events.handle(session, _unit_changed(p2, f"/{so.hex}/{p1.hex}/{p2.hex}/", f"/{so.hex}/{p2.hex}/"),
                            submissions=cast(SubmissionsClient, submissions))
        await session.commit()
    for sheet in (sheets[1], sheets[2]):
        issuer, group, path = await _stored(stack, sheet.id)
        assert (issuer, group) == (so, p1.hex) and path.startswith(f"/{so.hex}/{p1.hex}/{p2.hex}/")
    assert (await _stored(stack, sheets[3].id))[1] is None  # the school directly under the Sở is untouched
    merged = await _page(stack, campaign, submissions)
    assert sorted((g["group_name"] or "", g["unit_count"]) for g in merged["groups"]) == sorted([
        (f"Phòng {p1.hex[:6]}", 3), ("", 1)])

    # A rescore moves a school's rank, and ties are re-counted: Trường số 1 goes to the top, Trường số 3 is alone.
    async with stack.services["scoring"].sessions() as session:
        sheet = await session.get(ScoreSheet, sheets[1].id)
        assert sheet is not None
        await _score(session, sheet, Decimal("1"))
        await session.commit()
    rescored = await _page(stack, campaign, submissions)
    assert [(r["unit_name"], r["rank"], r["tied"]) for r in rescored["items"]] == [
        ("Trường số 0", 1, True), ("Trường số 1", 1, True), ("Trường số 2", 3, False), ("Trường số 3", 4, False)]
    by_p1 = await _page(stack, campaign, submissions, group_id=p1)
    assert [(r["unit_name"], r["rank"]) for r in by_p1["items"]] == [
        ("Trường số 0", 1), ("Trường số 1", 1), ("Trường số 2", 3)]


async def test_a_sheet_made_by_a_submission_event_carries_its_issuer_and_group(stack: Stack, world: World) -> None:
    so, p1 = world.units["so"].id, world.units["p1"].id
    campaign = _campaign(world)
    school = uuid.uuid4()
    submitted = EventEnvelope(id=uuid.uuid4(), type="submission.submitted", occurred_at=utcnow(), payload={
        "submission_id": str(uuid.uuid4()), "campaign_id": str(campaign.id), "unit_id": str(school),
        "unit_name": "Trường mới", "unit_path": f"/{so.hex}/{p1.hex}/{school.hex}/", "version": 1,
        "resubmission": False})
    async with stack.services["scoring"].sessions() as session:
        await events.handle(session, submitted, submissions=cast(SubmissionsClient, _Submissions({campaign.id:
                                                                                                  campaign})))
        await session.commit()
        sheet = (await session.execute(select(ScoreSheet).where(
            ScoreSheet.unit_id == school))).scalar_one()  # type: ignore[arg-type]
    assert (sheet.issuer_unit_id, sheet.group_hex) == (so, p1.hex)


async def test_a_results_read_writes_nothing(stack: Stack, world: World) -> None:
    """Neither the page nor the summary export writes, whether the campaign's sheets carry their issuer or not: on
    SQLite a write would take the database's one write lock on every results read."""
    so, p1 = world.units["so"].id, world.units["p1"].id
    campaign = _campaign(world)
    submissions = _Submissions({campaign.id: campaign})
    await _scored(stack, campaign, [f"/{so.hex}/{p1.hex}/{uuid.uuid4().hex}/" for _ in range(3)],
                  [Decimal("1"), Decimal("0.5"), Decimal("0.75")])
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(" ".join(statement.split()).upper())

    engine = stack.services["scoring"].engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        page = await _page(stack, campaign, submissions)
        async with stack.services["scoring"].sessions() as session:
            exported = await service.summary_export(session, campaign, submissions=cast(SubmissionsClient, submissions),
                                                    identity=cast(IdentityClient, _Identity()))
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert page["scored_count"] == 3 and [g["group_id"] for g in page["groups"]] == [str(p1)]
    assert [line.group_name for line in exported.lines] == [f"Phòng {p1.hex[:6]}"] * 3
    assert any(s.startswith("SELECT") for s in statements)
    writes = [s for s in statements if not s.startswith(("SELECT", "WITH", "BEGIN", "SAVEPOINT", "RELEASE"))]
    assert writes == []


async def test_an_event_stamps_a_sheet_stored_without_its_issuer(stack: Stack, world: World) -> None:
    so, p1 = world.units["so"].id, world.units["p1"].id
    campaign = _campaign(world)
    school = uuid.uuid4()
    [sheet] = await _scored(stack, campaign, [f"/{so.hex}/{p1.hex}/{school.hex}/"], [Decimal("1")])
    approved = EventEnvelope(id=uuid.uuid4(), type="submission.approved", occurred_at=utcnow(), payload={
        "submission_id": str(sheet.submission_id), "campaign_id": str(campaign.id), "unit_id": str(school),
        "unit_name": "Trường số 0", "unit_path": sheet.unit_path})
    async with stack.services["scoring"].sessions() as session:
        await events.handle(session, approved, submissions=cast(SubmissionsClient, _Submissions({campaign.id:
                                                                                                 campaign})))
        await session.commit()
    assert await _stored(stack, sheet.id) == (so, p1.hex, sheet.unit_path)
