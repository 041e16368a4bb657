"""The results figures a scoring process keeps between requests (results.figures_cache) are never stale: a score
changed through the API, sheets changed by another writer that knows nothing of the cache (another replica, an event,
a command: here an UPDATE on another connection), and figures computed inside a transaction that rolls back — the
next page read shows what the database holds. The versions behind it are set by the migration's triggers, on SQLite
and PostgreSQL alike."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any, cast

import httpx
import sqlalchemy as sa

from scoring.clients.identity import IdentityClient
from scoring.clients.submissions import SubmissionsClient
from scoring.results import service
from scoring.sheets.models import ScoreSheet, SheetVersion
from tests.scoring.conftest import Stack, World
from tests.scoring.test_results import make_scored_schools
from tests.scoring.test_results_sql import _campaign, _Identity, _Submissions
from tests.scoring.test_year_end_scoring import API, full_marks, prepare, sheet_status, submit_report

COUNT = 24


async def _page(scoring: httpx.AsyncClient, world: World) -> dict[str, Any]:
    response = await scoring.get(f"{API}/campaigns/{world.campaign['id']}/results", headers=world.users["so_admin"])
    assert response.status_code == 200, response.text
    return cast("dict[str, Any]", response.json())


def _figures(page: dict[str, Any]) -> tuple[Any, ...]:
    return (page["scored_count"], page["average_total"], page["approved_count"],
            [(c["label"], c["count"]) for c in page["distribution"]],
            [(g["key"], g["unit_count"], g["average_total"]) for g in page["groups"]])


async def _version(stack: Stack, campaign_id: uuid.UUID) -> int | None:
    async with stack.services["scoring"].sessions() as session:
        return cast("int | None", await session.scalar(
            sa.select(SheetVersion.version).where(sa.column("campaign_id") == campaign_id)))


def _average(expected: dict[uuid.UUID, Any]) -> float:
    return float(round(sum((total for _, total, _ in expected.values()), Decimal(0)) / len(expected), 2))


async def test_a_review_score_changed_through_the_api_shows_on_the_next_page(stack: Stack, world: World) -> None:
    await make_scored_schools(stack, world, COUNT)
    submission = await prepare(stack, world, "s11")
    scores = f"{API}/submissions/{submission['id']}"
    async with httpx.AsyncClient(base_url=stack.url("scoring"), timeout=60) as scoring:
        saved = await scoring.patch(f"{scores}/self-scores", headers=world.users["s11_officer"],
                                    json={"scores": full_marks()})
        assert saved.status_code == 200, saved.text
        await submit_report(stack, world, "s11", submission)
        assert await sheet_status(stack, submission["id"], "submitted") == "submitted"
        before = await _page(scoring, world)
        again = await _page(scoring, world)  # from the kept figures
        reviewed = await scoring.patch(f"{scores}/review-scores", headers=world.users["p1_reviewer"],
                                       json={"scores": [{"criterion_code": "4.5", "points": 0}]})
        assert reviewed.status_code == 200, reviewed.text
        after = await _page(scoring, world)

    assert before["scored_count"] == after["scored_count"] == COUNT + 1
    assert _figures(again) == _figures(before)
    school = [next(r["final_total"] for r in page["items"] if r["submission_id"] == submission["id"])
              for page in (before, after)]
    lost = Decimal(str(school[0])) - Decimal(str(school[1]))
    assert lost > 0
    dropped = (Decimal(str(before["average_total"])) - Decimal(str(after["average_total"]))) * (COUNT + 1)
    assert abs(dropped - lost) <= Decimal("0.01") * (COUNT + 1)  # the averages are rounded to hundredths


async def test_sheets_changed_by_another_writer_show_on_the_next_page(stack: Stack, world: World) -> None:
    expected = await make_scored_schools(stack, world, COUNT)
    campaign_id = uuid.UUID(world.campaign["id"])
    async with httpx.AsyncClient(base_url=stack.url("scoring"), timeout=60) as scoring:
        before = await _page(scoring, world)
        kept = await _version(stack, campaign_id)
        # Another replica's write, or an operator's: nothing in this process hears of it.
        async with stack.services["scoring"].engine.begin() as conn:
            await conn.execute(sa.update(ScoreSheet.__table__).where(  # type: ignore[attr-defined]
                sa.column("campaign_id") == campaign_id).values(final_total=Decimal(100), classification="Xuất sắc",
                                                                 submission_status="under_review"))
        changed = await _version(stack, campaign_id)
        after = await _page(scoring, world)
        async with stack.services["scoring"].engine.begin() as conn:
            await conn.execute(sa.delete(ScoreSheet.__table__).where(  # type: ignore[attr-defined]
                sa.column("unit_id") == next(iter(expected))))
        fewer = await _page(scoring, world)

    assert before["average_total"] == _average(expected) and before["approved_count"] == COUNT
    assert kept is not None and changed is not None and changed != kept
    assert (after["scored_count"], after["average_total"], after["approved_count"]) == (COUNT, 100.0, 0)
    assert dict((c["label"], c["count"]) for c in after["distribution"])["Xuất sắc"] == COUNT
    assert [g["average_total"] for g in after["groups"]] == [100.0] * len(after["groups"])
    assert (fewer["scored_count"], fewer["total"]) == (COUNT - 1, COUNT - 1)


async def test_figures_of_a_transaction_that_rolls_back_are_never_served(stack: Stack, world: World) -> None:
    campaign = _campaign(world)
    await make_scored_schools(stack, world, COUNT, campaign_id=str(campaign.id))
    clients: dict[str, Any] = {"submissions": cast(SubmissionsClient, _Submissions({campaign.id: campaign})),
                               "identity": cast(IdentityClient, _Identity())}
    async with stack.services["scoring"].sessions() as session:
        before = await service.results_page(session, campaign, **clients)
    async with stack.services["scoring"].sessions() as session:
        await session.execute(sa.update(ScoreSheet).where(
            sa.column("campaign_id") == campaign.id).values(final_total=Decimal(1), classification="Yếu"))
        inside = await service.results_page(session, campaign, **clients)  # kept under this transaction's version
        await session.rollback()
    async with stack.services["scoring"].sessions() as session:
        after = await service.results_page(session, campaign, **clients)

    assert inside.average_total == 1.0 and before.average_total != 1.0
    assert _figures(after.model_dump(mode="json")) == _figures(before.model_dump(mode="json"))


async def test_every_kind_of_sheet_write_changes_the_version(stack: Stack, world: World) -> None:
    """The triggers themselves (a migration that rebuilt score_sheets on SQLite would drop them): insert, update of
    any column, delete, and a write of another campaign's sheets leaves this one's alone."""
    await make_scored_schools(stack, world, 2)
    campaign_id = uuid.UUID(world.campaign["id"])
    other = uuid.uuid4()
    seen = [await _version(stack, campaign_id)]
    table = ScoreSheet.__table__  # type: ignore[attr-defined]
    for statement in (sa.update(table).where(sa.column("campaign_id") == campaign_id).values(unit_name="Đổi tên"),
                      sa.update(table).where(sa.column("campaign_id") == campaign_id).values(group_hex=None),
                      sa.delete(table).where(sa.column("campaign_id") == campaign_id)):
        async with stack.services["scoring"].engine.begin() as conn:
            await conn.execute(statement)
        seen.append(await _version(stack, campaign_id))
    assert None not in seen and len(set(seen)) == len(seen)
    await make_scored_schools(stack, world, 1, campaign_id=str(other))
    assert await _version(stack, campaign_id) == seen[-1]
    assert await _version(stack, other) is not None
