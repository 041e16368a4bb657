"""The receiving side of events between services: each event's effects happen once.

Producers deliver at least once (`edudx_common.tables.outbox`): after a timeout or a crash the same event comes
again, with the same id. A receiver's `POST /api/<service>/events` route records the event id with
`accept_once` in the same transaction as the event's effects, and skips the effects when the id was seen:

    @router.post("/events", status_code=204, dependencies=[require_roles(allow_service=True)])
    async def receive_event(envelope: EventEnvelope, session: SessionDep) -> None:
        if await accept_once(session, event_id=envelope.id, event_type=envelope.type):
            await handle(session, envelope)  # effects: committed with the inbox row, or rolled back with it

Before that, the route calls `ensure_producer_may_send(principal, envelope.type, PRODUCERS)`: only a service
token is accepted (a user's, even a system admin's, is 403), and only for the event types the receiver's
allow-list grants that producing service (`{"submissions": ("campaign.*", "submission.*")}`).

A duplicate is answered 2xx like the first delivery, so the producer stops sending it; so is an event
type the receiver does not care about. A receiver that cannot handle an event yet answers 503 (retried
later); one that never will answers 422 (the producer marks it failed; an operator requeues it there once the
cause is fixed, docs/operations.md).

Beside it, `POST /api/<service>/events/batch` takes several events in one request and answers 200 with each
event's outcome (`edudx_common.tables.event_batches`, the contract): the route hands `receive_batch` the same
per-event handling (permission check, `accept_once`, effects), which it runs for each event in a savepoint of its
own. Producers send batches; the single route stays for producers deployed before them.

Accepted ids are kept `inbox_keep_days` (edudx_common.event_retention), far longer than a producer can send an
event again (its lease, a minute, after a crash), then deleted.

Importing this module adds the `inbox_events` table to the service's metadata: list `InboxEvent` in the
service's `models.__all__` so its migrations create it.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel
from pydantic import Field as SchemaField
from sqlalchemy import Column, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.expression import Executable
from sqlmodel import Field, SQLModel, col

from edudx_common.auth import Principal
from edudx_common.db import UTCDateTime, utcnow
from edudx_common.errors import Forbidden

EVENT_TYPE_MAX_LENGTH = 100


class EventEnvelope(BaseModel):
    """An event as it travels from producer to receiver: the body of `POST /api/<receiver>/events`."""

    id: uuid.UUID = SchemaField(description="Event id, the same on every redelivery (also sent as Idempotency-Key)")
    type: str = SchemaField(max_length=EVENT_TYPE_MAX_LENGTH, description="What happened, e.g. `submission.submitted`")
    occurred_at: AwareDatetime = SchemaField(description="When the producer recorded the event (UTC)")
    payload: dict[str, Any] = SchemaField(
        default_factory=dict, description="Event data as JSON: ids are strings, times ISO 8601 strings"
    )


SERVICE_SUBJECT_PREFIX = "service:"


def ensure_service_caller(principal: Principal) -> str:
    """Refuse (403) anyone but a service of the system; its client id otherwise."""
    if not principal.is_service or not principal.subject.startswith(SERVICE_SUBJECT_PREFIX):
        raise Forbidden("Chỉ các dịch vụ của hệ thống được gửi sự kiện.")
    return principal.subject.removeprefix(SERVICE_SUBJECT_PREFIX)


def ensure_producer_may_send(principal: Principal, event_type: str,
                             producers: Mapping[str, Collection[str]]) -> None:
    """Refuse (403) an event from anyone but a service allowed to produce this type here.

    `producers` maps a service (its client id, as in its token's `sub` "service:<id>") to the event types it may
    send to this receiver: exact names or a family `campaign.*`.
    """
    producer = ensure_service_caller(principal)
    for allowed in producers.get(producer, ()):
        if event_type == allowed or (allowed.endswith(".*") and event_type.startswith(allowed[:-1])):
            return
    raise Forbidden(f"Dịch vụ '{producer}' không được gửi sự kiện '{event_type}' tới dịch vụ này.")


class InboxEvent(SQLModel, table=True):
    """An event this service has accepted; its primary key is what makes redeliveries harmless."""

    __tablename__ = "inbox_events"

    event_id: uuid.UUID = Field(primary_key=True)
    event_type: str = Field(max_length=EVENT_TYPE_MAX_LENGTH)
    received_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))


async def accept_once(session: AsyncSession, *, event_id: uuid.UUID, event_type: str) -> bool:
    """Record `event_id` in the caller's transaction: True the first time, False when already accepted.

    One `INSERT … ON CONFLICT DO NOTHING`: a concurrent duplicate waits for the first transaction and then
    finds the row (False), or inserts it if the first rolled back (True). The caller's transaction is never
    left aborted, so it can still commit and answer 2xx for a duplicate.
    """
    dialect = session.get_bind().dialect.name
    values = {"event_id": event_id, "event_type": event_type, "received_at": utcnow()}
    statement: Executable
    if dialect == "postgresql":
        statement = (postgresql.insert(InboxEvent).values(**values)
                     .on_conflict_do_nothing(index_elements=["event_id"]).returning(col(InboxEvent.event_id)))
    elif dialect == "sqlite":
        statement = (sqlite.insert(InboxEvent).values(**values)
                     .on_conflict_do_nothing(index_elements=["event_id"]).returning(col(InboxEvent.event_id)))
    else:
        raise NotImplementedError(f"accept_once supports PostgreSQL and SQLite, not {dialect}")
    result = await session.execute(statement)
    return result.first() is not None


async def purge_accepted(session: AsyncSession, *, older_than: datetime) -> int:
    """Delete the ids of events accepted before `older_than`. Returns how many. Safe once no producer can send
    those events again: a redelivery comes within a lease after the first delivery, not days later."""
    result = await session.execute(
        delete(InboxEvent).where(col(InboxEvent.received_at) < older_than).execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def accepted_counts(session: AsyncSession) -> dict[str, int]:
    """How many event ids are kept (`accepted`) and the age in seconds of the oldest (`oldest_seconds`)."""
    count, oldest = (await session.execute(select(func.count(), func.min(col(InboxEvent.received_at))))).one()
    age = max(0, int((utcnow() - oldest).total_seconds())) if oldest is not None else 0
    return {"accepted": int(count), "oldest_seconds": age}
