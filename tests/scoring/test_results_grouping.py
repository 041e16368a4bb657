"""Results grouped by commune, cluster and education level (the 2025–26 unit model), in SQL like the rest of the
results page: ranks stay those among every unit; a commune's officials read only their schools' results; identity's
`unit.changed` moves a school's sheets of open campaigns and every sheet of a merged Sở.

Sheets carry the grouping the submission events copy from the campaign's targets; the clients of submissions and
identity are the same stand-ins test_results_sql uses for the SQL page (see there)."""

from __future__ import annotations

import csv
import io
import uuid
from decimal import Decimal
from typing import Any, cast

from openpyxl import load_workbook

from edudx_common.auth import Principal, Role
from edudx_common.db import utcnow
from edudx_common.pagination import PageParams
from edudx_common.tables.inbox import EventEnvelope
from scoring import events
from scoring.clients.identity import IdentityClient
from scoring.clients.submissions import CampaignInfo, SubmissionsClient
from scoring.results import export, service
from scoring.results.listing import GroupBy, ResultsFilter
from scoring.rubrics.service import template_definition
from scoring.sheets.models import CriterionScore, ScoreSheet
from scoring.sheets.service import refresh_summary
from tests.scoring.conftest import Stack, World
from tests.scoring.test_results_sql import SEED_004_MAXIMA, _campaign, _Identity, _Submissions


class _Tree:
    """Ancestors as identity answers them: the Sở is the root, every other unit (a commune too) is under it."""

    def __init__(self, world: World) -> None:
        self.so = world.units["so"].id

    async def ancestor_ids(self, unit_id: uuid.UUID) -> list[uuid.UUID] | None:
        return [] if unit_id == self.so else [self.so]


# (commune, clusters, levels, share of the maximum) of each school
LONG_CHAU, PHUOC_HAU = uuid.uuid4(), uuid.uuid4()
SCHOOLS: list[tuple[uuid.UUID | None, list[str], list[str], Decimal]] = [
    (LONG_CHAU, ["CUM1"], ["thcs"], Decimal("1")),
    (LONG_CHAU, ["CUM2"], ["tieu_hoc"], Decimal("0.5")),
    (PHUOC_HAU, ["CUM1"], ["tieu_hoc", "thcs"], Decimal("0.75")),
    (None, [], ["thpt"], Decimal("0.5")),
]
COMMUNE_NAMES = {LONG_CHAU: "Phường Long Châu", PHUOC_HAU: "Phường Phước Hậu"}
CLUSTER_NAMES = {"CUM1": "Cụm 1 – Long Hồ", "CUM2": "Cụm 2 – Mang Thít"}


async def _sheets(stack: Stack, world: World, campaign: CampaignInfo) -> list[ScoreSheet]:
    definition = template_definition("seed-004-cntt")
    so, phong = world.units["so"].id, world.units["p1"].id
    made = []
    async with stack.services["scoring"].sessions() as session:
        for n, (commune, clusters, levels, share) in enumerate(SCHOOLS):
            unit_id = uuid.uuid4()
            sheet = ScoreSheet(submission_id=uuid.uuid4(), campaign_id=campaign.id, unit_id=unit_id,
                               unit_name=f"Trường số {n}", unit_path=f"/{so.hex}/{phong.hex}/{unit_id.hex}/",
                               rubric_id=cast(uuid.UUID, campaign.rubric_id), submission_status="approved",
                               submit_count=1, status_at=utcnow(), commune_id=commune,
                               commune_name=COMMUNE_NAMES.get(commune) if commune else None, cluster_codes=clusters,
                               cluster_names=[CLUSTER_NAMES[c] for c in clusters], education_levels=levels,
                               unit_type="school")
            session.add(sheet)
            await session.flush()
            for code, maximum in SEED_004_MAXIMA.items():
                session.add(CriterionScore(sheet_id=sheet.id, criterion_code=code, self_points=maximum * share,
                                           self_at=utcnow()))
            await refresh_summary(session, sheet, definition, None)
            made.append(sheet)
        await session.commit()
    return made


async def _page(stack: Stack, campaign: CampaignInfo, submissions: _Submissions, *,
                commune_id: uuid.UUID | None = None, **chosen: Any) -> dict[str, Any]:
    async with stack.services["scoring"].sessions() as session:
        page = await service.results_page(session, campaign, submissions=cast(SubmissionsClient, submissions),
                                          identity=cast(IdentityClient, _Identity()), chosen=ResultsFilter(**chosen),
                                          page=PageParams(), commune_id=commune_id)
    return page.model_dump(mode="json")


