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


async def test_users_of_many_units_by_role_in_one_call(session: AsyncSession, identity_url: str,
                                                       client: object) -> None:
    """How notifications finds recipients at scale: principals and IT officers of up to 100 units per call."""
    from tests.identity.builders import login, make_user

    units = await make_province(session)
    principal = await make_user(session, units["s11"], Role.PRINCIPAL)
    officer = await make_user(session, units["s12"], Role.SCHOOL_IT_OFFICER)
    await make_user(session, units["s21"], Role.PRINCIPAL)  # a unit not asked for
    await make_user(session, units["p1"], Role.REVIEWER)  # a role not asked for
    phong_admin = await make_user(session, units["p1"], Role.AUTHORITY_ADMIN)
    tokens = ServiceTokenProvider(identity_url=identity_url, client_id="submissions",
                                  client_secret="submissions-test-secret-0123")
    identity = ServiceClient(identity_url, name="identity", token_provider=tokens)
    asked = [("unit_ids", str(units[k].id)) for k in ("s11", "s12", "p1")]
    roles = [("role", "principal"), ("role", "school_it_officer")]

    try:
        as_service = await identity.get("/api/identity/users", params=[*asked, *roles, ("limit", 500)])
        admin_headers = await login(client, phong_admin)  # type: ignore[arg-type]
        outside = await client.get("/api/identity/users", headers=admin_headers,  # type: ignore[attr-defined]
                                   params=[("unit_ids", str(units["s21"].id))])
        principal_headers = await login(client, principal)  # type: ignore[arg-type]
        other_school = await client.get("/api/identity/users", headers=principal_headers,  # type: ignore[attr-defined]
                                        params=[("unit_ids", str(units["s12"].id))])
    finally:
        await identity.aclose()

    assert as_service.status_code == 200
    assert {(u["email"], u["unit_id"]) for u in as_service.json()["items"]} == {
        (principal.email, str(units["s11"].id)), (officer.email, str(units["s12"].id))}
    assert outside.status_code == 200 and outside.json()["items"] == []
    assert other_school.status_code == 403
