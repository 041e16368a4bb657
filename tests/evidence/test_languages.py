"""evidence's own error in both languages."""

from __future__ import annotations

import uuid

import httpx

from tests.evidence.conftest import World
from tests.evidence.samples import API
from tests.languages import ENGLISH, assert_in_both_languages


async def test_a_missing_evidence_file_in_both_languages(client: httpx.AsyncClient, world: World) -> None:
    missing = f"{API}/files/{uuid.uuid4()}/download"

    vietnamese = await client.get(missing, headers=world.s11_officer)
    english = await client.get(missing, headers={**world.s11_officer, **ENGLISH})

    assert_in_both_languages(vietnamese, english, 404, "evidence_not_found")
