"""The producing side of events between services: a transactional outbox (its dispatcher is in `outbox_dispatcher`).

A service records an event with `add_event` in the same transaction as the change it describes, so the event
exists exactly when the change was committed. `OutboxDispatcher` then delivers it to every receiver until the
receiver accepts it, retrying with backoff for as long as the receiver is down or overloaded: the due messages of
one receiver in one request, `POST /api/<receiver>/events/batch` (the contract, with each event's own answer:
`edudx_common.tables.event_batches`), or one `POST /api/<receiver>/events` each to a receiver deployed before
batches (body `EventEnvelope` from `edudx_common.tables.inbox`, `Idempotency-Key: <event id>`).

Delivery is at least once: a dispatcher that crashes after a receiver accepted an event delivers it again
when its lease runs out, so receivers de-duplicate by event id (`edudx_common.tables.inbox.accept_once`).
Events are not ordered: a retried event can arrive after later ones (and single posts run concurrently), so
receivers treat each as a fact with its `occurred_at`, and ask the producer's API when they need the current state.
A batch is sent oldest event first and handled in that order, which is no promise beyond one batch.

Importing this module adds the `outbox_messages` table to SQLModel's metadata: list `OutboxMessage` in the
producing service's `models.__all__` so its migrations create it.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict
from pydantic_core import PydanticSerializationError, to_jsonable_python
from sqlalchemy import JSON, CheckConstraint, Column, Index, UniqueConstraint, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session
from sqlmodel import Field, SQLModel, col

from edudx_common.db import UTCDateTime, new_id, utcnow
from edudx_common.logging import get_request_id

EVENT_TYPE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")  # submission.submitted
RECEIVER_NAME = re.compile(r"^[a-z][a-z0-9-]{0,49}$")  # a service name, as in its URL prefix
LAST_ERROR_MAX_LENGTH = 500
# The id of the request that caused an event travels with its stored payload under this key (no schema change
# in every producer), and leaves it again at delivery: as the receiver's `X-Request-ID`, so one request's lines
# can be followed from the producer's log into the consumer's.
REQUEST_ID_KEY = "_request_id"


class OutboxStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    # The receiver rejected the event for good (a 4xx, e.g. 422): operators look (`outbox status`), fix the
    # receiver or the producer, and requeue (`outbox requeue --receiver …`, docs/operations.md).
    FAILED = "failed"


class OutboxMessage(SQLModel, table=True):
    """One event for one receiver: each receiver's delivery progresses on its own."""

    __tablename__ = "outbox_messages"
    __table_args__ = (
        UniqueConstraint("event_id", "receiver", name="uq_outbox_messages_event_receiver"),
        CheckConstraint("status IN ('pending', 'delivered', 'failed')", name="ck_outbox_messages_status"),
        CheckConstraint("attempts >= 0", name="ck_outbox_messages_attempts"),
        # The dispatcher's query: pending messages whose time has come, oldest first.
        Index("ix_outbox_messages_status_next_attempt", "status", "next_attempt_at"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    event_id: uuid.UUID
    event_type: str = Field(max_length=100)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    receiver: str = Field(max_length=50)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    status: str = Field(default=OutboxStatus.PENDING, max_length=10)
    # Deliveries started (counted when claimed, so one cut short by a crash counts too).
    attempts: int = 0
    # Due time while pending: now for a new event, the end of the lease while a dispatcher holds it, then
    # the backoff after a failed attempt.
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    last_error: str | None = Field(default=None, max_length=LAST_ERROR_MAX_LENGTH)
    delivered_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))


class Event(BaseModel):
    """The payload of one event type: its written contract. The producing feature owns one subclass per type
    (`event_type` names it), its JSON Schema is exported to `events/<service>/<type>.json`, and every consumer
    keeps its own model of the fields it reads, checked against that schema (tests/contract/test_events.py).
    Producers may add fields; renaming or removing one a consumer reads fails the contract test."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_type: ClassVar[str]


class ConsumedEvent(BaseModel):
    """A consumer's model of an event it reads: only the fields it uses; the producer's other fields are
    ignored, so a producer adding a field breaks nobody."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    event_type: ClassVar[str]


@dataclass(frozen=True)
class EventSink:
    """Where a producer writes its events: the outbox, addressed to the configured receivers (none: dropped,
    e.g. a service run alone)."""

    receivers: tuple[str, ...]

    async def emit(self, session: AsyncSession, event: Event) -> None:
        if self.receivers:
            add_event(session, event_type=event.event_type, payload=event.model_dump(mode="json"),
                      receivers=self.receivers)


