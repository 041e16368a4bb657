"""Rotating the signing key: tokens signed with the previous key keep working until they expire."""

from __future__ import annotations

from pathlib import Path

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from edudx_common.auth import Role
from identity.config import Settings
from identity.main import create_app
from tests.identity.builders import login, make_province, make_user
from tests.support import write_key


async def test_old_tokens_verify_after_rotation(client: httpx.AsyncClient, session: AsyncSession,
                                                identity_settings: Settings, tmp_path: Path) -> None:
    units = await make_province(session)
    user = await make_user(session, units["s11"], Role.PRINCIPAL)
    old_token_headers = await login(client, user)  # signed with the key in force so far
    rotated = identity_settings.model_copy(update={
        "jwt_private_key_file": str(write_key(tmp_path)),
        "jwt_previous_public_key_files": [identity_settings.jwt_private_key_file],
    })
    without_old = identity_settings.model_copy(update={"jwt_private_key_file": str(write_key(tmp_path))})

    rotated_app = create_app(rotated)
    async with rotated_app.router.lifespan_context(rotated_app), httpx.AsyncClient(
        transport=httpx.ASGITransport(app=rotated_app), base_url="http://identity"
    ) as rotated_client:
        jwks = (await rotated_client.get("/api/identity/.well-known/jwks.json")).json()
        old_token_works = await rotated_client.get("/api/identity/me", headers=old_token_headers)
        new_login = await login(rotated_client, user)

    dropped_app = create_app(without_old)
    async with dropped_app.router.lifespan_context(dropped_app), httpx.AsyncClient(
        transport=httpx.ASGITransport(app=dropped_app), base_url="http://identity"
    ) as dropped_client:
        old_token_after_drop = await dropped_client.get("/api/identity/me", headers=old_token_headers)

    assert len(jwks["keys"]) == 2
    assert old_token_works.status_code == 200
    assert new_login["Authorization"] != old_token_headers["Authorization"]
    assert old_token_after_drop.status_code == 401