async def test_results_group_by_commune_cluster_and_level_with_ranks_among_every_unit(stack: Stack,
                                                                                      world: World) -> None:
    campaign = _campaign(world)
    submissions = _Submissions({campaign.id: campaign})
    sheets = await _sheets(stack, world, campaign)

    by_commune = await _page(stack, campaign, submissions, group_by=GroupBy.COMMUNE)
    by_cluster = await _page(stack, campaign, submissions, group_by=GroupBy.CLUSTER)
    by_level = await _page(stack, campaign, submissions, group_by=GroupBy.LEVEL)
    one_commune = await _page(stack, campaign, submissions, group_by=GroupBy.COMMUNE, group_key=LONG_CHAU.hex)
    no_commune = await _page(stack, campaign, submissions, group_by=GroupBy.COMMUNE, group_key="")

    assert [(g["group_name"], g["key"], g["unit_count"]) for g in by_commune["groups"]] == [
        ("Phường Long Châu", LONG_CHAU.hex, 2), ("Phường Phước Hậu", PHUOC_HAU.hex, 1),
        ("(chưa gắn xã/phường)", "", 1)]
    assert by_commune["groups"][0]["group_id"] == str(LONG_CHAU)
    assert [(g["group_name"], g["key"], g["unit_count"]) for g in by_cluster["groups"]] == [
        ("Cụm 1 – Long Hồ", "CUM1", 2), ("Cụm 2 – Mang Thít", "CUM2", 1), ("(không thuộc cụm trường nào)", "", 1)]
    assert [(g["group_name"], g["key"]) for g in by_level["groups"]] == [
        ("Tiểu học", "tieu_hoc"), ("Tiểu học, THCS", "tieu_hoc+thcs"), ("THCS", "thcs"), ("THPT", "thpt")]
    # Ranks are among every unit, whatever the grouping or the group shown.
    assert [(r["unit_name"], r["rank"], r["group_key"]) for r in one_commune["items"]] == [
        ("Trường số 0", 1, LONG_CHAU.hex), ("Trường số 1", 3, LONG_CHAU.hex)]
    assert [r["unit_name"] for r in no_commune["items"]] == ["Trường số 3"]
    assert one_commune["total"] == 2 and by_level["scored_count"] == len(sheets)


async def test_a_commune_reads_only_its_schools_results_and_publishes_nothing(stack: Stack, world: World) -> None:
    campaign = _campaign(world)
    submissions = _Submissions({campaign.id: campaign})
    await _sheets(stack, world, campaign)
    official, elsewhere = (Principal(subject=str(uuid.uuid4()), kind="user", roles=frozenset({Role.VIEWER.value}),
                                     unit_id=unit) for unit in (LONG_CHAU, uuid.uuid4()))
    tree = _Tree(world)

    async with stack.services["scoring"].sessions() as session:
        scope = await service.results_scope(session, official, campaign.id,
                                            submissions=cast(SubmissionsClient, submissions), tree=tree)
        # Settings, publication and exports go through campaign_in_scope: the commune's own (empty) subtree.
        acting = await service.campaign_in_scope(official, campaign.id,
                                                 submissions=cast(SubmissionsClient, submissions), tree=tree)
        other = await service.results_scope(session, elsewhere, campaign.id,
                                            submissions=cast(SubmissionsClient, submissions), tree=tree)
    page = await _page(stack, campaign, submissions, commune_id=scope[2])

    assert scope[1:] == (None, LONG_CHAU)
    assert acting[1] == LONG_CHAU
    assert other[1:] == (elsewhere.unit_id, None)  # another commune: its own subtree, where no school is
    assert [r["unit_name"] for r in page["items"]] == ["Trường số 0", "Trường số 1"]


