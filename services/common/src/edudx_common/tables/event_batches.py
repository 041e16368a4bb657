"""Events delivered in batches: `POST /api/<receiver>/events/batch`, beside the single-event `POST …/events`.

A producer's dispatcher (`edudx_common.tables.outbox`) sends the due messages of one receiver in one request
rather than one request each: the HTTP, token and session work of a delivery is paid once per batch.

The contract:

- Body `EventBatch`: `{"events": [<EventEnvelope + request_id>, …]}`, 1 to `MAX_BATCH_EVENTS` events and at most
  `MAX_BATCH_BYTES` of JSON (the sender splits larger ones). Each event carries the id of the request that caused
  it (`request_id`): the receiver logs each event's work under it, as the single form's `X-Request-ID` does.
- The receiver handles the events one after the other in the order sent, each exactly as the single route would
  (`ensure_producer_may_send`, then `accept_once` and the effects), and an event that fails rolls back its own
  effects and inbox row only (a savepoint each, once one failed: `receive_batch`). Everything that succeeded is
  committed once, at the end.
- Answer 200 `EventBatchResults`: one result per event, in the order sent, naming its `id` and its `outcome` —
  `done`, `duplicate` (already accepted: nothing changed), `retry` (not now: send it again, after `retry_after`
  seconds at the least) or `rejected` (never: the producer marks it failed) — with the `status` and `problem` the
  single route would have answered. Which answers are `retry` is the producer's rule since before batches
  (`outcome_of`): 401/403/404/408/425/429, a 409 `concurrent_change` and every 5xx; other 4xx are `rejected`.
- Any other answer concerns the whole batch and is read as if each event had been posted alone and got it: a 5xx
  or a timeout (nothing was committed) retries every event; so does a failed final commit (500/409/503).

Why a path of its own rather than a second body shape on `POST …/events`: a receiver deployed before batches
answers it 404 (no such route), which a sender can tell from an answer about an event (a union body would get an
older receiver's 422 "field `id` missing", the same answer as an event it rejects for good); the single route and
its answers stay exactly as they were for older senders during a rolling deploy; and the batch's 200 with results
is a response model of its own in the OpenAPI document.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from enum import StrEnum
from typing import Any

import structlog
from pydantic import BaseModel, Field
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from edudx_common.auth import Principal
from edudx_common.errors import Problem, ProblemError
from edudx_common.logging import get_request_id, request_id_set
from edudx_common.tables.inbox import EventEnvelope, ensure_service_caller

log = structlog.get_logger("edudx.inbox")

MAX_BATCH_EVENTS = 100
MAX_BATCH_BYTES = 1_000_000
# Answers that mean "not now" rather than "never": the event is sent again later.
# Retried like an outage: timeouts and throttling, and 401/403/404, which in practice mean a receiver being
# deployed (no /events route yet) or credentials being fixed, not an event it will never take.
RETRY_LATER_STATUSES = frozenset({401, 403, 404, 408, 425, 429})
CONCURRENT_CHANGE = "concurrent_change"


class EventOutcome(StrEnum):
    DONE = "done"
    DUPLICATE = "duplicate"
    RETRY = "retry"
    REJECTED = "rejected"


def outcome_of(status: int, code: str | None = None) -> EventOutcome:
    """What an answer `status` (problem `code`) about one event means for its producer: the one rule of both
    forms. 2xx done; a 409 `concurrent_change` (a simultaneous write) and the statuses above retry; 5xx retry."""
    if 200 <= status < 300:
        return EventOutcome.DONE
    if status >= 500 or status in RETRY_LATER_STATUSES or (status == 409 and code == CONCURRENT_CHANGE):
        return EventOutcome.RETRY
    return EventOutcome.REJECTED


class BatchedEvent(EventEnvelope):
    """One event of a batch: the envelope of the single form and the id of the request that caused the event."""

    request_id: str | None = Field(default=None, max_length=64,
                                   description="Id of the request that caused the event, to follow it in the logs")


class EventBatch(BaseModel):
    """Events for one receiver, handled in this order: the body of `POST /api/<receiver>/events/batch`."""

    events: list[BatchedEvent] = Field(min_length=1, max_length=MAX_BATCH_EVENTS)


class EventResult(BaseModel):
    """What became of one event of a batch."""

    id: uuid.UUID = Field(description="The event's id")
    outcome: EventOutcome = Field(description="done, duplicate (already accepted), retry (send again later) or "
                                              "rejected (never: the producer marks it failed)")
    status: int = Field(description="The status the single-event route would have answered (204 when accepted)")
    retry_after: float | None = Field(default=None, description="For `retry`: seconds to wait at the least")
    problem: Problem | None = Field(default=None, description="For `retry` and `rejected`: why")


class EventBatchResults(BaseModel):
    """One result per event of the batch, in the order sent."""

    results: list[EventResult]


# Handles one event as the single route does (permission check included): True when its effects were applied,
# False for a duplicate. Raises a ProblemError for what the single route would answer with a problem.
EventHandler = Callable[[AsyncSession, EventEnvelope], Awaitable[bool]]


async def receive_batch(session: AsyncSession, batch: EventBatch, handle: EventHandler, *,
                        caller: Principal) -> EventBatchResults:
    """Handle the events of `batch` in order; the caller's session commits what succeeded.

    Only a service may send a batch: anyone else is refused the whole request (403) before any event is looked at,
    not answered 200 with a refusal per event (a person's token must not get a success status from a
    service-to-service route).

    First all in the caller's transaction, without savepoints (each costs two round trips per event, as much as the
    event's own work); when any event fails, that is rolled back and each event is handled again in a savepoint of
    its own, so that the others still take effect and each failure is answered for its event."""
    ensure_service_caller(caller)
    if len(batch.events) > 1:
        applied: list[bool] = []
        try:
            for event in batch.events:
                with request_id_set(event.request_id or event.id.hex):
                    applied.append(await handle(session, event))
            await session.flush()  # a constraint met now, not by the final commit (the whole batch again, forever)
        except Exception:  # noqa: BLE001 — which event, and what it is answered, the savepoints below say
            await session.rollback()
        else:
            return _logged(batch, [_accepted(event, done) for event, done in zip(batch.events, applied, strict=True)])
    results = []
    for event in batch.events:
        with request_id_set(event.request_id or event.id.hex):
            results.append(await _receive_one(session, event, handle))
    return _logged(batch, results)


def _logged(batch: EventBatch, results: list[EventResult]) -> EventBatchResults:
    """One line per event under the id of the request that caused it, as the single route's request line was: the
    batch's own request line carries the batch's id, and following one request through the services' logs must
    still find this service's part in it."""
    for event, result in zip(batch.events, results, strict=True):
        with request_id_set(event.request_id or event.id.hex):
            log.info("event received", event_id=str(event.id), event_type=event.type, outcome=result.outcome.value,
                     status=result.status)
    return EventBatchResults(results=results)


