"""What scoring asks identity: units' names and places in the tree (only the fields we read)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence

from pydantic import BaseModel

from edudx_common.errors import BadGateway
from edudx_common.http import ServiceClient

PAGE = 500
IDS_PER_CALL = 100  # keeps the query string short


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


class IdentityClient:
    def __init__(self, client: ServiceClient) -> None:
        self._client = client

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

    async def units(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, UnitBrief]:
        """Code, name and education levels of the given units (inactive ones too); unknown ids are left out. The
        calls (one per IDS_PER_CALL ids) go out together: a national campaign's 500 sub-authorities were five round
        trips one after the other on every results page."""
        unique = list(dict.fromkeys(ids))
        answers = await asyncio.gather(*(self._units(unique[start : start + IDS_PER_CALL])
                                         for start in range(0, len(unique), IDS_PER_CALL)))
        return {unit_id: unit for answer in answers for unit_id, unit in answer.items()}

    async def _units(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, UnitBrief]:
        params: list[tuple[str, str | int]] = [("limit", PAGE), ("include_inactive", "true")]
        params += [("ids", str(i)) for i in ids]
        response = await self._client.get("/api/identity/units", params=params)
        if response.status_code != 200:
            raise BadGateway(f"Dịch vụ identity trả lời HTTP {response.status_code}.")
        return {u.id: u for u in (UnitBrief.model_validate(item) for item in response.json()["items"])}
