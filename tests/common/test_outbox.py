"""The outbox against real receivers over HTTP: committed events arrive, each once, whatever fails meanwhile."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlmodel import col

from edudx_common.db import session_factory
from edudx_common.http import ServiceClient
from edudx_common.logging import request_id_set
from edudx_common.tables.outbox import (
    OutboxMessage,
    add_event,
    pending_counts,
    purge_delivered,
    requeue_failed,
)
from edudx_common.tables.outbox_dispatcher import OutboxDispatcher
from tests.common.event_support import (
    Clock,
    Receiver,
    create_database,
    create_receiver,
    empty,
    eventually,
)
from tests.support import free_port, on_postgres

Sessions = async_sessionmaker[AsyncSession]


@pytest.fixture(scope="module")
async def outbox_engine(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[AsyncEngine]:
    engine, _url, _schema = await create_database(tmp_path_factory.mktemp("outbox"), "outbox", OutboxMessage)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="module")
def sessions(outbox_engine: AsyncEngine) -> Sessions:
    return session_factory(outbox_engine)


@pytest.fixture(scope="module")
async def notifications(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Receiver]:
    receiver = await create_receiver(tmp_path_factory.mktemp("notifications"), "notifications")
    yield receiver
    await receiver.engine.dispose()


@pytest.fixture(scope="module")
async def scoring(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Receiver]:
    receiver = await create_receiver(tmp_path_factory.mktemp("scoring"), "scoring")
    yield receiver
    await receiver.engine.dispose()


@pytest.fixture(scope="module")
def notifications_url(notifications: Receiver) -> Iterator[str]:
    with notifications.serving() as url:
        yield url


@pytest.fixture(autouse=True)
async def _clean(outbox_engine: AsyncEngine, notifications: Receiver, scoring: Receiver) -> AsyncIterator[None]:
    yield
    await empty(outbox_engine, OutboxMessage)
    await notifications.reset()
    await scoring.reset()


@pytest.fixture
async def make_client() -> AsyncIterator[Callable[[str, str], ServiceClient]]:
    """ServiceClients without their own retries: the dispatcher's backoff is what is under test."""
    clients: list[ServiceClient] = []

    def make(base_url: str, name: str) -> ServiceClient:
        clients.append(ServiceClient(base_url, name=name, timeout=5, retries=0))
        return clients[-1]

    yield make
    for client in clients:
        await client.aclose()


def nowhere() -> str:
    """A receiver that is down: nothing listens on this port (until a test starts it there)."""
    return f"http://127.0.0.1:{free_port()}"


async def publish(
    sessions: Sessions,
    *,
    receivers: Sequence[str] = ("notifications",),
    event_type: str = "submission.submitted",
    payload: dict[str, Any] | None = None,
) -> uuid.UUID:
    async with sessions() as session, session.begin():
        return add_event(session, event_type=event_type, receivers=receivers,
                         payload={"submission_id": uuid.uuid4()} if payload is None else payload)


async def messages(sessions: Sessions, *, receiver: str | None = None) -> list[OutboxMessage]:
    statement = select(OutboxMessage).order_by(col(OutboxMessage.created_at))
    if receiver is not None:
        statement = statement.where(col(OutboxMessage.receiver) == receiver)
    async with sessions() as session:
        return list((await session.execute(statement)).scalars())


@pytest.mark.parametrize("batches", [True, False], ids=["batch", "receiver-without-batches"])
async def test_only_committed_events_are_delivered_in_the_envelope(
    sessions: Sessions, notifications: Receiver, notifications_url: str,
    make_client: Callable[[str, str], ServiceClient], batches: bool,
) -> None:
    notifications.batches = batches
    submission_id = uuid.uuid4()
    submitted_at = datetime(2025, 10, 20, 3, 15, tzinfo=UTC)
    async with sessions() as session:
        add_event(session, event_type="submission.submitted", payload={"submission_id": uuid.uuid4()},
                  receivers=["notifications"])
        await session.flush()
        await session.rollback()  # the change failed: its event goes with it
    committed = await publish(sessions, payload={"submission_id": submission_id, "submitted_at": submitted_at})
    dispatcher = OutboxDispatcher(sessions, {"notifications": make_client(notifications_url, "notifications")},
                                  clock=Clock())

    delivered = await dispatcher.deliver_due()

    assert delivered == 1
    assert await notifications.processed() == [committed]
    [envelope] = notifications.posts
    assert envelope.id == committed
    assert envelope.type == "submission.submitted"
    assert envelope.payload == {"submission_id": str(submission_id), "submitted_at": "2025-10-20T03:15:00Z"}
    # The single form names the event in Idempotency-Key too; a batch by each event's id alone.
    assert notifications.idempotency_keys == [None if batches else str(committed)]
    assert notifications.batch_sizes == ([1] if batches else [])
    [message] = await messages(sessions)
    assert (message.event_id, message.status, message.attempts) == (committed, "delivered", 1)
    assert message.delivered_at is not None
    assert envelope.occurred_at == message.created_at
    assert await dispatcher.deliver_due() == 0


