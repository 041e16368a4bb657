"""The producing side of events between services: a transactional outbox and its dispatcher.

A service records an event with `add_event` in the same transaction as the change it describes, so the
event exists exactly when the change was committed. `OutboxDispatcher` then POSTs it to every receiver
(`POST /api/<receiver>/events`, body `EventEnvelope` from `edudx_common.tables.inbox`, `Idempotency-Key: <event id>`)
until the receiver answers 2xx, retrying with backoff for as long as the receiver is down or overloaded.

Delivery is at least once: a dispatcher that crashes after a receiver accepted an event delivers it again
when its lease runs out, so receivers de-duplicate by event id (`edudx_common.tables.inbox.accept_once`).
Events are not ordered: a retried event can arrive after later ones, so receivers treat each as a fact with
its `occurred_at`, and ask the producer's API when they need the current state.

Importing this module adds the `outbox_messages` table to SQLModel's metadata: list `OutboxMessage` in the
producing service's `models.__all__` so its migrations create it.
"""

from __future__ import annotations

import asyncio
import random
import re
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, ClassVar

import httpx
import structlog
from pydantic import BaseModel, ConfigDict
from pydantic_core import PydanticSerializationError, to_jsonable_python
from sqlalchemy import JSON, CheckConstraint, Column, Index, UniqueConstraint, Update, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session
from sqlmodel import Field, SQLModel, col

from edudx_common.background import in_background
from edudx_common.db import UTCDateTime, new_id, utcnow
from edudx_common.errors import ProblemError
from edudx_common.http import ServiceClient
from edudx_common.logging import REQUEST_ID_HEADER, get_request_id
from edudx_common.metrics import OUTBOX_REJECTED

log = structlog.get_logger("edudx.outbox")

EVENT_TYPE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")  # submission.submitted
RECEIVER_NAME = re.compile(r"^[a-z][a-z0-9-]{0,49}$")  # a service name, as in its URL prefix
LAST_ERROR_MAX_LENGTH = 500
# Answers that mean "not now" rather than "never": the event is sent again later.
# Retried like an outage: timeouts and throttling, and 401/403/404, which in practice mean a receiver being
# deployed (no /events route yet) or credentials being fixed, not an event it will never take.
RETRY_LATER_STATUSES = frozenset({401, 403, 404, 408, 425, 429})
# The id of the request that caused an event travels with its stored payload under this key (no schema change
# in every producer), and leaves it again at delivery: as the receiver's `X-Request-ID`, so one request's lines
# can be followed from the producer's log into the consumer's.
_REQUEST_ID_KEY = "_request_id"


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
        body[_REQUEST_ID_KEY] = request_id
    event_id = new_id()
    now = utcnow()
    for name in names:
        session.add(OutboxMessage(event_id=event_id, event_type=event_type, payload=body, receiver=name,
                                  created_at=now, next_attempt_at=now))
    return event_id


@dataclass(frozen=True)
class ClaimedMessage:
    """An outbox message as a delivery sees it."""

    id: uuid.UUID
    event_id: uuid.UUID
    event_type: str
    payload: dict[str, Any]
    receiver: str
    created_at: datetime
    attempts: int


@dataclass(frozen=True)
class DeliveryOutcome:
    """What became of one delivery: DELIVERED, PENDING (try again later, after `retry_after_seconds` at the
    least) or FAILED (never: an operator looks)."""

    status: OutboxStatus  # DELIVERED, PENDING (try again later) or FAILED
    error: str | None = None
    retry_after_seconds: float | None = None


def envelope(message: ClaimedMessage | OutboxMessage) -> dict[str, Any]:
    """The JSON body a receiver gets: the shape of `edudx_common.tables.inbox.EventEnvelope`."""
    return {
        "id": str(message.event_id),
        "type": message.event_type,
        "occurred_at": message.created_at.isoformat(),
        "payload": {k: v for k, v in message.payload.items() if k != _REQUEST_ID_KEY},
    }


def request_id_of(message: ClaimedMessage | OutboxMessage) -> str:
    """The request id the receiver is given: that of the request that caused the event, else the event id
    (an event recorded outside a request, by a command or a background job)."""
    return str(message.payload.get(_REQUEST_ID_KEY) or message.event_id.hex)


# A receiver reached by other means than `POST /api/<receiver>/events`, e.g. an SMTP server for a service's
# own e-mails. It must not raise for a delivery that failed: it says so in its outcome.
Deliverer = Callable[[ClaimedMessage], Awaitable[DeliveryOutcome]]


