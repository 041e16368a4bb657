"""Identity tells the services that keep a copy of its accounts and units when they change.

Notifications keeps each unit's contacts (its e-mail, its principal and IT officer …) to know whom to write to.
Every change that copy depends on — an account created, moved, renamed, deactivated, given other roles or a
Sở's grant on its commune (`grants/`); a unit
renamed, moved, given another e-mail, deactivated — is published as `user.changed` or `unit.changed` through the
outbox, in the transaction that makes the change. The events are recorded by a flush hook rather than by each
function that changes a user or a unit, so that no path (API, spreadsheet import, merge, command line) can change
them silently. Each event carries identity's change `position` (microseconds since the epoch of the change,
larger for later changes), which the consumer records as applied.

The hook is active for the sessions of a factory passed to `publish_changes`.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable
from typing import Any, ClassVar

from pydantic import Field
from sqlalchemy import event, inspect
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from edudx_common.tables.outbox import Event, add_event
from identity.grants.models import CommuneGrant
from identity.units.models import Unit
from identity.users.models import User, UserRole

_SINK_KEY = "identity_change_receivers"
_ANNOUNCED_KEY = "identity_changes_announced"  # (kind, id) already published in the current transaction
# Account fields no copy holds: signing in and passwords change them often, and nobody needs to hear of it.
_PRIVATE_USER_FIELDS = frozenset({"password_hash", "failed_logins", "locked_until", "last_login_at",
                                  "password_changed_at", "updated_at", "full_name_folded", "phone"})
_PRIVATE_UNIT_FIELDS = frozenset({"name_folded", "updated_at"})


class UserChanged(Event):
    """An account was created or changed in a way other services' copies reflect."""

    event_type: ClassVar[str] = "user.changed"
    user_id: uuid.UUID
    unit_ids: list[uuid.UUID] = Field(description="The account's unit, and its former unit when it moved")
    position: int = Field(description="Identity's change position: larger for later changes")


class UnitChanged(Event):
    """A unit was created or changed (name, code, e-mail, place in the tree, active)."""

    event_type: ClassVar[str] = "unit.changed"
    unit_id: uuid.UUID
    path: str = Field(description="'/<root hex>/…/<unit hex>/': units below it may have moved with it")
    position: int = Field(description="Identity's change position: larger for later changes")
    former_path: str | None = Field(
        default=None, description="The unit's path before this change, when it moved: every path that starts with "
                                  "it (the unit's whole subtree) now starts with `path`")
    commune_id: uuid.UUID | None = Field(default=None, description="The unit's commune (UBND xã/phường) now")
    former_commune_id: uuid.UUID | None = Field(
        default=None, description="The unit's commune before this change, when it changed")


PUBLISHED: tuple[type[Event], ...] = (UserChanged, UnitChanged)


def publish_changes(factory: async_sessionmaker[AsyncSession], receivers: Iterable[str]) -> None:
    """Make the sessions of `factory` publish user and unit changes to `receivers` (none: nothing is recorded)."""
    names = tuple(receivers)
    if names:
        factory.configure(info={_SINK_KEY: names})


def _changed(obj: Any, private: frozenset[str]) -> bool:
    state = inspect(obj)
    return any(attr.history.has_changes() for attr in state.attrs if attr.key not in private)


def _former_unit(user: User) -> uuid.UUID | None:
    deleted = inspect(user).attrs.unit_id.history.deleted
    return deleted[0] if deleted else None


def _former(obj: Any, attribute: str) -> tuple[bool, Any]:
    """(changed, value before) of one attribute in this flush."""
    history = getattr(inspect(obj).attrs, attribute).history
    return bool(history.added or history.deleted), history.deleted[0] if history.deleted else None


def _position() -> int:
    return time.time_ns() // 1000


@event.listens_for(Session, "before_flush")
def _record_changes(session: Session, _context: Any, _instances: Any) -> None:
    receivers = session.info.get(_SINK_KEY)
    if not receivers:
        return
    users: dict[uuid.UUID, set[uuid.UUID]] = {}
    units: dict[uuid.UUID, tuple[UnitChanged, bool]] = {}  # the event, and whether it moved or changed commune
    for obj in (*session.new, *session.dirty):
        if isinstance(obj, User) and (obj in session.new or _changed(obj, _PRIVATE_USER_FIELDS)):
            touched = users.setdefault(obj.id, set())
            touched.add(obj.unit_id)
            if (former := _former_unit(obj)) is not None:
                touched.add(former)
        elif isinstance(obj, Unit) and (obj in session.new or _changed(obj, _PRIVATE_UNIT_FIELDS)):
            moved, former_path = _former(obj, "path")
            rehomed, former_commune = _former(obj, "commune_id")
            moved = moved and former_path != obj.path and obj not in session.new
            rehomed = rehomed and obj not in session.new
            units[obj.id] = (UnitChanged(
                unit_id=obj.id, path=obj.path, position=0, commune_id=obj.commune_id,
                former_path=former_path if moved else None,
                former_commune_id=former_commune if rehomed else None), moved or rehomed)
        elif isinstance(obj, CommuneGrant):
            # A commune official's grant changes whom notifications writes to about the commune's schools.
            users.setdefault(obj.user_id, set()).add(obj.commune_id)
        elif isinstance(obj, UserRole) and obj in session.new:
            owner = session.identity_map.get(inspect(User).identity_key_from_primary_key((obj.user_id,)))
            if isinstance(owner, User):
                users.setdefault(owner.id, set()).add(owner.unit_id)
    # A transaction that creates an account flushes it, then its roles: one event is enough, as the consumer
    # reads the account afresh whatever the event says.
    announced: set[tuple[str, uuid.UUID]] = session.info.setdefault(_ANNOUNCED_KEY, set())
    position = _position()
    for user_id, unit_ids in users.items():
        if ("user", user_id) not in announced or len(unit_ids) > 1:
            announced.add(("user", user_id))
            _add(session, UserChanged(user_id=user_id, unit_ids=sorted(unit_ids, key=str), position=position),
                 receivers)
    for unit_id, (change, relocated) in units.items():
        # A move or a change of commune is told even when the unit was announced earlier in the transaction (a
        # reorganisation changes a unit in several steps): consumers rewrite paths and groupings from it.
        if ("unit", unit_id) not in announced or relocated:
            announced.add(("unit", unit_id))
            _add(session, change.model_copy(update={"position": position}), receivers)


@event.listens_for(Session, "after_transaction_end")
def _forget_announced(session: Session, transaction: Any) -> None:
    if transaction.parent is None:  # the outermost transaction: the next one announces afresh
        session.info.pop(_ANNOUNCED_KEY, None)


def _add(session: Session, change: Event, receivers: tuple[str, ...]) -> None:
    # add_event only adds rows to the session: the sync session of the flush serves as well as the async one.
    add_event(session, event_type=change.event_type, payload=change.model_dump(mode="json"),
              receivers=receivers)
