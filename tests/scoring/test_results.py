"""Results of a campaign of 300 schools against an independent calculation, the XLSX export, publication,
and the public DX level; the QĐ 4725 self-assessment with evidence attributes."""

from __future__ import annotations

import io
import random
import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
from openpyxl import load_workbook
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader
from sqlalchemy import update

from edudx_common.db import utcnow
from scoring.cli import refresh_summaries
from scoring.config import Settings
from scoring.rubrics.service import template_definition
from scoring.sheets.models import CriterionScore, ScoreSheet
from scoring.sheets.service import refresh_summary
from submissions.signatures.pki import CertificateAuthority, to_asn1
from tests.scoring.conftest import Stack, World
from tests.scoring.test_rubric_rules import SEED_004_MAXIMA
from tests.submissions.builders import make_campaign, open_submission

API = "/api/scoring"
STEP = Decimal("0.25")


def expected_class(total: Decimal) -> str:
    """Seed 004, written out again on purpose: Xuất sắc 90–100, Tốt 80–89, Khá 70–79, Trung bình 50–69, Yếu < 50."""
    if total >= 90:
        return "Xuất sắc"
    if total >= 80:
        return "Tốt"
    if total >= 70:
        return "Khá"
    if total >= 50:
        return "Trung bình"
    return "Yếu"


async def make_scored_schools(stack: Stack, world: World, count: int, seed: int = 4725, *,
                              campaign_id: str | None = None,
                              unit_ids: list[uuid.UUID] | None = None,
                              parts: dict[uuid.UUID, tuple[Decimal, Decimal | None]] | None = None,
                              ) -> dict[uuid.UUID, Any]:
    """`count` submitted schools under the two Phòng with random self and review scores; every fifth school
    copies an earlier school's scores so that ties occur. Returns unit id → (name, final total, phòng); `parts`,
    if given, receives unit id → (self total, review total over the criteria given one, None if none)."""
    rng = random.Random(seed)
    definition = template_definition("seed-004-cntt")
    phong = [world.units["p1"], world.units["p2"]]
    so = world.units["so"]
    expected: dict[uuid.UUID, Any] = {}
    earlier: list[dict[str, tuple[Decimal, Decimal | None]]] = []
    async with stack.services["scoring"].sessions() as session:
        for n in range(count):
            parent = phong[n % 2]
            unit_id = unit_ids[n] if unit_ids else uuid.uuid4()
            if n % 5 == 4:
                marks = earlier[rng.randrange(len(earlier))]
            else:
                marks = {}
                for code, maximum in SEED_004_MAXIMA.items():
                    own = STEP * rng.randint(0, int(maximum / STEP))
                    review = STEP * rng.randint(0, int(maximum / STEP)) if rng.random() < 0.4 else None
                    marks[code] = (own, review)
                earlier.append(marks)
            sheet = ScoreSheet(submission_id=uuid.uuid4(), campaign_id=uuid.UUID(campaign_id or world.campaign["id"]),
                               unit_id=unit_id, unit_name=f"Trường số {n:03d}",
                               unit_path=f"/{so.id.hex}/{parent.id.hex}/{unit_id.hex}/",
                               rubric_id=uuid.UUID(world.rubrics["seed-004-cntt"]), submission_status="approved",
                               submit_count=1, status_at=utcnow())
            session.add(sheet)
            await session.flush()
            now = utcnow()
            for code, (own, review) in marks.items():
                session.add(CriterionScore(sheet_id=sheet.id, criterion_code=code, self_points=own, self_at=now,
                                           review_points=review, review_at=now if review is not None else None))
            await refresh_summary(session, sheet, definition, None)  # as a score write does
            final = sum(((review if review is not None else own) for own, review in marks.values()), Decimal(0))
            expected[unit_id] = (sheet.unit_name, final, parent.name)
            if parts is not None:
                reviews = [review for _, review in marks.values() if review is not None]
                parts[unit_id] = (sum((own for own, _ in marks.values()), Decimal(0)),
                                  sum(reviews, Decimal(0)) if reviews else None)
        await session.commit()
    return expected


