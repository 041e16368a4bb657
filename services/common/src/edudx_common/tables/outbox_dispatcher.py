"""Delivering the outbox (`edudx_common.tables.outbox`): `OutboxDispatcher` and what a delivery sees.

Each receiver's due messages go in one request, `POST /api/<receiver>/events/batch` (the contract, with each event's
own answer, is in `edudx_common.tables.event_batches`); a receiver that answers that route 404/405/422 (one deployed
before batches) gets one `POST /api/<receiver>/events` per message (body `EventEnvelope` from
`edudx_common.tables.inbox`, `Idempotency-Key: <event id>`) for the next `SINGLE_POSTS_SECONDS`, then batches again.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
import structlog
from pydantic_core import to_json
from sqlalchemy import Update, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from edudx_common.background import in_background
from edudx_common.db import utcnow
from edudx_common.errors import ProblemError
from edudx_common.http import ServiceClient
from edudx_common.logging import REQUEST_ID_HEADER
from edudx_common.metrics import OUTBOX_REJECTED
from edudx_common.tables.event_batches import (
    MAX_BATCH_BYTES,
    MAX_BATCH_EVENTS,
    EventOutcome,
    EventResult,
    outcome_of,
    results_of,
)
from edudx_common.tables.outbox import LAST_ERROR_MAX_LENGTH, REQUEST_ID_KEY, OutboxMessage, OutboxStatus

log = structlog.get_logger("edudx.outbox")

# A receiver's answers to `…/events/batch` that mean it has no such route (deployed before batches): 404, 405, or
# 422 (a route whose body the batch is not). Its messages are then posted one by one for this long.
NO_BATCH_ROUTE_STATUSES = frozenset({404, 405, 422})
SINGLE_POSTS_SECONDS = 300.0


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


_STATUS_OF = {EventOutcome.DONE: OutboxStatus.DELIVERED, EventOutcome.DUPLICATE: OutboxStatus.DELIVERED,
              EventOutcome.RETRY: OutboxStatus.PENDING, EventOutcome.REJECTED: OutboxStatus.FAILED}


def envelope(message: ClaimedMessage | OutboxMessage) -> dict[str, Any]:
    """The JSON body a receiver gets: the shape of `edudx_common.tables.inbox.EventEnvelope`."""
    return {
        "id": str(message.event_id),
        "type": message.event_type,
        "occurred_at": message.created_at.isoformat(),
        "payload": {k: v for k, v in message.payload.items() if k != REQUEST_ID_KEY},
    }


def batched(message: ClaimedMessage) -> dict[str, Any]:
    """One event of a batch body: the envelope and the request id (`edudx_common.tables.event_batches.BatchedEvent`)."""
    return {**envelope(message), "request_id": request_id_of(message)}


def request_id_of(message: ClaimedMessage | OutboxMessage) -> str:
    """The request id the receiver is given: that of the request that caused the event, else the event id
    (an event recorded outside a request, by a command or a background job)."""
    return str(message.payload.get(REQUEST_ID_KEY) or message.event_id.hex)


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

    An HTTP receiver gets the claimed messages in one request (`…/events/batch`, at most `MAX_BATCH_EVENTS` and
    `MAX_BATCH_BYTES` a request, so a large claim is a few), each message's outcome recorded from the receiver's
    answer about it; `batches=False`, or a receiver without the route, gets one request per message, concurrently.

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
        batches: bool = True,
        batch_size: int = MAX_BATCH_EVENTS,
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
        self._batches = batches
        # Receivers that answered a batch as a receiver without the route does: when to try batches again.
        self._single_posts_until: dict[str, datetime] = {}
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
        claimed.sort(key=lambda message: (message.created_at, message.id))  # oldest first within a batch
        single_posts_until = self._single_posts_until.get(receiver)
        if receiver in self._clients and self._batches and (single_posts_until is None
                                                            or self._clock() >= single_posts_until):
            outcomes = await self._post_batches(receiver, claimed)
        else:
            outcomes = await self._deliver_each(claimed)
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

    async def _deliver_each(self, messages: Sequence[ClaimedMessage]) -> list[DeliveryOutcome]:
        return list(await asyncio.gather(*(self._deliver(message) for message in messages)))

    async def _post_batches(self, receiver: str, claimed: list[ClaimedMessage]) -> list[DeliveryOutcome]:
        """The outcome of each claimed message, sent in as few batches as the bounds allow, one after the other."""
        outcomes: list[DeliveryOutcome] = []
        for events, messages in _chunks(claimed):
            got = await self._post_batch(receiver, events, messages)
            if got is None:  # a receiver deployed before batches: the rest one by one, for a while
                log.info("outbox_single_posts", receiver=receiver, for_seconds=SINGLE_POSTS_SECONDS)
                self._single_posts_until[receiver] = self._clock() + timedelta(seconds=SINGLE_POSTS_SECONDS)
                return outcomes + await self._deliver_each(claimed[len(outcomes):])
            outcomes += got
        return outcomes

    async def _post_batch(self, receiver: str, events: list[bytes],
                          messages: list[ClaimedMessage]) -> list[DeliveryOutcome] | None:
        """Each message's outcome, or None when the receiver has no batch route."""
        client = self._clients[receiver]
        try:
            response = await client.post(
                self._path_template.format(receiver=receiver) + "/batch",
                content=b'{"events":[' + b",".join(events) + b"]}",
                headers={"Content-Type": "application/json"},
            )
        except ProblemError as exc:  # unreachable, too slow, 5xx, or no service token: all again later
            error = f"{exc.status} {exc.code}: {exc.detail or exc}"
            return [DeliveryOutcome(OutboxStatus.PENDING, error)] * len(events)
        if response.status_code in NO_BATCH_ROUTE_STATUSES:
            return None
        if response.status_code == 413 and len(messages) > 1:  # a receiver with a lower body limit: one by one
            return await self._deliver_each(messages)
        if response.status_code != 200:  # about the whole batch: what each event would make of it alone
            return [_outcome_of_response(response)] * len(events)
        results = results_of(response.json(), [message.event_id for message in messages])
        if results is None:  # nothing to match outcomes with: all again later (the receiver de-duplicates)
            error = f"HTTP 200 without one result per event: {response.text[:300]}"
            return [DeliveryOutcome(OutboxStatus.PENDING, error)] * len(events)
        return [_outcome_of_result(result) for result in results]

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
        return _outcome_of_response(response)

    async def _record_outcomes(self, results: list[tuple[ClaimedMessage, DeliveryOutcome]]) -> None:
        now = self._clock()
        table = OutboxMessage
        async with self._sessions() as session, session.begin():
            # Deliveries in one statement (a batch's usual answer); a delivery counts whichever claim made it.
            if delivered := [message.id for message, outcome in results if outcome.status is OutboxStatus.DELIVERED]:
                await session.execute(
                    update(table).where(col(table.id).in_(delivered), col(table.status) == OutboxStatus.PENDING)
                    .values(status=OutboxStatus.DELIVERED, delivered_at=now,
                            **({"payload": {}} if self._erase_payload else {}))
                    .execution_options(synchronize_session=False))
            for message, outcome in results:
                # Only the latest claim decides a retry or a failure.
                latest_claim = (col(table.id) == message.id, col(table.status) == OutboxStatus.PENDING,
                                col(table.attempts) == message.attempts)
                statement: Update
                if outcome.status is OutboxStatus.DELIVERED:
                    continue
                if outcome.status is OutboxStatus.FAILED:
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


