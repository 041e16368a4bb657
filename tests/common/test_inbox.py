"""The inbox: an event's effects run once, even when duplicates arrive at the same time."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from edudx_common.db import session_factory
from edudx_common.tables.inbox import EventEnvelope, InboxEvent, accept_once
from tests.common.event_support import create_database, empty


@pytest.fixture(scope="module")
async def inbox_engine(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[AsyncEngine]:
    engine, _url, _schema = await create_database(tmp_path_factory.mktemp("inbox"), "inbox", InboxEvent)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="module")
def sessions(inbox_engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return session_factory(inbox_engine)


@pytest.fixture(autouse=True)
async def _empty_inbox(inbox_engine: AsyncEngine) -> AsyncIterator[None]:
    yield
    await empty(inbox_engine, InboxEvent)


async def _accept_and_commit(sessions: async_sessionmaker[AsyncSession], event_id: uuid.UUID) -> bool:
    async with sessions() as session, session.begin():
        return await accept_once(session, event_id=event_id, event_type="submission.submitted")


async def test_first_delivery_is_accepted_and_a_redelivery_is_not(sessions: async_sessionmaker[AsyncSession]) -> None:
    event_id = uuid.uuid4()

    first = await _accept_and_commit(sessions, event_id)
    again = await _accept_and_commit(sessions, event_id)

    assert (first, again) == (True, False)
    async with sessions() as session:
        rows = (await session.execute(select(InboxEvent))).scalars().all()
    assert [(row.event_id, row.event_type) for row in rows] == [(event_id, "submission.submitted")]
    assert rows[0].received_at.tzinfo is not None


async def test_concurrent_duplicates_are_accepted_exactly_once(sessions: async_sessionmaker[AsyncSession]) -> None:
    event_id = uuid.uuid4()

    results = await asyncio.gather(*(_accept_and_commit(sessions, event_id) for _ in range(5)))

    assert sorted(results) == [False, False, False, False, True]


async def test_a_duplicate_waits_for_the_first_transaction_and_then_is_refused(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    event_id = uuid.uuid4()
    async with sessions() as first, sessions() as second:
        assert await accept_once(first, event_id=event_id, event_type="submission.submitted")
        duplicate = asyncio.create_task(accept_once(second, event_id=event_id, event_type="submission.submitted"))
        await asyncio.sleep(0.2)
        assert not duplicate.done()  # blocked on the first transaction's uncommitted row

        await first.commit()

        assert await duplicate is False
        await second.commit()  # the duplicate's transaction is still usable: the receiver can answer 2xx


async def test_when_the_first_transaction_rolls_back_the_duplicate_takes_over(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    event_id = uuid.uuid4()
    async with sessions() as first, sessions() as second:
        assert await accept_once(first, event_id=event_id, event_type="submission.submitted")
        duplicate = asyncio.create_task(accept_once(second, event_id=event_id, event_type="submission.submitted"))
        await asyncio.sleep(0.2)

        await first.rollback()  # the handler failed: its effects and its inbox row are gone

        assert await duplicate is True
        await second.commit()
    assert await _accept_and_commit(sessions, event_id) is False


def test_envelope_requires_an_aware_time_and_a_uuid() -> None:
    envelope = EventEnvelope.model_validate(
        {"id": str(uuid.uuid4()), "type": "campaign.published", "occurred_at": "2025-10-01T08:00:00+00:00",
         "payload": {"campaign_id": "x"}}
    )
    assert envelope.occurred_at.utcoffset() is not None

    with pytest.raises(ValidationError):
        EventEnvelope.model_validate({"id": "not-a-uuid", "type": "campaign.published",
                                      "occurred_at": "2025-10-01T08:00:00+00:00"})
    with pytest.raises(ValidationError):
        EventEnvelope.model_validate({"id": str(uuid.uuid4()), "type": "campaign.published",
                                      "occurred_at": "2025-10-01T08:00:00"})
