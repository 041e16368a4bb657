"""What scoring asks identity: units' names and places in the tree (only the fields we read).

Units' briefs (code, name, levels) are kept per process for a minute, like the ancestors of `RemoteUnitTree`, and
dropped at once when identity tells of a change (`unit.changed`, scoring.events_router): every results page names
the same groups — a national campaign's 500 sub-authorities — and asking identity for them on each page, five
calls and 500 units decoded and validated, was a third of scoring's CPU for the page (bench/RESULTS.md, session
12). A replica that did not receive the event may show an old name for up to the minute.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from cachetools import TTLCache
from pydantic import BaseModel

from edudx_common.errors import BadGateway
from edudx_common.http import ServiceClient

PAGE = 500
IDS_PER_CALL = 100  # keeps the query string short
BRIEFS_FRESH_SECONDS = 60.0
BRIEFS_KEPT = 5_000  # a national campaign's groups are some hundreds; exports of every unit are not kept


class UnitInfo(BaseModel):
    id: uuid.UUID
    name: str
    ancestor_ids: list[uuid.UUID]

    @property
    def path(self) -> str:
        return "/" + "".join(f"{a.hex}/" for a in [*self.ancestor_ids, self.id])


class UnitBrief(BaseModel):
    id: uuid.UUID
    code: str = ""
    name: str
    education_levels: list[str] = []


class UnitBriefPage(BaseModel):
    items: list[UnitBrief]


class IdentityClient:
    def __init__(self, client: ServiceClient, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._client = client
        # None: identity knows no such unit (asked again after the minute, like a known one).
        self._briefs: TTLCache[uuid.UUID, UnitBrief | None] = TTLCache(maxsize=BRIEFS_KEPT, ttl=BRIEFS_FRESH_SECONDS,
                                                                       timer=clock)

    def forget(self) -> None:
        """Drop the kept briefs: a unit was renamed, moved or added."""
        self._briefs.clear()

    async def unit(self, unit_id: uuid.UUID) -> UnitInfo | None:
        response = await self._client.get(f"/api/identity/units/{unit_id}", params={"include_inactive": True})
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise BadGateway(f"Dịch vụ identity trả lời HTTP {response.status_code}.")
        return UnitInfo.model_validate(response.json())

    async def names(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
        """Names of the given units (inactive ones too); unknown ids are left out."""
        return {unit_id: unit.name for unit_id, unit in (await self.units(ids)).items()}

    async def units(self, ids: Sequence[uuid.UUID], *, keep: bool = True) -> dict[uuid.UUID, UnitBrief]:
        """Code, name and education levels of the given units (inactive ones too); unknown ids are left out. Those
        not kept are asked for in calls of IDS_PER_CALL ids that go out together, and kept unless `keep` is False
        (every unit of an export, which would push the groups' names out)."""
        unique = list(dict.fromkeys(ids))
        kept = {unit_id: self._briefs.get(unit_id, _MISSING) for unit_id in unique}
        missing = [unit_id for unit_id, brief in kept.items() if brief is _MISSING]
        answers = await asyncio.gather(*(self._units(missing[start : start + IDS_PER_CALL])
                                         for start in range(0, len(missing), IDS_PER_CALL)))
        for answer in answers:
            kept.update(answer)
        for unit_id in missing if keep else ():
            brief = kept.get(unit_id)
            self._briefs[unit_id] = None if brief is _MISSING else brief
        return {unit_id: brief for unit_id, brief in kept.items() if isinstance(brief, UnitBrief)}

    async def _units(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, UnitBrief]:
        params: list[tuple[str, str | int]] = [("limit", PAGE), ("include_inactive", "true")]
        params += [("ids", str(i)) for i in ids]
        response = await self._client.get("/api/identity/units", params=params)
        if response.status_code != 200:
            raise BadGateway(f"Dịch vụ identity trả lời HTTP {response.status_code}.")
        return {u.id: u for u in UnitBriefPage.model_validate_json(response.content).items}


_MISSING: Any = object()  # not kept (None is kept: no such unit)