class OutboxDispatcher:
    """Delivers due outbox messages to their receivers. Safe to run in every replica of a service.

    Each pass claims a batch of one receiver's due messages in a short transaction (PostgreSQL:
    `FOR UPDATE SKIP LOCKED`, so replicas take different rows) that pushes their due time forward by
    `lease_seconds`; delivers them concurrently, outside any transaction; then records the outcomes in a
    second transaction. A message whose outcome was never recorded (crash, cancellation) is due again when
    the lease ends. `lease_seconds` must exceed the receivers' client timeout (one pass takes about one).

    Only receivers present in `clients` (HTTP) or `deliverers` (anything else) are served; other receivers'
    messages wait (see `pending_counts`). With `erase_payload_on_delivery` a delivered message keeps only its
    envelope: for payloads that must not outlive their delivery (an e-mail holding a one-time link).
    """

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        clients: Mapping[str, ServiceClient],
        *,
        deliverers: Mapping[str, Deliverer] | None = None,
        erase_payload_on_delivery: bool = False,
        path_template: str = "/api/{receiver}/events",
        batch_size: int = 50,
        lease_seconds: float = 60.0,
        backoff_base_seconds: float = 2.0,
        backoff_max_seconds: float = 600.0,
        backoff_jitter: float = 0.2,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        if batch_size < 1 or lease_seconds <= 0 or backoff_base_seconds <= 0 or not 0 <= backoff_jitter < 1:
            raise ValueError("batch_size ≥ 1, lease and backoff > 0, 0 ≤ jitter < 1")
        self._sessions = session_factory
        self._clients = dict(clients)
        self._receivers: dict[str, Deliverer] = {name: self._post for name in self._clients} | dict(deliverers or {})
        self._erase_payload = erase_payload_on_delivery
        self._path_template = path_template
        self._batch_size = batch_size
        self._lease = timedelta(seconds=lease_seconds)
        self._backoff_base = backoff_base_seconds
        self._backoff_max = backoff_max_seconds
        self._jitter = backoff_jitter
        self._clock = clock
        self._random = random.Random()  # noqa: S311 — jitter spreads retries; it needs no secrecy

    async def deliver_due(self) -> int:
        """One pass: for each receiver, claim up to a batch of due messages, deliver them, record the outcomes.

        Returns how many were delivered. Raises only when the database fails (claiming or recording).
        """
        passes = await asyncio.gather(*(self._pass(receiver) for receiver in self._receivers), return_exceptions=True)
        delivered = 0
        for outcome in passes:
            if isinstance(outcome, BaseException):
                raise outcome
            delivered += outcome[0]
        return delivered

    async def run_forever(self, *, idle_seconds: float = 1.0) -> None:
        """Deliver until cancelled, one loop per receiver: a receiver that hangs never holds up the others.

        After a full batch the next pass starts at once; otherwise a loop waits `idle_seconds`. Never stops
        on an error (a database outage, a bug in one pass): it logs it and tries again later.
        """
        if not self._receivers:
            await asyncio.Event().wait()  # nothing to deliver to: idle until cancelled, like the others
        async with asyncio.TaskGroup() as group:
            for receiver in self._receivers:
                group.create_task(self._run_receiver(receiver, idle_seconds), name=f"outbox-{receiver}")

    async def _run_receiver(self, receiver: str, idle_seconds: float) -> None:
        while True:
            try:
                _delivered, claimed = await self._pass(receiver)
            except Exception:
                log.exception("outbox_pass_failed", receiver=receiver)
                claimed = 0
            if claimed < self._batch_size:
                await asyncio.sleep(idle_seconds)

    def running(self, *, idle_seconds: float = 1.0) -> AbstractAsyncContextManager[asyncio.Task[None]]:
        """Run `run_forever` in a background task for the duration of a lifespan; cancel it on exit."""
        return in_background(self.run_forever(idle_seconds=idle_seconds), name="outbox-dispatcher")

    async def _pass(self, receiver: str) -> tuple[int, int]:
        """(delivered, claimed) for one batch of `receiver`'s due messages."""
        claimed = await self._claim(receiver)
        if not claimed:
            return 0, 0
        outcomes = await asyncio.gather(*(self._deliver(message) for message in claimed))
        results = list(zip(claimed, outcomes, strict=True))
        await self._record_outcomes(results)
        return sum(1 for _, outcome in results if outcome.status is OutboxStatus.DELIVERED), len(claimed)

    async def _claim(self, receiver: str) -> list[ClaimedMessage]:
        now = self._clock()
        table = OutboxMessage
        due = (
            col(table.status) == OutboxStatus.PENDING,
            col(table.next_attempt_at) <= now,
            col(table.receiver) == receiver,
        )
        async with self._sessions() as session, session.begin():
            candidates = select(col(table.id)).where(*due).order_by(col(table.next_attempt_at)).limit(self._batch_size)
            if session.get_bind().dialect.name == "postgresql":
                # Rows another dispatcher is claiming right now are skipped, not waited for.
                candidates = candidates.with_for_update(skip_locked=True)
            ids = list((await session.execute(candidates)).scalars())
            if not ids:
                return []
            # The conditions are checked again in the UPDATE, so a row claimed meanwhile by another dispatcher
            # (possible on SQLite, which has no row locks) is not claimed twice.
            claim = (
                update(table)
                .where(col(table.id).in_(ids), *due)
                .values(attempts=col(table.attempts) + 1, next_attempt_at=now + self._lease)
                .returning(col(table.id), col(table.event_id), col(table.event_type), col(table.payload),
                           col(table.receiver), col(table.created_at), col(table.attempts))
                .execution_options(synchronize_session=False)
            )
            rows = (await session.execute(claim)).all()
        return [ClaimedMessage(*row) for row in rows]

    async def _deliver(self, message: ClaimedMessage) -> DeliveryOutcome:
        try:
            return await self._receivers[message.receiver](message)
        except Exception as exc:  # a deliverer that broke its promise not to raise: try again later
            log.exception("outbox_delivery_error", receiver=message.receiver, event_id=str(message.event_id))
            return DeliveryOutcome(OutboxStatus.PENDING, f"{type(exc).__name__}: {exc}")

    async def _post(self, message: ClaimedMessage) -> DeliveryOutcome:
        client = self._clients[message.receiver]
        try:
            response = await client.post(
                self._path_template.format(receiver=message.receiver),
                json=envelope(message),
                idempotency_key=str(message.event_id),
                headers={REQUEST_ID_HEADER: request_id_of(message)},
            )
        except ProblemError as exc:  # unreachable, too slow, 5xx, or no service token: try again later
            return DeliveryOutcome(OutboxStatus.PENDING, f"{exc.status} {exc.code}: {exc.detail or exc}")
        status = response.status_code
        if 200 <= status < 300:
            return DeliveryOutcome(OutboxStatus.DELIVERED)
        error = f"HTTP {status}: {response.text[:300]}"
        if status in RETRY_LATER_STATUSES or _concurrent_change(response):
            return DeliveryOutcome(OutboxStatus.PENDING, error, _retry_after(response))
        return DeliveryOutcome(OutboxStatus.FAILED, error)

    async def _record_outcomes(self, results: list[tuple[ClaimedMessage, DeliveryOutcome]]) -> None:
        now = self._clock()
        table = OutboxMessage
        async with self._sessions() as session, session.begin():
            for message, outcome in results:
                still_pending = (col(table.id) == message.id, col(table.status) == OutboxStatus.PENDING)
                # Only the latest claim decides a retry or a failure; a delivery counts whichever claim made it.
                latest_claim = (*still_pending, col(table.attempts) == message.attempts)
                statement: Update
                if outcome.status is OutboxStatus.DELIVERED:
                    statement = update(table).where(*still_pending).values(
                        status=OutboxStatus.DELIVERED, delivered_at=now,
                        **({"payload": {}} if self._erase_payload else {}))
                elif outcome.status is OutboxStatus.FAILED:
                    statement = update(table).where(*latest_claim).values(
                        status=OutboxStatus.FAILED, last_error=_short(outcome.error))
                    log.warning("outbox_rejected", receiver=message.receiver, event_id=str(message.event_id),
                                event_type=message.event_type, error=outcome.error)
                    OUTBOX_REJECTED.labels(message.receiver, message.event_type).inc()
                else:
                    delay = self._backoff_seconds(message.attempts, outcome.retry_after_seconds)
                    statement = update(table).where(*latest_claim).values(
                        next_attempt_at=now + timedelta(seconds=delay), last_error=_short(outcome.error))
                    log.info("outbox_retry_later", receiver=message.receiver, event_id=str(message.event_id),
                             attempts=message.attempts, retry_in_seconds=round(delay, 1), error=outcome.error)
                await session.execute(statement.execution_options(synchronize_session=False))

    def _backoff_seconds(self, attempts: int, retry_after: float | None) -> float:
        """base × 2^(attempts − 1) within ± jitter, at most the cap; at least what the receiver asked for."""
        exponential = self._backoff_base * 2 ** min(max(attempts - 1, 0), 32)
        delay = min(exponential, self._backoff_max) * self._random.uniform(1 - self._jitter, 1 + self._jitter)
        return min(max(delay, retry_after or 0.0), self._backoff_max)


def _concurrent_change(response: httpx.Response) -> bool:
    """A 409 `concurrent_change`: the receiver met a simultaneous write (two events about one campaign handled
    at once) and asks for the event again; other conflicts are answers about the event itself."""
    if response.status_code != 409:
        return False
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and body.get("code") == "concurrent_change"


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after", "")
    return float(value) if value.isdigit() else None


def _short(error: str | None) -> str | None:
    if error is None or len(error) <= LAST_ERROR_MAX_LENGTH:
        return error
    return error[: LAST_ERROR_MAX_LENGTH - 1] + "…"


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