async def all_rows(scoring: httpx.AsyncClient, url: str, headers: dict[str, str], **query: Any) -> list[Any]:
    """Every row of a paginated results list, page by page (100 a page), checking `total` on the way."""
    rows: list[Any] = []
    while True:
        page = await scoring.get(url, params={**query, "limit": 100, "offset": len(rows)}, headers=headers)
        assert page.status_code == 200, page.text
        body = page.json()
        assert (body["limit"], body["offset"]) == (100, len(rows))
        rows += body["items"]
        if not body["items"]:
            assert len(rows) == body["total"]
            return rows


async def test_ranking_and_export_of_300_schools_match_an_independent_calculation(stack: Stack,
                                                                                 world: World) -> None:
    parts: dict[uuid.UUID, tuple[Decimal, Decimal | None]] = {}
    expected = await make_scored_schools(stack, world, 300, parts=parts)
    totals = [total for _, total, _ in expected.values()]
    rank_of = {uid: 1 + sum(1 for other in totals if other > total) for uid, (_, total, _) in expected.items()}
    assert len(set(rank_of.values())) < 300  # the data really has ties
    url = f"{API}/campaigns/{world.campaign['id']}/results"
    async with httpx.AsyncClient(base_url=stack.url("scoring"), timeout=60) as scoring:
        results = await scoring.get(url, headers=world.users["so_admin"])
        listed = await all_rows(scoring, url, world.users["so_admin"])
        second = await scoring.get(url, params={"limit": 50, "offset": 50}, headers=world.users["so_admin"])
        exported = await scoring.get(f"{url}/export", headers=world.users["so_admin"])
        phong_view = await all_rows(scoring, url, world.users["p1_reviewer"])

    assert results.status_code == 200, results.text
    body = results.json()
    assert (body["total"], body["limit"], body["offset"], len(body["items"])) == (300, 50, 0, 50)
    assert body["approved_count"] == 300 and body["scored_count"] == 300
    rows = {uuid.UUID(r["unit_id"]): r for r in listed}
    assert len(listed) == 300
    assert rows.keys() == expected.keys()
    for unit_id, (name, total, phong_name) in expected.items():
        row = rows[unit_id]
        assert (row["unit_name"], Decimal(str(row["final_total"])), row["classification"], row["rank"],
                row["group_name"]) == (name, total, expected_class(total), rank_of[unit_id], phong_name)
        assert row["tied"] == (sum(1 for t in totals if t == total) > 1)
        # self, review and final apart: the review total counts the reviewed criteria only
        own, review = parts[unit_id]
        assert Decimal(str(row["self_total"])) == own
        assert (None if row["review_total"] is None else Decimal(str(row["review_total"]))) == review
    counts = {label: sum(1 for t in totals if expected_class(t) == label)
              for label in ("Xuất sắc", "Tốt", "Khá", "Trung bình", "Yếu")}
    assert {c["label"]: c["count"] for c in body["distribution"]} == counts
    assert {g["group_name"]: g["unit_count"] for g in body["groups"]} == {"Phòng GDĐT Long Hồ": 150,
                                                                          "Phòng GDĐT Mang Thít": 150}
    assert [r["rank"] for r in listed] == sorted(rank_of.values())
    # Page 2 shows the true ranks among all 300 schools, not ranks within the page.
    assert [r["rank"] for r in second.json()["items"]] == sorted(rank_of.values())[50:100]
    assert [r["unit_id"] for r in second.json()["items"]] == [r["unit_id"] for r in listed[50:100]]

    # A Phòng under the issuing Sở sees its own schools only.
    assert {r["group_name"] for r in phong_view} == {"Phòng GDĐT Long Hồ"}
    assert len(phong_view) == 150

    sheet = load_workbook(io.BytesIO(exported.content))["Tổng hợp"]
    table = list(sheet.iter_rows(values_only=True))
    header, lines = table[0], table[1:]
    assert header == ("STT", "Đơn vị", "Đơn vị quản lý", "Tự chấm", "Thẩm định", "Điểm cuối cùng", "Xếp loại",
                      "Thứ hạng", "Trạng thái")
    by_name = {name: (total, uid) for uid, (name, total, _) in expected.items()}
    assert [line[0] for line in lines] == list(range(1, 301))
    for line in lines:
        total, unit_id = by_name[line[1]]
        tied = sum(1 for t in totals if t == total) > 1
        own, review = parts[unit_id]
        assert Decimal(str(line[3])) == own
        assert (None if line[4] is None else Decimal(str(line[4]))) == review
        assert Decimal(str(line[5])) == total and line[6] == expected_class(total)
        assert line[7] == (f"{rank_of[unit_id]} (đồng hạng)" if tied else rank_of[unit_id])


