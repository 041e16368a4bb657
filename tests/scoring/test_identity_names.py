"""The results name their groups through identity; the names are kept a minute, and forgotten at once when identity
tells of a unit's change."""

from __future__ import annotations

import uuid

import httpx

from edudx_common.auth import Principal
from edudx_common.db import utcnow
from edudx_common.http import ServiceClient
from edudx_common.tables.inbox import EventEnvelope
from scoring.clients.identity import BRIEFS_FRESH_SECONDS, IdentityClient
from scoring.clients.submissions import SubmissionsClient
from scoring.events_router import _receive
from tests.scoring.conftest import Stack


class _Identity:
    """identity's `GET /units?ids=…` over names it holds; every call's ids recorded."""

    def __init__(self, names: dict[uuid.UUID, str]) -> None:
        self.names = names
        self.asked: list[list[str]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        ids = request.url.params.get_list("ids")
        self.asked.append(ids)
        items = [{"id": i, "code": i[:6], "name": self.names[uuid.UUID(i)], "type": "department",
                  "education_levels": [], "active": True, "address": None}
                 for i in ids if uuid.UUID(i) in self.names]
        return httpx.Response(200, json={"items": items, "total": len(items)})


def _client(identity: _Identity, now: list[float]) -> IdentityClient:
    return IdentityClient(ServiceClient("http://identity.test", name="identity",
                                        transport=httpx.MockTransport(identity)), clock=lambda: now[0])


async def test_names_are_asked_once_a_minute_and_unknown_units_too() -> None:
    first, second, unknown = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    identity = _Identity({first: "Sở GDĐT Vĩnh Long", second: "Sở GDĐT Cần Thơ"})
    now = [1000.0]
    client = _client(identity, now)

    assert await client.names([first, second, unknown]) == {first: "Sở GDĐT Vĩnh Long", second: "Sở GDĐT Cần Thơ"}
    assert await client.names([second, unknown, first]) == {first: "Sở GDĐT Vĩnh Long", second: "Sở GDĐT Cần Thơ"}
    assert len(identity.asked) == 1  # the second page asked nobody, not even for the unknown unit

    identity.names[first] = "Sở Giáo dục và Đào tạo Vĩnh Long"  # renamed at identity
    now[0] += BRIEFS_FRESH_SECONDS + 1
    assert (await client.names([first]))[first] == "Sở Giáo dục và Đào tạo Vĩnh Long"
    assert identity.asked[-1] == [str(first)]  # only what was asked for, once stale


async def test_forgetting_asks_again_and_an_export_s_units_are_not_kept() -> None:
    unit, exported = uuid.uuid4(), uuid.uuid4()
    identity = _Identity({unit: "Sở GDĐT Vĩnh Long", exported: "Trường THPT Lưu Văn Liệt"})
    client = _client(identity, [0.0])

    await client.names([unit])
    identity.names[unit] = "Sở GDĐT Vĩnh Long (mới)"
    client.forget()
    renamed = await client.names([unit])
    await client.units([exported], keep=False)
    await client.units([exported], keep=False)

    assert renamed == {unit: "Sở GDĐT Vĩnh Long (mới)"}
    assert identity.asked == [[str(unit)], [str(unit)], [str(exported)], [str(exported)]]


async def test_a_unit_changed_event_makes_the_results_name_units_afresh(stack: Stack) -> None:
    unit = uuid.uuid4()
    identity = _Identity({unit: "Sở GDĐT Vĩnh Long"})
    client = _client(identity, [0.0])
    from_identity = Principal(subject="service:identity", kind="service")
    renamed = EventEnvelope(id=uuid.uuid4(), type="unit.changed", occurred_at=utcnow(), payload={
        "unit_id": str(unit), "path": f"/{unit.hex}/", "position": 1, "former_path": f"/{unit.hex}/"})

    await client.names([unit])
    identity.names[unit] = "Sở Giáo dục và Đào tạo Vĩnh Long"
    async with stack.services["scoring"].sessions() as session:
        await _receive(session, renamed, from_identity, SubmissionsClient(ServiceClient(
            "http://submissions.test", name="submissions")), _NoTree(), client)
        await session.commit()

    assert await client.names([unit]) == {unit: "Sở Giáo dục và Đào tạo Vĩnh Long"}
    assert len(identity.asked) == 2


class _NoTree:
    async def ancestor_ids(self, unit_id: uuid.UUID) -> list[uuid.UUID] | None:
        return None