def _accepted(event: BatchedEvent, applied: bool) -> EventResult:
    return EventResult(id=event.id, outcome=EventOutcome.DONE if applied else EventOutcome.DUPLICATE, status=204)


async def _receive_one(session: AsyncSession, event: BatchedEvent, handle: EventHandler) -> EventResult:
    try:
        async with session.begin_nested():
            applied = await handle(session, event)
    except ProblemError as exc:
        return _failed(event, exc.status, exc.to_problem(), exc.headers.get("Retry-After"))
    except IntegrityError as exc:
        # As the single route's answer to a constraint met by a simultaneous write: 409, sent again after a second.
        log.warning("database constraint refused an event", event_id=str(event.id), error=str(exc.orig))
        return _failed(event, 409, _problem(409, CONCURRENT_CHANGE, "Dữ liệu vừa được thay đổi bởi một yêu cầu "
                                            "khác cùng lúc"), "1")
    except DBAPIError as exc:  # the database away or the connection lost: the final commit fails too, as a 5xx
        log.warning("database error on an event", event_id=str(event.id), error=str(exc.orig))
        return _failed(event, 503, _problem(503, "database_unavailable", "Cơ sở dữ liệu tạm thời không truy cập "
                                            "được"), None)
    except Exception:  # a bug in one event's handling holds up neither the others nor the sender
        log.exception("unhandled error on an event", event_id=str(event.id), event_type=event.type)
        return _failed(event, 500, _problem(500, "internal_error", "Lỗi hệ thống, vui lòng thử lại sau"), None)
    return _accepted(event, applied)


def _failed(event: BatchedEvent, status: int, problem: Problem, retry_after: str | None) -> EventResult:
    outcome = outcome_of(status, problem.code)
    seconds = float(retry_after) if retry_after and retry_after.isdigit() else None
    return EventResult(id=event.id, outcome=outcome, status=status, problem=problem,
                       retry_after=seconds if outcome is EventOutcome.RETRY else None)


def _problem(status: int, code: str, title: str) -> Problem:
    return Problem(type=f"https://edudx.vn/problems/{code}", title=title, status=status, code=code,
                   request_id=get_request_id())


def results_of(body: Any, event_ids: list[uuid.UUID]) -> list[EventResult] | None:
    """The receiver's results for the events `event_ids`, or None unless the answer is one result per event, in
    order."""
    try:
        results = EventBatchResults.model_validate(body).results
    except ValueError:
        return None
    if [result.id for result in results] != event_ids:
        return None
    return results
