"""The results name their groups through identity (the real service of the test stack); the names are kept a
minute, and forgotten at once when identity tells of a unit's change."""

from __future__ import annotations

import uuid

from edudx_common.auth import Principal
from edudx_common.db import utcnow
from edudx_common.http import ServiceClient, ServiceTokenProvider
from edudx_common.tables.inbox import EventEnvelope
from identity.units.models import Unit
from scoring.clients.identity import BRIEFS_FRESH_SECONDS, IdentityClient
from scoring.clients.submissions import SubmissionsClient
from scoring.events_router import _receive
from tests.scoring.conftest import SECRETS, Stack, World


def _client(stack: Stack, now: list[float]) -> IdentityClient:
    tokens = ServiceTokenProvider(identity_url=stack.url("identity"), client_id="scoring",
                                  client_secret=SECRETS["scoring"])
    return IdentityClient(ServiceClient(stack.url("identity"), name="identity", token_provider=tokens),
                          clock=lambda: now[0])


async def _rename(stack: Stack, unit_id: uuid.UUID, name: str) -> None:
    """Renamed at identity, in its database: no event reaches scoring's client unless the test sends one."""
    async with stack.services["identity"].sessions() as session:
        unit = await session.get(Unit, unit_id)
        assert unit is not None
        unit.name = name
        await session.commit()


async def test_names_are_kept_a_minute(stack: Stack, world: World) -> None:
    p1 = world.units["p1"].id
    now = [1000.0]
    client = _client(stack, now)

    first = await client.names([p1, uuid.uuid4()])  # an unknown unit is left out
    await _rename(stack, p1, "Phòng thử đã đổi tên")
    within_the_minute = await client.names([p1])
    now[0] += BRIEFS_FRESH_SECONDS + 1
    after_the_minute = await client.names([p1])

    assert first == {p1: world.units["p1"].name}
    assert within_the_minute == first
    assert after_the_minute == {p1: "Phòng thử đã đổi tên"}


async def test_forgetting_asks_again_and_an_export_s_units_are_not_kept(stack: Stack, world: World) -> None:
    p1, p2 = world.units["p1"].id, world.units["p2"].id
    client = _client(stack, [0.0])

    await client.names([p1])
    await client.units([p2], keep=False)
    await _rename(stack, p1, "Phòng một, tên mới")
    await _rename(stack, p2, "Phòng hai, tên mới")
    not_kept = await client.names([p2])  # asked again: the export's read kept nothing
    client.forget()

    assert not_kept == {p2: "Phòng hai, tên mới"}
    assert await client.names([p1]) == {p1: "Phòng một, tên mới"}


async def test_a_unit_changed_event_makes_the_results_name_units_afresh(stack: Stack, world: World) -> None:
    so = world.units["so"].id
    client = _client(stack, [0.0])
    from_identity = Principal(subject="service:identity", kind="service")
    renamed = EventEnvelope(id=uuid.uuid4(), type="unit.changed", occurred_at=utcnow(), payload={
        "unit_id": str(so), "path": f"/{so.hex}/", "position": 1, "former_path": f"/{so.hex}/"})

    await client.names([so])
    await _rename(stack, so, "Sở Giáo dục và Đào tạo (tên mới)")
    async with stack.services["scoring"].sessions() as session:
        await _receive(session, renamed, from_identity, SubmissionsClient(ServiceClient(
            stack.url("submissions"), name="submissions")), _NoTree(), client)
        await session.commit()

    assert await client.names([so]) == {so: "Sở Giáo dục và Đào tạo (tên mới)"}


class _NoTree:
    async def ancestor_ids(self, unit_id: uuid.UUID) -> list[uuid.UUID] | None:
        return None