def add_event(
    session: AsyncSession | Session, *, event_type: str, payload: Mapping[str, Any], receivers: Sequence[str]
) -> uuid.UUID:
    """Record an event for `receivers` in the caller's transaction and return its id.

    Nothing is sent now: the rows are committed (or rolled back) with the caller's change, and the
    dispatcher delivers them after the commit. The payload is stored as JSON: UUIDs, datetimes, dates,
    decimals and enums are converted the way pydantic serialises them (UUID → string, datetime → ISO 8601),
    so the receiver sees JSON types. Anything else that is not JSON raises ValueError here, in the producer's
    transaction, rather than at delivery.
    """
    if not EVENT_TYPE.match(event_type) or len(event_type) > 100:
        raise ValueError(f"event type must look like 'submission.submitted', got {event_type!r}")
    names = list(dict.fromkeys(receivers))
    if not names:
        raise ValueError("an event needs at least one receiver")
    for name in names:
        if not RECEIVER_NAME.match(name):
            raise ValueError(f"receiver must be a service name like 'notifications', got {name!r}")
    try:
        body = to_jsonable_python(dict(payload))
    except PydanticSerializationError as exc:
        raise ValueError(f"event payload is not JSON-serialisable: {exc}") from exc
    if (request_id := get_request_id()) is not None:
        body[REQUEST_ID_KEY] = request_id
    event_id = new_id()
    now = utcnow()
    for name in names:
        session.add(OutboxMessage(event_id=event_id, event_type=event_type, payload=body, receiver=name,
                                  created_at=now, next_attempt_at=now))
    return event_id


async def pending_counts(session: AsyncSession) -> dict[str, dict[str, int]]:
    """Per receiver: messages waiting (`pending`), rejected for good (`failed`), and the age in seconds of the
    oldest waiting one (`oldest_pending_seconds`) — the number to alert on when a receiver is down for long.
    Receivers with nothing pending or failed are left out.
    """
    table = OutboxMessage
    statement = (
        select(col(table.receiver), col(table.status), func.count(), func.min(col(table.created_at)))
        .where(col(table.status).in_([OutboxStatus.PENDING, OutboxStatus.FAILED]))
        .group_by(col(table.receiver), col(table.status))
    )
    now = utcnow()
    counts: dict[str, dict[str, int]] = {}
    for receiver, status, count, oldest in (await session.execute(statement)).all():
        entry = counts.setdefault(receiver, {"pending": 0, "failed": 0, "oldest_pending_seconds": 0})
        entry[status] = count
        if status == OutboxStatus.PENDING:
            entry["oldest_pending_seconds"] = max(0, int((now - oldest).total_seconds()))
    return counts


async def requeue_failed(session: AsyncSession, *, receiver: str, event_type: str | None = None) -> int:
    """Send `receiver`'s failed messages again (after the receiver or the producer was fixed), only those of
    `event_type` when given. Returns how many. A message rejected again goes back to FAILED."""
    table = OutboxMessage
    which = [col(table.receiver) == receiver, col(table.status) == OutboxStatus.FAILED]
    if event_type is not None:
        which.append(col(table.event_type) == event_type)
    result = await session.execute(
        update(table)
        .where(*which)
        .values(status=OutboxStatus.PENDING, next_attempt_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def purge_delivered(session: AsyncSession, *, older_than: datetime) -> int:
    """Delete messages delivered before `older_than` (they are only history). Returns how many."""
    table = OutboxMessage
    result = await session.execute(
        delete(table)
        .where(col(table.status) == OutboxStatus.DELIVERED, col(table.delivered_at) < older_than)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


@dataclass(frozen=True)
class FailedMessage:
    """A message a receiver rejected for good, as an operator reads it before requeueing."""

    event_id: uuid.UUID
    event_type: str
    receiver: str
    created_at: datetime
    attempts: int
    last_error: str | None


async def failed_messages(session: AsyncSession, *, receiver: str | None = None,
                          limit: int = 50) -> list[FailedMessage]:
    """The newest failed messages (of `receiver` when given), with the receiver's answer."""
    table = OutboxMessage
    statement = select(col(table.event_id), col(table.event_type), col(table.receiver), col(table.created_at),
                       col(table.attempts), col(table.last_error)).where(col(table.status) == OutboxStatus.FAILED)
    if receiver is not None:
        statement = statement.where(col(table.receiver) == receiver)
    rows = (await session.execute(statement.order_by(col(table.created_at).desc()).limit(limit))).all()
    return [FailedMessage(*row) for row in rows]
