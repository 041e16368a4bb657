"""Issue 20, "the Sở can grant more": an official of a school's commune (UBND xã/phường) reads its schools' reports
but may not review them, until the Sở grants `review` in identity; then the same official starts the review, returns
the report and gives review scores, through the real identity, submissions and scoring services. Revoked, the right
is gone again: the old token is refused and a fresh one carries no grant."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from edudx_common.auth import Role
from identity.units.models import UnitType
from tests.identity.builders import make_unit, make_user
from tests.scoring.conftest import Stack, World, sign_in
from tests.scoring.test_year_end_scoring import (
    approve_as_reviewer,
    full_marks,
    prepare,
    sheet_status,
    submit_report,
)
from tests.submissions.builders import make_campaign

GRANTS = "/api/identity/commune-grants"
REVIEW_SCORE = {"scores": [{"criterion_code": "4.4", "points": 5, "comment": "Kế hoạch chưa đủ chi tiết"}]}


async def _refused_everywhere(stack: Stack, official: dict[str, str], submission_id: str) -> tuple[int, ...]:
    async with httpx.AsyncClient(base_url=stack.url("submissions")) as sub, \
            httpx.AsyncClient(base_url=stack.url("scoring")) as scoring:
        read = await sub.get(f"/api/submissions/submissions/{submission_id}", headers=official)
        start = await sub.post(f"/api/submissions/submissions/{submission_id}/start-review", json={},
                               headers=official)
        scored = await scoring.patch(f"/api/scoring/submissions/{submission_id}/review-scores", headers=official,
                                     json=REVIEW_SCORE)
    return read.status_code, start.status_code, scored.status_code


async def _works_the_board_of_its_commune_only(stack: Stack, world: World, official: dict[str, str],
                                               school_id: str, official_id: str) -> None:
    """The grantee's board, queue, assignment and bulk actions reach its commune's school, never another one."""
    campaign_id, other = world.campaign["id"], str(world.units["s12"].id)
    api = f"/api/submissions/campaigns/{campaign_id}"
    async with httpx.AsyncClient(base_url=stack.url("submissions")) as sub:
        board = await sub.get(f"{api}/status", headers=official, params={"queue": "awaiting"})
        assert board.status_code == 200, board.text
        assert [t["unit_id"] for t in board.json()["targets"]["items"]] == [school_id]
        following = await sub.get(f"{api}/review-queue/next", headers=official)
        assert following.status_code == 200, following.text
        assert following.json()["unit_id"] == school_id
        me = {"id": official_id, "name": "Lê Thị Xã"}
        assigned = await sub.post(f"{api}/assignments", headers=official,
                                  json={"unit_ids": [school_id, other], "reviewer": me})
        assert assigned.status_code == 200, assigned.text
        outcomes = {r["unit_id"]: (r["outcome"], r["reason"]) for r in assigned.json()["results"]}
        assert outcomes[school_id][0] == "assigned"
        assert outcomes[other] == ("skipped", "Trường không thuộc xã/phường được Sở giao thẩm định.")
        action = await sub.post(f"{api}/bulk-actions", headers=official,
                                json={"kind": "remind", "unit_ids": [school_id, other]})
        assert action.status_code == 202, action.text
        ran = await sub.post(f"/api/submissions/bulk-actions/{action.json()['id']}/run", headers=official)
        assert ran.status_code == 200, ran.text
        for _ in range(300):  # the service's runner takes it up within a second
            done = (await sub.get(f"/api/submissions/bulk-actions/{action.json()['id']}", headers=official)).json()
            if done["state"] == "done":
                break
            await asyncio.sleep(0.1)
        assert done["state"] == "done"
        results = {r["unit_id"]: (r["outcome"], r["message"]) for r in done["results"]}
        assert results[school_id] == ("skipped", "Trường đã nộp báo cáo: không cần nhắc.")
        assert results[other] == ("failed", "Trường không thuộc xã/phường được Sở giao thẩm định.")
        submission_id = await _submission_of(sub, official, api)
        released = await sub.post(f"/api/submissions/submissions/{submission_id}/release", headers=official, json={})
        assert released.status_code == 200, released.text  # the official's own assignment


async def _submission_of(sub: httpx.AsyncClient, official: dict[str, str], api: str) -> str:
    board = (await sub.get(f"{api}/status", headers=official)).json()
    return str(board["targets"]["items"][0]["submission_id"])


async def test_a_commune_official_reviews_only_while_the_so_grants_it(stack: Stack, world: World) -> None:
    async with stack.services["identity"].sessions() as session:
        commune = await make_unit(session, parent=world.units["so"], type=UnitType.COMMUNE, name="UBND Phường 1",
                                  code="29227")
        school = world.units["s11"]
        school.commune_id = commune.id
        session.add(school)
        await session.commit()
        official_user = await make_user(session, commune, Role.VIEWER, name="Lê Thị Xã")
    # A campaign published now copies the school's commune onto its target.
    async with httpx.AsyncClient(base_url=stack.url("submissions")) as sub:
        world.campaign = await make_campaign(sub, world.users["so_admin"], school_year_id=world.school_year_id,
                                             rubric_id=world.rubrics["seed-004-cntt"])
    submission: dict[str, Any] = await prepare(stack, world, "s11")
    async with httpx.AsyncClient(base_url=stack.url("scoring")) as scoring:
        self_scored = await scoring.patch(f"/api/scoring/submissions/{submission['id']}/self-scores",
                                          headers=world.users["s11_officer"], json={"scores": full_marks()})
        assert self_scored.status_code == 200, self_scored.text
    await submit_report(stack, world, "s11", submission)
    sid = submission["id"]

    official = await sign_in(stack, official_user)
    read, start, scored = await _refused_everywhere(stack, official, sid)
    assert read == 200  # the commune reads its school's report
    assert (start, scored) == (403, 404)  # but reviews nothing
    async with httpx.AsyncClient(base_url=stack.url("submissions")) as sub:
        queue = await sub.get(f"/api/submissions/campaigns/{world.campaign['id']}/review-queue/next", headers=official)
    assert queue.status_code == 403  # nor works the reviewer's queue
    async with httpx.AsyncClient(base_url=stack.url("evidence")) as evidence:
        listed = await evidence.get(f"/api/evidence/submissions/{sid}/files", headers=world.users["so_admin"])
        item_id = listed.json()["items"][0]["id"]
        marked = await evidence.post(f"/api/evidence/files/{item_id}/review", headers=official,
                                     json={"state": "accepted"})
    assert marked.status_code == 404  # nor its evidence

    async with httpx.AsyncClient(base_url=stack.url("identity")) as identity:
        granted = await identity.post(GRANTS, headers=world.users["so_admin"], json={
            "user_id": str(official_user.id), "rights": ["review"], "note": "Quyết định giao thẩm định 12/QĐ-SGDĐT"})
    assert granted.status_code == 201, granted.text
    official = await sign_in(stack, official_user)  # the new token carries the grant
    await _works_the_board_of_its_commune_only(stack, world, official, str(school.id), str(official_user.id))

    async with httpx.AsyncClient(base_url=stack.url("submissions")) as sub, \
            httpx.AsyncClient(base_url=stack.url("scoring")) as scoring:
        report = (await sub.get(f"/api/submissions/submissions/{sid}", headers=official)).json()
        assert "start_review" in report["allowed_actions"] and report["commune_id"] == str(commune.id)
        started = await sub.post(f"/api/submissions/submissions/{sid}/start-review", json={}, headers=official)
        assert started.status_code == 200, started.text
        sheet = await scoring.get(f"/api/scoring/submissions/{sid}/scores", headers=official)
        assert sheet.status_code == 200 and sheet.json()["can_review"] is True
        assert sheet.json()["can_self_score"] is False
        scored_now = await scoring.patch(f"/api/scoring/submissions/{sid}/review-scores", headers=official,
                                         json=REVIEW_SCORE)
        assert scored_now.status_code == 200, scored_now.text
        review = {c["code"]: c["review"] for c in scored_now.json()["criteria"] if c["review"]}
        assert review["4.4"]["points"] == 5 and review["4.4"]["by_name"] == "Lê Thị Xã"
        self_refused = await scoring.patch(f"/api/scoring/submissions/{sid}/self-scores", headers=official,
                                           json={"scores": full_marks()})
        assert self_refused.status_code in (403, 409)
        returned = await sub.post(f"/api/submissions/submissions/{sid}/return", headers=official,
                                  json={"reasons": {"criteria": {"4.4": "Bổ sung kế hoạch chi tiết"}}})
        assert returned.status_code == 200, returned.text
    assert await sheet_status(stack, sid, "returned") == "returned"
    await submit_report(stack, world, "s11", submission)
    # The grantee looks at every evidence item, as a Sở reviewer does, and approves the resubmitted report.
    await approve_as_reviewer(stack, official, sid)
    assert await sheet_status(stack, sid, "approved") == "approved"

    async with httpx.AsyncClient(base_url=stack.url("identity")) as identity:
        revoked = await identity.delete(f"{GRANTS}/{granted.json()['id']}", headers=world.users["so_admin"])
    assert revoked.status_code == 200, revoked.text
    # The services learn the revoked session on their next poll of identity's revocations.
    for _ in range(300):
        async with httpx.AsyncClient(base_url=stack.url("submissions")) as sub:
            stale = await sub.get(f"/api/submissions/submissions/{sid}", headers=official)
        if stale.status_code == 401:
            break
        await asyncio.sleep(0.1)
    assert stale.status_code == 401
    official = await sign_in(stack, official_user)
    read, start, scored = await _refused_everywhere(stack, official, sid)
    assert (read, start, scored) == (200, 403, 404)
    async with httpx.AsyncClient(base_url=stack.url("evidence")) as evidence:
        marked = await evidence.post(f"/api/evidence/files/{item_id}/review", headers=official,
                                     json={"state": "accepted"})
    assert marked.status_code == 404
