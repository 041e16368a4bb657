"""What notifications asks identity: units (contact e-mail, parent, path) and the people to write to."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence

from pydantic import BaseModel

from edudx_common.errors import BadGateway
from edudx_common.http import ServiceClient

PAGE = 500
IDS_PER_CALL = 100  # identity's limit for `ids` / `unit_ids`, and a short query string


class IdentityLink(BaseModel):
    id: uuid.UUID


class IdentityUnit(BaseModel):
    id: uuid.UUID
    code: str
    name: str
    type: str
    email: str | None = None
    parent_id: uuid.UUID | None = None
    ancestor_ids: list[uuid.UUID]
    active: bool
    commune: IdentityLink | None = None  # a school's UBND xã/phường

    @property
    def path(self) -> str:
        return "/" + "".join(f"{a.hex}/" for a in [*self.ancestor_ids, self.id])


class IdentityUser(BaseModel):
    id: uuid.UUID
    email: str
    full_name: str
    unit_id: uuid.UUID
    roles: list[str]
    active: bool


class IdentityGrant(BaseModel):
    """A right a Sở granted a commune official (only the fields we read)."""

    user_id: uuid.UUID
    user_email: str
    user_name: str
    commune_id: uuid.UUID
    rights: list[str]
    in_force: bool


class IdentityClient:
    def __init__(self, client: ServiceClient, *, concurrency: int = 4) -> None:
        self._client = client
        self._limit = asyncio.Semaphore(concurrency)

    async def units(self, ids: Sequence[uuid.UUID]) -> list[IdentityUnit]:
        """The given units, inactive ones too; unknown ids are left out."""
        chunks = _chunks(ids)
        pages = await asyncio.gather(*(self._all_pages(
            "/api/identity/units", [("include_inactive", "true"), *(("ids", str(i)) for i in chunk)])
            for chunk in chunks))
        return [IdentityUnit.model_validate(item) for page in pages for item in page]

    async def users_of(self, unit_ids: Sequence[uuid.UUID], roles: Sequence[str]) -> list[IdentityUser]:
        """Active accounts of the given units having any of `roles`."""
        chunks = _chunks(unit_ids)
        role_params = [("role", r) for r in roles]
        pages = await asyncio.gather(*(self._all_pages(
            "/api/identity/users", [*role_params, *(("unit_ids", str(i)) for i in chunk)]) for chunk in chunks))
        return [IdentityUser.model_validate(item) for page in pages for item in page]

    async def commune_grants(self, commune_ids: Sequence[uuid.UUID]) -> list[IdentityGrant]:
        """The grants not revoked on the given communes (the caller keeps those in force)."""
        chunks = _chunks(commune_ids)
        pages = await asyncio.gather(*(self._all_pages(
            "/api/identity/commune-grants", [("commune_id", str(i)) for i in chunk]) for chunk in chunks))
        return [IdentityGrant.model_validate(item) for page in pages for item in page]

    async def user(self, user_id: uuid.UUID) -> IdentityUser | None:
        async with self._limit:
            response = await self._client.get(f"/api/identity/users/{user_id}")
        if response.status_code == 404:
            return None
        _expect_ok(response.status_code)
        return IdentityUser.model_validate(response.json())

    async def _all_pages(self, url: str, params: list[tuple[str, str]]) -> list[dict[str, object]]:
        items: list[dict[str, object]] = []
        while True:
            async with self._limit:
                response = await self._client.get(url, params=[*params, ("limit", str(PAGE)),
                                                                ("offset", str(len(items)))])
            _expect_ok(response.status_code)
            body = response.json()
            items += body["items"]
            if not body["items"] or len(items) >= body["total"]:
                return items


def _chunks(ids: Sequence[uuid.UUID]) -> list[list[uuid.UUID]]:
    unique = list(dict.fromkeys(ids))
    return [unique[start : start + IDS_PER_CALL] for start in range(0, len(unique), IDS_PER_CALL)]


def _expect_ok(status: int) -> None:
    if status != 200:
        raise BadGateway(f"Dịch vụ identity trả lời HTTP {status}.")
