"""How other services check tree scope: a service token from identity, then ancestors over real HTTP."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from edudx_common.auth import Principal, Role
from edudx_common.errors import NotFound
from edudx_common.http import ServiceClient, ServiceTokenProvider
from edudx_common.scope import RemoteUnitTree, ensure_in_scope, is_in_scope
from identity.config import Settings
from identity.main import create_app
from tests.identity.builders import make_province
from tests.servers import serve


@pytest.fixture
def identity_url(identity_settings: Settings) -> Iterator[str]:
    # A second app on the same database, served by uvicorn on its own loop: real HTTP, real tokens.
    with serve(create_app(identity_settings)) as url:
        yield url


def _user_at(unit_id: uuid.UUID, *roles: Role) -> Principal:
    return Principal(subject=str(uuid.uuid4()), kind="user", user_id=uuid.uuid4(), unit_id=unit_id,
                     roles=frozenset(r.value for r in roles))


async def test_scope_checks_through_identity(session: AsyncSession, identity_url: str) -> None:
    units = await make_province(session)
    tokens = ServiceTokenProvider(identity_url=identity_url, client_id="submissions",
                                  client_secret="submissions-test-secret-0123")
    identity = ServiceClient(identity_url, name="identity", token_provider=tokens)
    tree = RemoteUnitTree(identity)
    phong = _user_at(units["p1"].id, Role.REVIEWER)
    school = _user_at(units["s11"].id, Role.PRINCIPAL)

    try:
        assert await tree.ancestor_ids(units["s11"].id) == [units["so"].id, units["p1"].id]
        assert await tree.ancestor_ids(uuid.uuid4()) is None
        assert await is_in_scope(phong, units["s11"].id, tree)
        assert not await is_in_scope(phong, units["s21"].id, tree)
        assert await is_in_scope(school, units["s11"].id, tree)
        assert not await is_in_scope(school, units["s12"].id, tree)
        with pytest.raises(NotFound):
            await ensure_in_scope(phong, units["s0"].id, tree, what="báo cáo")
    finally:
        await identity.aclose()
