"""The outbox's batches (`POST …/events/batch`) against a real receiver over HTTP: one request per pass, each event's
own outcome recorded as a single post's would be, and single posts to a receiver deployed before batches."""

# ruff: noqa: F811 — the fixtures are test_outbox's, imported for pytest; the tests' parameters name them again

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import httpx
import pytest

from edudx_common.http import ServiceClient
from edudx_common.tables.outbox_dispatcher import SINGLE_POSTS_SECONDS, OutboxDispatcher
from tests.common.event_support import Clock, Receiver
from tests.common.test_outbox import (  # noqa: F401 — pytest finds the fixtures by these names
    Sessions,
    _clean,
    make_client,
    messages,
    notifications,
    notifications_url,
    outbox_engine,
    publish,
    scoring,
    sessions,
)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def dispatcher(sessions: Sessions, notifications_url: str, make_client: Callable[[str, str], ServiceClient],
               clock: Clock) -> OutboxDispatcher:
    """Claims up to 150 messages a pass: more than one batch holds."""
    return OutboxDispatcher(sessions, {"notifications": make_client(notifications_url, "notifications")},
                            batch_size=150, clock=clock)


async def test_one_request_carries_the_pass_and_each_event_gets_its_own_outcome(
    sessions: Sessions, notifications: Receiver, dispatcher: OutboxDispatcher, clock: Clock,
) -> None:
    first = await publish(sessions, payload={"submission_id": "s-1"})
    rejected = await publish(sessions, payload={"title": "thiếu submission_id"})  # 422 for this one alone
    collides = await publish(sessions, payload={"submission_id": "s-3", "collide_first_time": True})  # 409, later
    last = await publish(sessions, payload={"submission_id": "s-4"})

    assert await dispatcher.deliver_due() == 2

    assert notifications.batch_sizes == [4]
    assert [envelope.id for envelope in notifications.posts] == [first, rejected, collides, last]  # oldest first
    assert await notifications.processed() == [first, last]  # the failures rolled back only their own effects
    by_id = {message.event_id: message for message in await messages(sessions)}
    assert (by_id[first].status, by_id[last].status) == ("delivered", "delivered")
    assert by_id[rejected].status == "failed"
    assert by_id[rejected].last_error is not None and by_id[rejected].last_error.startswith("HTTP 422")
    assert "validation_error" in by_id[rejected].last_error
    waiting = by_id[collides]
    assert waiting.status == "pending" and waiting.attempts == 1
    assert "HTTP 409" in (waiting.last_error or "") and "concurrent_change" in (waiting.last_error or "")
    assert waiting.next_attempt_at > clock()  # backoff, and at least the receiver's Retry-After

    clock.advance(3)
    assert await dispatcher.deliver_due() == 1
    assert notifications.batch_sizes == [4, 1]
    assert await notifications.processed() == [first, last, collides]
    assert await notifications.inbox_size() == 3


async def test_a_receiver_without_batches_gets_single_posts_until_it_is_asked_again(
    sessions: Sessions, notifications: Receiver, dispatcher: OutboxDispatcher, clock: Clock,
) -> None:
    notifications.batches = False  # deployed before batches: `/events/batch` is a 404
    old = [await publish(sessions) for _ in range(3)]

    assert await dispatcher.deliver_due() == 3

    assert notifications.batch_sizes == []
    assert sorted(notifications.idempotency_keys, key=str) == sorted((str(event) for event in old), key=str)
    assert sorted(await notifications.processed()) == sorted(old)

    notifications.batches = True  # upgraded meanwhile: the dispatcher keeps posting singly for a while …
    meanwhile = await publish(sessions)
    assert await dispatcher.deliver_due() == 1
    assert notifications.batch_sizes == []
    assert notifications.idempotency_keys[-1] == str(meanwhile)

    clock.advance(SINGLE_POSTS_SECONDS + 1)  # … then asks for batches again
    later = [await publish(sessions) for _ in range(2)]
    assert await dispatcher.deliver_due() == 2
    assert notifications.batch_sizes == [2]
    assert (await notifications.processed())[-2:] == later


async def test_a_large_pass_goes_in_bounded_batches_in_order(
    sessions: Sessions, notifications: Receiver, dispatcher: OutboxDispatcher,
) -> None:
    small = [await publish(sessions, payload={"submission_id": f"s-{n}"}) for n in range(120)]
    bulky = [await publish(sessions, payload={"submission_id": f"b-{n}", "text": "x" * 400_000}) for n in range(3)]

    assert await dispatcher.deliver_due() == 123

    # At most 100 events and about 1 MB a request: 100, then 20 small ones with two 400 KB ones, then the third.
    assert notifications.batch_sizes == [100, 22, 1]
    assert await notifications.processed() == [*small, *bulky]


async def test_the_receiver_answers_each_event_of_a_batch(notifications: Receiver, notifications_url: str) -> None:
    event = {"id": str(uuid.uuid4()), "type": "campaign.published", "occurred_at": datetime.now(UTC).isoformat(),
             "payload": {"n": 1}, "request_id": "req-publish-0001"}
    rejected = {**event, "id": str(uuid.uuid4()), "type": "submission.submitted"}  # no submission_id: 422
    async with httpx.AsyncClient(base_url=notifications_url) as client:
        response = await client.post("/api/notifications/events/batch",
                                     json={"events": [event, event, rejected]})
        empty = await client.post("/api/notifications/events/batch", json={"events": []})

    assert response.status_code == 200
    done, duplicate, refused = response.json()["results"]
    assert (done["id"], done["outcome"], done["status"]) == (event["id"], "done", 204)
    assert (duplicate["id"], duplicate["outcome"], duplicate["status"]) == (event["id"], "duplicate", 204)
    assert (refused["outcome"], refused["status"], refused["problem"]["code"]) == ("rejected", 422, "validation_error")
    assert set(notifications.request_ids) == {"req-publish-0001"}  # each event's work logged under its request
    assert await notifications.processed() == [uuid.UUID(event["id"])]
    assert empty.status_code == 422


@pytest.mark.parametrize("batches", [True, False], ids=["batch", "single"])
async def test_events_the_receiver_cannot_handle_yet_all_come_again(
    sessions: Sessions, notifications: Receiver, dispatcher: OutboxDispatcher, clock: Clock, batches: bool,
) -> None:
    notifications.batches = batches
    events = [await publish(sessions) for _ in range(3)]
    notifications.unavailable = True  # 503 for each event (as a receiver whose own dependency is down)

    assert await dispatcher.deliver_due() == 0
    assert {(m.status, m.attempts) for m in await messages(sessions)} == {("pending", 1)}

    notifications.unavailable = False
    clock.advance(3)
    assert await dispatcher.deliver_due() == 3
    assert sorted(await notifications.processed()) == sorted(events)
