"""The status view names its groups (a Phòng) through identity; the names are remembered for a minute."""

from __future__ import annotations

import uuid

import httpx

from edudx_common.http import ServiceClient
from submissions.clients.identity import NAMES_FRESH_SECONDS, IdentityClient


def _unit(unit_id: uuid.UUID, name: str) -> dict[str, object]:
    return {"id": str(unit_id), "code": unit_id.hex[:6], "name": name, "type": "district_office",
            "education_levels": [], "ancestor_ids": [], "active": True}


async def test_group_names_are_asked_once_a_minute() -> None:
    names = {uuid.uuid4(): "Phòng GDĐT Long Hồ", uuid.uuid4(): "Phòng GDĐT Mang Thít"}
    asked: list[list[str]] = []

    def identity(request: httpx.Request) -> httpx.Response:
        ids = request.url.params.get_list("ids")
        asked.append(ids)
        items = [_unit(uuid.UUID(i), names[uuid.UUID(i)]) for i in ids if uuid.UUID(i) in names]
        return httpx.Response(200, json={"items": items, "total": len(items)})

    now = [1000.0]
    client = IdentityClient(ServiceClient("http://identity.test", name="identity",
                                          transport=httpx.MockTransport(identity)), clock=lambda: now[0])
    first, second = list(names)

    assert {u.name for u in await client.units_including_inactive([first, second])} == set(names.values())
    assert {u.name for u in await client.units_including_inactive([second, first])} == set(names.values())
    assert len(asked) == 1  # the second view asked nobody

    names[first] = "Phòng GDĐT huyện Long Hồ"  # renamed at identity
    now[0] += NAMES_FRESH_SECONDS + 1
    renamed = {u.id: u.name for u in await client.units_including_inactive([first])}
    assert renamed == {first: "Phòng GDĐT huyện Long Hồ"}
    assert asked[-1] == [str(first)]  # only what was stale was asked for
