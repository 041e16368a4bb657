"""The scoring audit trail: self and review score changes (changed points only) and the results publication,
each once with its request id; a refused change leaves nothing; the subtree filter holds."""

from __future__ import annotations

from typing import Any

import httpx

from tests.scoring.conftest import Stack, World
from tests.scoring.test_year_end_scoring import API, full_marks, prepare, sheet_status, submit_report, workflow


async def _trail(scoring: httpx.AsyncClient, world: World, **params: Any) -> list[dict[str, Any]]:
    response = await scoring.get(f"{API}/audit", headers=world.users["so_admin"], params={"limit": 500, **params})
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


async def test_score_changes_and_publication_are_recorded(stack: Stack, world: World) -> None:
    submission = await prepare(stack, world, "s11")
    users = world.users
    scores = f"{API}/submissions/{submission['id']}"
    async with httpx.AsyncClient(base_url=stack.url("scoring")) as scoring:
        first = await scoring.patch(f"{scores}/self-scores", headers=users["s11_officer"],
                                    json={"scores": full_marks()})
        changed = await scoring.patch(f"{scores}/self-scores", headers=users["s11_officer"],
                                      json={"scores": [{"criterion_code": "4.4", "points": 5}]})
        refused = await scoring.patch(f"{scores}/self-scores", headers=users["s11_officer"],
                                      json={"scores": [{"criterion_code": "4.4", "points": 500}]})
        await submit_report(stack, world, "s11", submission)
        reviewed = await scoring.patch(f"{scores}/review-scores", headers=users["p1_reviewer"],
                                       json={"scores": [{"criterion_code": "4.5", "points": 9.75}]})
        await workflow(stack, world, submission["id"], "approve", {})
        assert await sheet_status(stack, submission["id"], "approved") == "approved"
        published = await scoring.post(f"{API}/campaigns/{world.campaign['id']}/results/publish",
                                       headers=users["so_admin"])
        assert (first.status_code, changed.status_code, refused.status_code) == (200, 200, 422)
        assert (reviewed.status_code, published.status_code) == (200, 200), published.text

        about_school = await _trail(scoring, world, unit_id=str(world.units["s11"].id))
        publication = await _trail(scoring, world, action="results.published", target_id=world.campaign["id"])
        other_phong = await _trail(scoring, world, unit_id=str(world.units["p2"].id))
        school_reads = await scoring.get(f"{API}/audit", headers=users["s11_principal"])

    by_request = {r["request_id"]: r for r in about_school}
    assert len([r for r in about_school if r["target_id"] == submission["id"]]) == 3
    assert by_request[changed.headers["X-Request-ID"]]["changes"] == {"4.4": {"before": 10.0, "after": 5.0}}
    assert by_request[first.headers["X-Request-ID"]]["action"] == "score.self_changed"
    assert len(by_request[first.headers["X-Request-ID"]]["changes"]) == len(full_marks())
    review = by_request[reviewed.headers["X-Request-ID"]]
    assert review["action"] == "score.review_changed" and review["changes"] == {"4.5": {"before": None, "after": 9.75}}
    assert refused.headers["X-Request-ID"] not in by_request
    [record] = publication
    assert record["request_id"] == published.headers["X-Request-ID"]
    assert record["unit_id"] == str(world.units["so"].id) and record["changes"]["units"] == 1
    assert other_phong == [] and school_reads.status_code == 403
