"""scoring's own error in both languages."""

from __future__ import annotations

import uuid

import httpx

from tests.languages import ENGLISH, assert_in_both_languages
from tests.scoring.conftest import Stack, World


async def test_a_missing_rubric_in_both_languages(stack: Stack, world: World) -> None:
    admin = world.users["so_admin"]
    async with httpx.AsyncClient(base_url=stack.url("scoring")) as scoring:
        vietnamese = await scoring.get(f"/api/scoring/rubrics/{uuid.uuid4()}", headers=admin)
        english = await scoring.get(f"/api/scoring/rubrics/{uuid.uuid4()}", headers={**admin, **ENGLISH})

    assert_in_both_languages(vietnamese, english, 404, "rubric_not_found")