async def test_results_are_filtered_searched_and_sorted_on_the_server(stack: Stack, world: World) -> None:
    expected = await make_scored_schools(stack, world, 40, seed=10)
    totals = [total for _, total, _ in expected.values()]
    rank_of = {uid: 1 + sum(1 for other in totals if other > total) for uid, (_, total, _) in expected.items()}
    url = f"{API}/campaigns/{world.campaign['id']}/results"
    admin = world.users["so_admin"]
    some_class = expected_class(next(iter(expected.values()))[1])
    async with httpx.AsyncClient(base_url=stack.url("scoring"), timeout=60) as scoring:
        searched = await all_rows(scoring, url, admin, q="truong SO 01")  # no diacritics, any case
        in_p2 = await all_rows(scoring, url, admin, group_id=str(world.units["p2"].id))
        in_class = await all_rows(scoring, url, admin, classification=some_class)
        by_name = await all_rows(scoring, url, admin, sort="name")
        nothing = await scoring.get(url, params={"q": "không có trường này"}, headers=admin)
        summary = nothing.json()
        too_many = await scoring.get(url, params={"limit": 501}, headers=admin)
        bad_sort = await scoring.get(url, params={"sort": "score"}, headers=admin)
        await scoring.post(f"{url}/publish", headers=admin)
        school = world.users["s11_officer"]
        published = await scoring.get(f"{url}/published", params={"limit": 10, "offset": 10}, headers=school)
        published_search = await scoring.get(f"{url}/published", params={"q": "SỐ 03"}, headers=school)

    def names(rows: list[Any]) -> set[str]:
        return {r["unit_name"] for r in rows}

    assert names(searched) == {f"Trường số {n:03d}" for n in range(40) if "01" in f"{n:03d}"}
    assert {r["rank"] for r in searched} == {rank_of[uuid.UUID(r["unit_id"])] for r in searched}
    assert names(in_p2) == {name for name, _, phong in expected.values() if phong == "Phòng GDĐT Mang Thít"}
    assert names(in_class) == {name for name, total, _ in expected.values() if expected_class(total) == some_class}
    assert [r["unit_name"] for r in by_name] == sorted(name for name, _, _ in expected.values())
    # The figures stay those of every unit whatever the filter shows.
    assert (summary["total"], summary["items"], summary["scored_count"]) == (0, [], 40)
    assert sum(c["count"] for c in summary["distribution"]) == 40
    ranks = sorted(rank_of.values())
    assert published.status_code == 200, published.text
    assert (published.json()["total"], [r["rank"] for r in published.json()["items"]]) == (40, ranks[10:20])
    assert [r["tied"] for r in published.json()["items"]] == [ranks.count(r) > 1 for r in ranks[10:20]]
    assert {r["unit_name"] for r in published_search.json()["items"]} == {
        f"Trường số {n:03d}" for n in range(40) if "03" in f"{n:03d}"}
    for refused in (too_many, bad_sort):
        assert refused.status_code == 422
        assert refused.headers["content-type"].startswith("application/problem+json")


async def test_classes_only_when_the_campaign_publishes_no_ranking(stack: Stack, world: World) -> None:
    await make_scored_schools(stack, world, 12)
    url = f"{API}/campaigns/{world.campaign['id']}/results"
    async with httpx.AsyncClient(base_url=stack.url("scoring")) as scoring:
        changed = await scoring.put(f"{url}/settings", json={"ranking_enabled": False}, headers=world.users["so_admin"])
        by_reviewer = await scoring.put(f"{url}/settings", json={"ranking_enabled": True},
                                        headers=world.users["p1_reviewer"])
        published = await scoring.post(f"{url}/publish", headers=world.users["so_admin"])

    assert changed.status_code == 200 and by_reviewer.status_code == 403
    assert all(r["rank"] is None and not r["tied"] for r in changed.json()["items"])
    assert all(r["rank"] is None for r in published.json()["items"]) and published.json()["published_at"]


