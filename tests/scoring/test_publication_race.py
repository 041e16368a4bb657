"""Approve, then publish the instant the answer returns: the publication holds every approved school.

Submissions tells scoring of each approval through its outbox a moment later (its dispatcher sleeps up to a second
between passes), so a publication that trusted scoring's event-fed copy alone missed the schools approved just
before (seen: 1 of 3, 0 of 3, answered 200). Every service here is real and served over HTTP with the real outbox.
Each round is a new campaign both schools submitted (scoring has heard of the submissions: the campaigns are
prepared first); both are approved and the results published at once, 20 times, with no miss tolerated. A 409
`copy_not_current` (scoring cannot settle its copy yet) is allowed, its `Retry-After` honoured: a refusal is never
a silent partial publication. Without the fresh read, 20 of 20 rounds miss both schools.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tests.scoring.conftest import Stack, World
from tests.scoring.test_rubric_rules import SEED_004_MAXIMA
from tests.scoring.test_year_end_scoring import API, sheet_status, workflow
from tests.submissions.builders import FULL_ANSWERS, make_campaign, open_submission, save, submit

ROUNDS = 20
SCHOOLS = ("s11", "s12")


async def _publish(scoring: httpx.AsyncClient, url: str, headers: dict[str, str]) -> tuple[httpx.Response, int]:
    """Publish, honouring `Retry-After` on 409 copy_not_current; (final answer, refusals before it)."""
    refusals = 0
    while True:
        response = await scoring.post(url, headers=headers)
        if response.status_code != 409 or response.json()["code"] != "copy_not_current" or refusals >= 10:
            return response, refusals
        refusals += 1
        assert int(response.headers["retry-after"]) >= 1
        await asyncio.sleep(float(response.headers["retry-after"]))


# A submit waits for every criterion's self-score; 0 needs no evidence.
NO_POINTS = {"scores": [{"criterion_code": code, "points": 0} for code in SEED_004_MAXIMA]}


async def _submitted_campaign(stack: Stack, world: World, sub: httpx.AsyncClient,
                              scoring: httpx.AsyncClient) -> dict[str, Any]:
    """A new campaign both schools self-scored and submitted (and scoring has heard so); nothing approved yet."""
    campaign = await make_campaign(sub, world.users["so_admin"], school_year_id=world.school_year_id,
                                   rubric_id=world.rubrics["seed-004-cntt"])
    for school in SCHOOLS:
        submission = await open_submission(sub, world.users[f"{school}_officer"], campaign["id"])
        saved = await save(sub, world.users[f"{school}_officer"], submission, FULL_ANSWERS)
        assert saved.status_code == 200, saved.text
        scored = await scoring.patch(f"{API}/submissions/{submission['id']}/self-scores",
                                     headers=world.users[f"{school}_officer"], json=NO_POINTS)
        assert scored.status_code == 200, scored.text
        submitted = await submit(sub, world.users[f"{school}_principal"], saved.json())
        assert submitted.status_code == 200, submitted.text
        campaign.setdefault("submission_ids", []).append(submission["id"])
    return campaign


async def test_publishing_right_after_the_approvals_never_misses_a_school(stack: Stack, world: World) -> None:
    expected = {world.units[school].name for school in SCHOOLS}
    outcomes: list[tuple[int, set[str], int]] = []
    async with (httpx.AsyncClient(base_url=stack.url("scoring"), timeout=30) as scoring,
                httpx.AsyncClient(base_url=stack.url("submissions"), timeout=30) as sub):
        campaigns = [await _submitted_campaign(stack, world, sub, scoring) for _ in range(ROUNDS)]
        for campaign in campaigns:
            for submission_id in campaign["submission_ids"]:
                assert await sheet_status(stack, submission_id, "submitted") == "submitted"
        for campaign in campaigns:
            for submission_id in campaign["submission_ids"]:
                await workflow(stack, world, submission_id, "approve", {})
            published, refusals = await _publish(scoring, f"{API}/campaigns/{campaign['id']}/results/publish",
                                                 world.users["so_admin"])
            shown = await scoring.get(f"{API}/campaigns/{campaign['id']}/results/published",
                                      headers=world.users["so_admin"])
            names = {row["unit_name"] for row in shown.json().get("items", [])} if shown.status_code == 200 else set()
            outcomes.append((published.status_code, names, refusals))

    misses: list[Any] = [(status, sorted(expected - names)) for status, names, _ in outcomes
                         if status != 200 or not expected <= names]
    assert misses == [], f"{len(misses)} of {ROUNDS} publications missed approved schools: {misses}"
    print(f"refusals before publishing: {[refusals for *_, refusals in outcomes]}")
