"""Who to write to for a unit, from identity, cached in `unit_contacts`.

A cached unit is used while it is younger than `ttl_seconds` and no change to it was announced since: identity
publishes `user.changed` and `unit.changed` through its outbox, and `contacts_changed` marks the units they name
stale and records identity's position as applied. Deciding who receives a notification must not rest on a copy
older than the fact that caused it (an account created a second before a report was returned): the expander asks
for units `fresh_after` the notification was created, which makes the directory ask identity (the owner) for any
unit fetched before then.

Many units are looked up at once (a reminder round for thousands of schools): units missing or stale in the
cache are fetched together, 100 per call, with a few calls in flight.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from edudx_common.auth import GrantRight, Role
from edudx_common.vocabulary import UnitType
from notifications.clients.identity import IdentityClient, IdentityGrant, IdentityUnit, IdentityUser
from notifications.directory import repository
from notifications.directory.models import UnitContact

# The roles this service writes to: a school's principal and IT officer, an authority's admins and reviewers.
RECIPIENT_ROLES = (Role.PRINCIPAL, Role.SCHOOL_IT_OFFICER, Role.AUTHORITY_ADMIN, Role.REVIEWER)
SCHOOL_ROLES = (Role.PRINCIPAL, Role.SCHOOL_IT_OFFICER)
# Marks, among a commune's people, the officials a Sở granted `reminders` on the commune's schools (issue 20).
COMMUNE_REMINDERS = "commune_reminders"


@dataclass(frozen=True)
class Person:
    user_id: uuid.UUID
    email: str
    full_name: str
    roles: frozenset[str]


@dataclass(frozen=True)
class UnitInfo:
    id: uuid.UUID
    name: str
    code: str
    type: str
    email: str | None
    parent_id: uuid.UUID | None
    path: str
    active: bool
    people: tuple[Person, ...]
    commune_id: uuid.UUID | None = None

    def with_roles(self, *roles: Role) -> list[Person]:
        return [p for p in self.people if p.roles & {r.value for r in roles}]

    def reminder_grantees(self) -> list[Person]:
        """On a commune: its officials who receive its schools' reminders and escalations by a Sở's grant."""
        return [p for p in self.people if COMMUNE_REMINDERS in p.roles]


class Directory:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], identity: IdentityClient, *,
                 ttl_seconds: float) -> None:
        self._sessions = sessions
        self._identity = identity
        self._ttl = timedelta(seconds=ttl_seconds)

    async def units(self, unit_ids: Iterable[uuid.UUID], *, now: datetime,
                    fresh_after: datetime | None = None) -> dict[uuid.UUID, UnitInfo]:
        """The units that exist, by id (unknown ids are left out). Asks identity only for what is stale: older
        than the TTL, announced as changed, or (with `fresh_after`) fetched before that time."""
        wanted = set(unit_ids)
        if not wanted:
            return {}
        async with self._sessions() as session:
            cached = await repository.get_many(session, wanted)
        fresh = {c.unit_id: c for c in cached if c.fetched_at > now - self._ttl
                 and (fresh_after is None or c.fetched_at > fresh_after)}
        stale = wanted - fresh.keys()
        if stale:
            fetched = await self._fetch(stale, now)
            async with self._sessions() as session, session.begin():
                await repository.upsert(session, fetched)
            fresh.update({c.unit_id: c for c in fetched})
            # Identity does not know them (any more): keep what we had rather than nothing.
            fresh.update({c.unit_id: c for c in cached if c.unit_id not in fresh})
        return {unit_id: _info(contact) for unit_id, contact in fresh.items()}

    async def _fetch(self, unit_ids: set[uuid.UUID], now: datetime) -> list[UnitContact]:
        units = await self._identity.units(sorted(unit_ids))
        users = await self._identity.users_of([u.id for u in units], [r.value for r in RECIPIENT_ROLES])
        by_unit: dict[uuid.UUID, list[IdentityUser]] = {}
        for user in users:
            by_unit.setdefault(user.unit_id, []).append(user)
        communes = [u.id for u in units if u.type == UnitType.COMMUNE]
        grants: dict[uuid.UUID, list[IdentityGrant]] = {}
        for grant in await self._identity.commune_grants(communes) if communes else []:
            if grant.in_force and GrantRight.REMINDERS in grant.rights:
                grants.setdefault(grant.commune_id, []).append(grant)
        return [_contact(unit, by_unit.get(unit.id, []), now, grants.get(unit.id, [])) for unit in units]


# The time a unit announced as changed is given: older than any fetch, so it is fetched again at its next read.
STALE = datetime(1970, 1, 1, tzinfo=UTC)
IDENTITY = "identity"


async def contacts_changed(session: AsyncSession, unit_ids: Iterable[uuid.UUID], *, position: int,
                           now: datetime) -> None:
    """Identity announced a change to these units' accounts or contacts (its change `position`)."""
    await repository.mark_stale(session, unit_ids, stale_at=STALE)
    await repository.advance_position(session, IDENTITY, position, now=now)


def _contact(unit: IdentityUnit, users: list[IdentityUser], now: datetime,
             grants: list[IdentityGrant]) -> UnitContact:
    people: dict[str, dict[str, Any]] = {
        str(u.id): {"user_id": str(u.id), "email": u.email, "full_name": u.full_name,
                    "roles": sorted(set(u.roles) & {r.value for r in RECIPIENT_ROLES})}
        for u in sorted(users, key=lambda u: u.email) if u.active
    }
    for grant in grants:
        person = people.setdefault(str(grant.user_id), {"user_id": str(grant.user_id), "email": grant.user_email,
                                                        "full_name": grant.user_name, "roles": []})
        person["roles"] = sorted({*person["roles"], COMMUNE_REMINDERS})
    return UnitContact(unit_id=unit.id, name=unit.name, code=unit.code, type=unit.type, email=unit.email,
                       parent_id=unit.parent_id, path=unit.path, active=unit.active,
                       commune_id=unit.commune.id if unit.commune else None, people=list(people.values()),
                       fetched_at=now)


def _info(contact: UnitContact) -> UnitInfo:
    people = tuple(Person(user_id=uuid.UUID(p["user_id"]), email=p["email"], full_name=p["full_name"],
                          roles=frozenset(p["roles"])) for p in contact.people)
    return UnitInfo(id=contact.unit_id, name=contact.name, code=contact.code, type=contact.type, email=contact.email,
                    parent_id=contact.parent_id, path=contact.path, active=contact.active, people=people,
                    commune_id=contact.commune_id)