async def test_the_public_badge_shows_the_published_level_and_nothing_else(stack: Stack, world: World) -> None:
    expected = await make_scored_schools(stack, world, 3)
    unit_id, (name, total, _) = next(iter(expected.items()))
    async with httpx.AsyncClient(base_url=stack.url("scoring")) as scoring:
        before = await scoring.get(f"{API}/public/units/{unit_id}/dx-level")
        await scoring.post(f"{API}/campaigns/{world.campaign['id']}/results/publish", headers=world.users["so_admin"])
        level = await scoring.get(f"{API}/public/units/{unit_id}/dx-level")
        badge = await scoring.get(f"{API}/public/units/{unit_id}/badge")

    assert (before.status_code, before.json()["code"]) == (404, "results_not_published")
    assert level.status_code == 200 and badge.status_code == 200
    body = level.json()
    assert body["unit_name"] == name and body["current"]["level"] == expected_class(total)
    assert body["current"]["school_year"] == "2021-2022"
    text = level.text + badge.text
    for private in (str(total), f"{float(total)}", "Người dùng", "rank", "@"):
        assert private not in text
    assert expected_class(total) in badge.text and name in badge.text
    assert badge.headers["content-type"].startswith("text/html")
    assert "frame-ancestors *" in badge.headers["content-security-policy"]


async def test_a_4725_self_assessment_needs_links_with_their_attributes(stack: Stack, world: World) -> None:
    officer = world.users["s11_officer"]
    async with httpx.AsyncClient(base_url=stack.url("submissions")) as sub:
        campaign = await make_campaign(sub, world.users["so_admin"], school_year_id=world.school_year_id,
                                       rubric_id=world.rubrics["qd-4725-reference"], kind="dx_self_assessment",
                                       title="Tự đánh giá mức độ chuyển đổi số năm 2024")
        submission = await open_submission(sub, officer, campaign["id"])
    link = {"submission_id": submission["id"], "url": "https://k12online.vn/hoabinh", "title": "Hệ thống LMS",
            "criterion_codes": ["I.3"]}
    scores = {"scores": [{"criterion_code": "I.3", "item_codes": ["a", "b", "c", "d", "e"]}]}
    url = f"{API}/submissions/{submission['id']}/self-scores"
    async with httpx.AsyncClient(base_url=stack.url("evidence")) as ev, \
            httpx.AsyncClient(base_url=stack.url("scoring")) as scoring:
        await ev.post("/api/evidence/links", json=link, headers=officer)
        bare = await scoring.patch(url, json=scores, headers=officer)
        await ev.post("/api/evidence/links", headers=officer, json={
            **link, "attributes": {"solution_name": "K12Online", "acquisition": "Thuê"}})
        described = await scoring.patch(url, json=scores, headers=officer)

    assert (bare.status_code, bare.json()["code"]) == (422, "evidence_required")
    assert "Tên giải pháp" in bare.json()["detail"] and "Tự xây dựng / Thuê / Mua" in bare.json()["detail"]
    assert described.status_code == 200, described.text
    i3 = next(c for c in described.json()["criteria"] if c["code"] == "I.3")
    assert i3["self_score"]["points"] == 30 and len(i3["self_score"]["evidence_item_ids"]) == 2
    assert described.json()["groups"][0]["self_total"] == 30


