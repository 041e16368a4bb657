"""submissions' own error in both languages."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from edudx_common.auth import Role
from tests.identity.builders import make_province, make_user
from tests.languages import ENGLISH, assert_in_both_languages
from tests.submissions.builders import API


async def test_a_missing_campaign_in_both_languages(client: httpx.AsyncClient, id_session: AsyncSession,
                                                    sign_in: Callable[..., Any]) -> None:
    units = await make_province(id_session)
    admin = await sign_in(await make_user(id_session, units["p1"], Role.AUTHORITY_ADMIN))
    missing = f"{API}/campaigns/{uuid.uuid4()}"

    vietnamese = await client.get(missing, headers=admin)
    english = await client.get(missing, headers={**admin, **ENGLISH})

    assert_in_both_languages(vietnamese, english, 404, "campaign_not_found")