def _chunks(claimed: list[ClaimedMessage]) -> list[tuple[list[bytes], list[ClaimedMessage]]]:
    """Claimed messages as batches of at most MAX_BATCH_EVENTS events and MAX_BATCH_BYTES of JSON (an event
    larger than that alone goes alone), each event serialised once."""
    chunks: list[tuple[list[bytes], list[ClaimedMessage]]] = []
    size = MAX_BATCH_BYTES
    for message in claimed:
        event = to_json(batched(message))
        if size + len(event) + 1 > MAX_BATCH_BYTES or len(chunks[-1][0]) >= MAX_BATCH_EVENTS:
            chunks.append(([], []))
            size = len(b'{"events":[]}')
        chunks[-1][0].append(event)
        chunks[-1][1].append(message)
        size += len(event) + 1
    return chunks


def _outcome_of_response(response: httpx.Response) -> DeliveryOutcome:
    """An answer about one event (the single route's), or about a whole batch, applied to each of its events."""
    status = response.status_code
    if 200 <= status < 300:
        return DeliveryOutcome(OutboxStatus.DELIVERED)
    error = f"HTTP {status}: {response.text[:300]}"
    outcome = outcome_of(status, _problem_code(response) if status == 409 else None)
    if outcome is EventOutcome.RETRY:
        return DeliveryOutcome(OutboxStatus.PENDING, error, _retry_after(response))
    return DeliveryOutcome(OutboxStatus.FAILED, error)


def _outcome_of_result(result: EventResult) -> DeliveryOutcome:
    status = _STATUS_OF[result.outcome]
    if status is OutboxStatus.DELIVERED:
        return DeliveryOutcome(status)
    problem = result.problem.model_dump_json(exclude_none=True) if result.problem else ""
    return DeliveryOutcome(status, f"HTTP {result.status}: {problem[:300]}", result.retry_after)


def _problem_code(response: httpx.Response) -> str | None:
    """The `code` of a problem answer: a 409 `concurrent_change` (a simultaneous write, say two events about one
    campaign handled at once) asks for the event again; other conflicts are answers about the event itself."""
    try:
        body = response.json()
    except ValueError:
        return None
    return body.get("code") if isinstance(body, dict) else None


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after", "")
    return float(value) if value.isdigit() else None


def _short(error: str | None) -> str | None:
    if error is None or len(error) <= LAST_ERROR_MAX_LENGTH:
        return error
    return error[: LAST_ERROR_MAX_LENGTH - 1] + "…"
