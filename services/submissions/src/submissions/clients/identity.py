"""What the submissions service asks identity: the units a campaign targets (only the fields we read)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Sequence

from pydantic import BaseModel

from edudx_common.errors import BadGateway
from edudx_common.http import ServiceClient
from submissions.errors import InvalidTargets

PAGE = 500
IDS_PER_CALL = 100  # keeps the query string short
# The status view names the same Phòng on every read (a call to identity each time: bench/RESULTS.md, deadline
# day); a renamed unit shows its new name after at most this long.
NAMES_FRESH_SECONDS = 60.0
_NAMES_KEPT = 50_000


class UnitLink(BaseModel):
    """A commune or cluster as identity names it in a unit's answer."""

    id: uuid.UUID
    code: str
    name: str


class UnitInfo(BaseModel):
    id: uuid.UUID
    code: str
    name: str
    type: str
    education_levels: list[str]
    ancestor_ids: list[uuid.UUID]
    active: bool
    address: str | None = None
    # The post-2025 fields; an identity without them answers a unit with no commune and no cluster.
    commune: UnitLink | None = None
    clusters: list[UnitLink] = []

    @property
    def path(self) -> str:
        return "/" + "".join(f"{a.hex}/" for a in [*self.ancestor_ids, self.id])


class IdentityClient:
    def __init__(self, client: ServiceClient, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._client = client
        self._clock = clock
        self._named: dict[uuid.UUID, tuple[UnitInfo, float]] = {}  # unit id → (unit, when identity said so)

    async def unit(self, unit_id: uuid.UUID) -> UnitInfo:
        response = await self._client.get(f"/api/identity/units/{unit_id}", params={"include_inactive": True})
        if response.status_code == 404:
            raise InvalidTargets(f"Đơn vị {unit_id} không tồn tại.")
        _expect_ok(response.status_code)
        return UnitInfo.model_validate(response.json())

    async def units_under(self, root_id: uuid.UUID, *, unit_types: Sequence[str],
                          education_levels: Sequence[str]) -> list[UnitInfo]:
        """Every active unit in `root_id`'s subtree of the given types having any of the given levels."""
        params: list[tuple[str, str | int]] = [("root_id", str(root_id)), ("limit", PAGE)]
        params += [("type", t) for t in unit_types] + [("education_level", lvl) for lvl in education_levels]
        return await self._all_pages(params)

    async def units_by_ids(self, root_id: uuid.UUID, ids: Sequence[uuid.UUID]) -> list[UnitInfo]:
        """The given units, if they are active and inside `root_id`'s subtree (others are left out)."""
        found: list[UnitInfo] = []
        unique = list(dict.fromkeys(ids))
        for start in range(0, len(unique), IDS_PER_CALL):
            chunk = unique[start : start + IDS_PER_CALL]
            params: list[tuple[str, str | int]] = [("root_id", str(root_id)), ("limit", PAGE)]
            params += [("ids", str(i)) for i in chunk]
            found += await self._all_pages(params)
        return found

    async def _all_pages(self, params: list[tuple[str, str | int]]) -> list[UnitInfo]:
        units: list[UnitInfo] = []
        offset = 0
        while True:
            response = await self._client.get("/api/identity/units", params=[*params, ("offset", offset)])
            _expect_ok(response.status_code)
            body = response.json()
            units += [UnitInfo.model_validate(u) for u in body["items"]]
            offset += len(body["items"])
            if not body["items"] or offset >= body["total"]:
                return units

    async def units_including_inactive(self, ids: Sequence[uuid.UUID]) -> list[UnitInfo]:
        """The given units wherever they are, inactive ones too (names for roll-ups of frozen targets).
        What identity said less than NAMES_FRESH_SECONDS ago is not asked again."""
        now = self._clock()
        found: list[UnitInfo] = []
        missing: list[uuid.UUID] = []
        for unit_id in dict.fromkeys(ids):
            known = self._named.get(unit_id)
            if known is not None and now - known[1] < NAMES_FRESH_SECONDS:
                found.append(known[0])
            else:
                missing.append(unit_id)
        for start in range(0, len(missing), IDS_PER_CALL):
            params: list[tuple[str, str | int]] = [("limit", PAGE), ("include_inactive", "true")]
            params += [("ids", str(i)) for i in missing[start : start + IDS_PER_CALL]]
            fetched = await self._all_pages(params)
            if len(self._named) + len(fetched) > _NAMES_KEPT:
                self._named.clear()
            self._named.update((unit.id, (unit, now)) for unit in fetched)
            found += fetched
        return found


def _expect_ok(status: int) -> None:
    if status != 200:
        raise BadGateway(f"Dịch vụ identity trả lời HTTP {status}.")