async def test_unit_changed_moves_open_sheets_and_every_sheet_of_a_merged_department(stack: Stack,
                                                                                  world: World) -> None:
    open_campaign, closed_campaign = _campaign(world), _campaign(world)
    closed_campaign = closed_campaign.model_copy(update={"status": "closed"})
    open_campaign = open_campaign.model_copy(update={"status": "published"})
    submissions = cast(SubmissionsClient, _Submissions({open_campaign.id: open_campaign,
                                                        closed_campaign.id: closed_campaign}))
    open_sheets = await _sheets(stack, world, open_campaign)
    closed_sheets = await _sheets(stack, world, closed_campaign)
    so, p1, p2 = world.units["so"].id, world.units["p1"].id, world.units["p2"].id
    school = open_sheets[0].unit_id
    async with stack.services["scoring"].sessions() as session:  # the same school in both campaigns
        moved_sheet = await session.get(ScoreSheet, closed_sheets[0].id)
        assert moved_sheet is not None
        moved_sheet.unit_id, moved_sheet.unit_path = school, open_sheets[0].unit_path
        await session.commit()
    former = open_sheets[0].unit_path
    school_moved = EventEnvelope(id=uuid.uuid4(), type="unit.changed", occurred_at=utcnow(), payload={
        "unit_id": str(school), "path": f"/{so.hex}/{p2.hex}/{school.hex}/", "position": 1, "former_path": former})
    surviving = uuid.uuid4()
    merged = EventEnvelope(id=uuid.uuid4(), type="unit.changed", occurred_at=utcnow(), payload={
        "unit_id": str(so), "path": f"/{surviving.hex}/{so.hex}/", "position": 2, "former_path": f"/{so.hex}/"})

    async with stack.services["scoring"].sessions() as session:
        await events.handle(session, school_moved, submissions=submissions)
        await session.commit()
    async with stack.services["scoring"].sessions() as session:
        after_move = {s.campaign_id: s for s in [await session.get(ScoreSheet, open_sheets[0].id),
                                                  await session.get(ScoreSheet, closed_sheets[0].id)] if s}
        await events.handle(session, merged, submissions=submissions)
        await session.commit()
    async with stack.services["scoring"].sessions() as session:
        paths = [s.unit_path for s in [await session.get(ScoreSheet, x.id) for x in open_sheets + closed_sheets]
                 if s is not None]

    assert after_move[open_campaign.id].unit_path == f"/{so.hex}/{p2.hex}/{school.hex}/"
    assert after_move[open_campaign.id].former_unit_paths == [former]
    assert after_move[closed_campaign.id].unit_path == former  # last year's results stay where they were
    assert all(path.startswith(f"/{surviving.hex}/{so.hex}/") for path in paths)
    assert sum(f"/{p1.hex}/" in path for path in paths) == len(paths) - 1


async def test_results_export_groups_like_the_page_and_a_commune_exports_only_its_schools(stack: Stack,
                                                                                          world: World) -> None:
    campaign = _campaign(world)
    submissions = cast(SubmissionsClient, _Submissions({campaign.id: campaign}))
    identity = cast(IdentityClient, _Identity())
    await _sheets(stack, world, campaign)

    async with stack.services["scoring"].sessions() as session:
        by_commune = await service.summary_export(session, campaign, submissions=submissions, identity=identity,
                                                  group_by=GroupBy.COMMUNE)
        by_level = await service.summary_export(session, campaign, submissions=submissions, identity=identity,
                                                group_by=GroupBy.LEVEL)
        one_commune = await service.summary_export(session, campaign, submissions=submissions, identity=identity,
                                                   group_by=GroupBy.CLUSTER, commune_id=LONG_CHAU)
        with_units = await service.compute(session, campaign, submissions=submissions, identity=identity,
                                           group_by=GroupBy.CLUSTER, commune_id=LONG_CHAU)
    csv_rows = list(csv.reader(io.StringIO(export.summary_csv(
        by_commune.definition, ranking=by_commune.ranking, with_previous=by_commune.with_previous,
        lines=by_commune.lines, group_by=GroupBy.COMMUNE).decode("utf-8-sig"))))
    book = load_workbook(io.BytesIO(export.summary_xlsx(
        campaign.title, by_level.definition, ranking=by_level.ranking, with_previous=by_level.with_previous,
        lines=by_level.lines, count=len(by_level.lines), group_by=GroupBy.LEVEL)))
    sheet_rows = list(book["Tổng hợp"].iter_rows(values_only=True))

    # Group by group in the page's order, by rank within each group; ranks stay those among every unit.
    assert [(line.group_name, line.unit_name, line.rank) for line in by_commune.lines] == [
        ("Phường Long Châu", "Trường số 0", 1), ("Phường Long Châu", "Trường số 1", 3),
        ("Phường Phước Hậu", "Trường số 2", 2), ("(chưa gắn xã/phường)", "Trường số 3", 3)]
    assert csv_rows[0][:3] == ["STT", "Đơn vị", "Xã/phường"]
    assert [(r[1], r[2]) for r in csv_rows[1:]] == [(line.unit_name, line.group_name) for line in by_commune.lines]
    assert sheet_rows[0][2] == "Cấp học"
    assert [row[2] for row in sheet_rows[1:]] == ["Tiểu học", "Tiểu học, THCS", "THCS", "THPT"]
    # A commune's officials: their schools only (ranked among them), in either export.
    assert [(line.group_name, line.unit_name) for line in one_commune.lines] == [
        ("Cụm 1 – Long Hồ", "Trường số 0"), ("Cụm 2 – Mang Thít", "Trường số 1")]
    assert sorted((r.sheet.unit_name, r.group_name, r.rank) for r in with_units.results) == [
        ("Trường số 0", "Cụm 1 – Long Hồ", 1), ("Trường số 1", "Cụm 2 – Mang Thít", 2)]