async def test_the_receiver_logs_under_the_request_id_that_caused_the_event(
    sessions: Sessions, notifications: Receiver, notifications_url: str,
    make_client: Callable[[str, str], ServiceClient],
) -> None:
    with request_id_set("req-submit-0001"):
        caused = await publish(sessions, payload={"submission_id": "s1"})
    background = await publish(sessions, payload={"submission_id": "s2"})  # a command: no request around it
    dispatcher = OutboxDispatcher(sessions, {"notifications": make_client(notifications_url, "notifications")},
                                  clock=Clock())

    assert await dispatcher.deliver_due() == 2

    seen = {envelope.id: request_id for envelope, request_id in zip(notifications.posts, notifications.request_ids,
                                                                    strict=True)}
    assert seen == {caused: "req-submit-0001", background: background.hex}
    assert [envelope.payload for envelope in notifications.posts if envelope.id == caused] == [{"submission_id": "s1"}]


async def test_a_receiver_that_is_down_gets_each_event_once_when_it_is_back(
    sessions: Sessions, notifications: Receiver, make_client: Callable[[str, str], ServiceClient],
) -> None:
    base_url = nowhere()
    clock = Clock()
    dispatcher = OutboxDispatcher(sessions, {"notifications": make_client(base_url, "notifications")}, clock=clock)
    events = [await publish(sessions) for _ in range(3)]

    # Each retry's wait, bracketed: the dispatcher's "now" lies between the clock read before and after its pass
    # (this clock runs with real time, and a loaded machine took 0.35 s between the pass and a later read).
    waits: list[tuple[float, float]] = []
    for attempt in (1, 2, 3):
        before = clock()
        assert await dispatcher.deliver_due() == 0
        after = clock()
        rows = await messages(sessions)
        assert {(row.status, row.attempts) for row in rows} == {("pending", attempt)}
        assert all("503 service_unavailable" in (row.last_error or "") for row in rows)
        first_due = min(row.next_attempt_at for row in rows)
        waits.append(((first_due - after).total_seconds(), (first_due - before).total_seconds()))
        assert await dispatcher.deliver_due() == 0  # not due yet: nothing is tried before the backoff ends
        assert {row.attempts for row in await messages(sessions)} == {attempt}
        clock.advance(max(row.next_attempt_at for row in rows).timestamp() - clock().timestamp() + 1)

    # base 2 s doubling, ± 20 % jitter: the shortest wait, somewhere in [low, high], can lie within its bounds
    for (low, high), base in zip(waits, (2, 4, 8), strict=True):
        assert low <= base * 1.2 + 0.01 and high >= base * 0.8 - 0.01

    with notifications.serving(port=int(base_url.rsplit(":", 1)[1])):
        assert await dispatcher.deliver_due() == 3
        assert await dispatcher.deliver_due() == 0

    assert sorted(await notifications.processed()) == sorted(events)
    assert sorted(envelope.id for envelope in notifications.posts) == sorted(events)
    rows = await messages(sessions)
    assert {(row.status, row.attempts) for row in rows} == {("delivered", 4)}


@pytest.mark.parametrize(("answer", "payload", "error"), [
    ("503: the receiver is down", None, ["HTTP 503"]),
    ("409: a simultaneous write met a unique key", {"submission_id": "s-1", "collide_first_time": True},
     ["HTTP 409", "concurrent_change"]),
])
async def test_a_receiver_answering_for_now_is_retried_later(
    sessions: Sessions, notifications: Receiver, notifications_url: str,
    make_client: Callable[[str, str], ServiceClient], answer: str, payload: dict[str, Any] | None,
    error: list[str],
) -> None:
    clock = Clock()
    dispatcher = OutboxDispatcher(sessions, {"notifications": make_client(notifications_url, "notifications")},
                                  clock=clock)
    event_id = await publish(sessions, payload=payload)
    notifications.unavailable = answer.startswith("503")

    assert await dispatcher.deliver_due() == 0
    [message] = await messages(sessions)
    assert message.status == "pending"
    assert all(part in (message.last_error or "") for part in error), message.last_error

    notifications.unavailable = False
    clock.advance(3)
    assert await dispatcher.deliver_due() == 1

    assert notifications.post_count(event_id) == 2
    assert await notifications.processed() == [event_id]