async def test_refresh_summaries_rewrites_only_stale_ones(stack: Stack, world: World,
                                                          stack_servers: dict[str, Any]) -> None:
    expected = await make_scored_schools(stack, world, 4)
    stale = next(iter(expected))
    async with stack.services["scoring"].sessions() as session:
        await session.execute(update(ScoreSheet).where(ScoreSheet.unit_id == stale).values(summary=None))
        await session.commit()
    url, schema = stack_servers["dbs"]["scoring"]

    rewritten = await refresh_summaries(Settings(database_url=url, database_schema=schema))
    again = await refresh_summaries(Settings(database_url=url, database_schema=schema))
    async with httpx.AsyncClient(base_url=stack.url("scoring")) as scoring:
        rows = (await scoring.get(f"{API}/campaigns/{world.campaign['id']}/results",
                                  headers=world.users["so_admin"])).json()["items"]

    assert (rewritten, again) == (1, 0)
    assert {uuid.UUID(r["unit_id"]): Decimal(str(r["final_total"])) for r in rows} == {
        unit_id: total for unit_id, (_, total, _) in expected.items()}


async def test_results_show_last_school_year_beside_this_one(stack: Stack, world: World) -> None:
    last_year = await make_scored_schools(stack, world, 6, seed=2023)
    async with httpx.AsyncClient(base_url=stack.url("submissions")) as sub:
        copied = await sub.post(f"/api/submissions/campaigns/{world.campaign['id']}/copy", json={},
                                headers=world.users["so_admin"])
    assert copied.status_code == 201, copied.text
    units = [*list(last_year)[:4], uuid.uuid4()]  # four schools scored both years, one new
    this_year = await make_scored_schools(stack, world, 5, seed=2024, campaign_id=copied.json()["id"],
                                          unit_ids=units)
    async with httpx.AsyncClient(base_url=stack.url("scoring")) as scoring:
        results = (await scoring.get(f"{API}/campaigns/{copied.json()['id']}/results",
                                     headers=world.users["so_admin"])).json()

    rows = {uuid.UUID(r["unit_id"]): r for r in results["items"]}
    assert rows.keys() == this_year.keys()
    for unit_id, row in rows.items():
        before = last_year.get(unit_id)
        assert (None if row["previous_total"] is None else Decimal(str(row["previous_total"]))) == \
            (before[1] if before else None)
        assert row["previous_classification"] == (expected_class(before[1]) if before else None)
    previous = results["previous_year"]
    assert previous["campaign_id"] == world.campaign["id"] and previous["unit_count"] == 6
    average = sum((total for _, total, _ in last_year.values()), Decimal(0)) / 6
    assert Decimal(str(previous["average_total"])) == round(average, 2)


async def test_the_published_results_document_is_signed_by_the_authority(stack: Stack, world: World) -> None:
    expected = await make_scored_schools(stack, world, 4)
    url = f"{API}/campaigns/{world.campaign['id']}/results"
    async with httpx.AsyncClient(base_url=stack.url("scoring")) as scoring:
        before = await scoring.get(f"{url}/published/signed.pdf", headers=world.users["so_admin"])
        await scoring.post(f"{url}/publish", headers=world.users["so_admin"])
        document = await scoring.get(f"{url}/published/signed.pdf", headers=world.users["so_admin"])

    assert (before.status_code, before.json()["code"]) == (404, "results_not_published")
    assert document.status_code == 200 and document.headers["content-type"] == "application/pdf"
    reader = PdfFileReader(io.BytesIO(document.content))
    [signature] = reader.embedded_signatures
    trusted = ValidationContext(trust_roots=[to_asn1(stack.results_ca.root.certificate)], allow_fetching=False)
    status = await async_validate_pdf_signature(signature, signer_validation_context=trusted)
    assert status.intact and status.valid and status.trusted
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert status.signing_cert.subject.native["common_name"] == "Sở Giáo dục và Đào tạo Thử"
    text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(document.content)).pages)
    assert "KẾT QUẢ ĐÁNH GIÁ, XẾP LOẠI" in text
    for name, _, _ in expected.values():
        assert name in text
    untrusted = CertificateAuthority("CA khác", not_before=utcnow(), not_after=utcnow() + timedelta(days=1))
    elsewhere = ValidationContext(trust_roots=[to_asn1(untrusted.root.certificate)], allow_fetching=False)
    assert not (await async_validate_pdf_signature(signature, signer_validation_context=elsewhere)).trusted