async def test_a_permanent_rejection_is_marked_failed_and_not_retried(
    sessions: Sessions, notifications: Receiver, notifications_url: str,
    make_client: Callable[[str, str], ServiceClient],
) -> None:
    clock = Clock()
    dispatcher = OutboxDispatcher(sessions, {"notifications": make_client(notifications_url, "notifications")},
                                  clock=clock)
    rejected = await publish(sessions, payload={"title": "thiếu submission_id"})  # the receiver answers 422

    assert await dispatcher.deliver_due() == 0
    clock.advance(timedelta(days=1).total_seconds())
    assert await dispatcher.deliver_due() == 0

    [message] = await messages(sessions)
    assert (message.status, message.attempts) == ("failed", 1)
    assert message.last_error is not None
    assert message.last_error.startswith("HTTP 422")
    assert "validation_error" in message.last_error
    assert notifications.post_count(rejected) == 1
    assert await notifications.processed() == []


async def test_a_crash_after_delivery_redelivers_after_the_lease_and_the_receiver_processes_once(
    sessions: Sessions, notifications: Receiver, notifications_url: str,
    make_client: Callable[[str, str], ServiceClient],
) -> None:
    class CrashesBeforeRecording(OutboxDispatcher):
        async def _record_outcomes(self, results: Any) -> None:
            raise RuntimeError("process killed after the POST, before recording it")

    clock = Clock()
    clients = {"notifications": make_client(notifications_url, "notifications")}
    event_id = await publish(sessions)

    with pytest.raises(RuntimeError, match="process killed"):
        await CrashesBeforeRecording(sessions, clients, clock=clock, lease_seconds=60).deliver_due()

    [leased] = await messages(sessions)
    assert (leased.status, leased.attempts) == ("pending", 1)
    assert 55 < leased.next_attempt_at.timestamp() - clock().timestamp() <= 60
    survivor = OutboxDispatcher(sessions, clients, clock=clock, lease_seconds=60)
    assert await survivor.deliver_due() == 0  # the lease keeps other dispatchers off it

    clock.advance(61)
    assert await survivor.deliver_due() == 1

    assert notifications.post_count(event_id) == 2  # delivered twice …
    assert await notifications.processed() == [event_id]  # … processed once
    assert await notifications.inbox_size() == 1
    [message] = await messages(sessions)
    assert (message.status, message.attempts) == ("delivered", 2)


async def test_each_receiver_progresses_on_its_own(
    sessions: Sessions, notifications: Receiver, notifications_url: str, scoring: Receiver,
    make_client: Callable[[str, str], ServiceClient],
) -> None:
    clock = Clock()
    scoring_url = nowhere()
    clients = {"notifications": make_client(notifications_url, "notifications"),
               "scoring": make_client(scoring_url, "scoring")}
    dispatcher = OutboxDispatcher(sessions, clients, clock=clock)
    event_id = await publish(sessions, event_type="submission.approved", receivers=["notifications", "scoring"])

    assert await dispatcher.deliver_due() == 1

    assert await notifications.processed() == [event_id]
    [to_notifications] = await messages(sessions, receiver="notifications")
    [to_scoring] = await messages(sessions, receiver="scoring")
    assert to_notifications.status == "delivered"
    assert (to_scoring.status, to_scoring.attempts) == ("pending", 1)
    async with sessions() as session:
        backlog = await pending_counts(session)
    assert set(backlog) == {"scoring"}
    assert (backlog["scoring"]["pending"], backlog["scoring"]["failed"]) == (1, 0)

    clock.advance(5)
    with scoring.serving(port=int(scoring_url.rsplit(":", 1)[1])):
        assert await dispatcher.deliver_due() == 1

    assert await scoring.processed() == [event_id]
    assert notifications.post_count(event_id) == 1
    assert {row.status for row in await messages(sessions)} == {"delivered"}


async def test_a_hanging_receiver_does_not_hold_up_the_others(
    sessions: Sessions, notifications: Receiver, notifications_url: str, scoring: Receiver,
    make_client: Callable[[str, str], ServiceClient],
) -> None:
    scoring.hang()
    with scoring.serving() as scoring_url:
        clients = {"notifications": make_client(notifications_url, "notifications"),
                   "scoring": make_client(scoring_url, "scoring")}
        async with OutboxDispatcher(sessions, clients).running(idle_seconds=0.02):
            stuck = await publish(sessions, receivers=["scoring"])
            await eventually(lambda: scoring.posts)
            flowing = await publish(sessions, receivers=["notifications"])

            await eventually(notifications.processed)

            assert await notifications.processed() == [flowing]
            assert scoring.post_count(stuck) == 1
            assert await scoring.processed() == []
        scoring.let_go()


async def test_a_dispatcher_serves_only_the_receivers_it_has_clients_for(
    sessions: Sessions, notifications: Receiver, notifications_url: str,
    make_client: Callable[[str, str], ServiceClient],
) -> None:
    dispatcher = OutboxDispatcher(sessions, {"notifications": make_client(notifications_url, "notifications")},
                                  clock=Clock())
    await publish(sessions, event_type="deadline.changed", receivers=["evidence"], payload={"campaign_id": "c1"})

    assert await dispatcher.deliver_due() == 0

    [waiting] = await messages(sessions)
    assert (waiting.status, waiting.attempts) == ("pending", 0)


@pytest.mark.postgres
@pytest.mark.skipif(not on_postgres(), reason="SKIP LOCKED between replicas needs PostgreSQL (EDUDX_TEST_DATABASE)")
async def test_concurrent_dispatchers_post_each_message_exactly_once(
    sessions: Sessions, notifications: Receiver, notifications_url: str,
    make_client: Callable[[str, str], ServiceClient],
) -> None:
    events = [await publish(sessions, event_type="campaign.published", payload={"n": n}) for n in range(50)]
    clock = Clock()
    dispatchers = [
        OutboxDispatcher(sessions, {"notifications": make_client(notifications_url, "notifications")},
                         batch_size=7, clock=clock)
        for _ in range(3)
    ]

    async def drain(dispatcher: OutboxDispatcher) -> int:
        total = 0
        while delivered := await dispatcher.deliver_due():
            total += delivered
        return total

    per_dispatcher = await asyncio.gather(*(drain(d) for d in dispatchers))

    assert sum(per_dispatcher) == 50
    assert all(count > 0 for count in per_dispatcher)  # they really shared the work
    assert len(notifications.posts) == 50  # raw POSTs, before the inbox: nothing was sent twice
    assert sorted(envelope.id for envelope in notifications.posts) == sorted(events)
    assert {(row.status, row.attempts) for row in await messages(sessions)} == {("delivered", 1)}


async def test_run_forever_survives_a_failing_pass_and_stops_when_cancelled(
    sessions: Sessions, notifications: Receiver, notifications_url: str,
    make_client: Callable[[str, str], ServiceClient],
) -> None:
    class DatabaseBlipsOnce(OutboxDispatcher):
        blipped = False

        async def _claim(self, receiver: str) -> Any:
            if not self.blipped:
                self.blipped = True
                raise ConnectionError("database restarted")
            return await super()._claim(receiver)

    dispatcher = DatabaseBlipsOnce(sessions, {"notifications": make_client(notifications_url, "notifications")})

    async with dispatcher.running(idle_seconds=0.02) as task:
        event_id = await publish(sessions)
        await eventually(notifications.processed)
        assert dispatcher.blipped
        assert not task.done()

    assert task.cancelled()
    assert await notifications.processed() == [event_id]


async def test_operators_see_the_backlog_requeue_rejections_and_purge_history(
    sessions: Sessions, notifications: Receiver, notifications_url: str,
    make_client: Callable[[str, str], ServiceClient],
) -> None:
    clock = Clock()
    dispatcher = OutboxDispatcher(sessions, {"notifications": make_client(notifications_url, "notifications")},
                                  clock=clock)
    await publish(sessions)
    await publish(sessions, payload={})  # rejected: 422
    await publish(sessions, receivers=["scoring"])  # no dispatcher for scoring here
    await dispatcher.deliver_due()

    async with sessions() as session:
        backlog = await pending_counts(session)
    assert backlog["notifications"]["failed"] == 1
    assert backlog["notifications"]["pending"] == 0
    assert backlog["scoring"]["pending"] == 1
    assert backlog["scoring"]["oldest_pending_seconds"] >= 0

    async with sessions() as session, session.begin():
        assert await requeue_failed(session, receiver="notifications") == 1
    assert {row.status for row in await messages(sessions, receiver="notifications")} == {"pending", "delivered"}

    async with sessions() as session, session.begin():
        assert await purge_delivered(session, older_than=clock() + timedelta(seconds=1)) == 1
    assert {row.status for row in await messages(sessions, receiver="notifications")} == {"pending"}


async def test_add_event_refuses_what_could_never_be_delivered(sessions: Sessions) -> None:
    async with sessions() as session:
        with pytest.raises(ValueError, match="event type"):
            add_event(session, event_type="SubmissionSubmitted", payload={}, receivers=["notifications"])
        with pytest.raises(ValueError, match="at least one receiver"):
            add_event(session, event_type="submission.submitted", payload={}, receivers=[])
        with pytest.raises(ValueError, match="receiver"):
            add_event(session, event_type="submission.submitted", payload={}, receivers=["/api/x"])
        with pytest.raises(ValueError, match="JSON"):
            add_event(session, event_type="submission.submitted", payload={"file": object()},
                      receivers=["notifications"])
        assert not session.new
