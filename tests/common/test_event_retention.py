"""Operator paths for the outbox and the inbox, against the real database: the commands an operator runs
(`python -m scoring.cli outbox …|inbox …`, in a process of their own), the way back for a rejected event, and the
retention that runs beside a service."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlmodel import col

from edudx_common.db import session_factory, utcnow
from edudx_common.event_retention import EventRetention, parse_age
from edudx_common.http import ServiceClient
from edudx_common.tables.inbox import InboxEvent
from edudx_common.tables.outbox import OutboxMessage, OutboxStatus, add_event
from edudx_common.tables.outbox_dispatcher import OutboxDispatcher
from tests.common.event_support import Receiver, create_database, create_receiver, empty, eventually
from tests.support import REPO

Sessions = async_sessionmaker[AsyncSession]


@pytest.fixture(scope="module")
async def service_database(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[tuple[AsyncEngine, str,
                                                                                              str | None]]:
    """A producing and receiving service's database (scoring has both tables)."""
    engine, url, schema = await create_database(tmp_path_factory.mktemp("retention"), "retention",
                                                OutboxMessage, InboxEvent)
    yield engine, url, schema
    await engine.dispose()


@pytest.fixture(scope="module")
def sessions(service_database: tuple[AsyncEngine, str, str | None]) -> Sessions:
    return session_factory(service_database[0])


@pytest.fixture(scope="module")
async def notifications(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Receiver]:
    receiver = await create_receiver(tmp_path_factory.mktemp("retention_notifications"), "notifications")
    yield receiver
    await receiver.engine.dispose()


@pytest.fixture(scope="module")
def notifications_url(notifications: Receiver) -> Iterator[str]:
    with notifications.serving() as url:
        yield url


@pytest.fixture(autouse=True)
async def _clean(service_database: tuple[AsyncEngine, str, str | None], notifications: Receiver) -> AsyncIterator[None]:
    yield
    await empty(service_database[0], OutboxMessage, InboxEvent)
    await notifications.reset()


def scoring_cli(database: tuple[AsyncEngine, str, str | None], *args: str, check: bool = True) -> Any:
    """Run `python -m scoring.cli …` as an operator would, against the test database; its JSON answer."""
    _engine, url, schema = database
    env = {**os.environ, "SCORING_DATABASE_URL": url, "SCORING_DATABASE_SCHEMA": schema or ""}
    done = subprocess.run([sys.executable, "-m", "scoring.cli", *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=120, check=False)
    if not check:
        return done
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


async def add_rows(sessions: Sessions, *, outbox: list[tuple[OutboxStatus, timedelta]],
                   inbox: list[timedelta]) -> None:
    """Outbox messages with a status delivered/created that long ago, and inbox ids accepted that long ago."""
    now = utcnow()
    async with sessions() as session, session.begin():
        for status, age in outbox:
            session.add(OutboxMessage(event_id=uuid.uuid4(), event_type="submission.submitted", payload={},
                                      receiver="notifications", status=status, created_at=now - age,
                                      next_attempt_at=now + timedelta(hours=1),
                                      delivered_at=now - age if status is OutboxStatus.DELIVERED else None))
        for age in inbox:
            await session.execute(insert(InboxEvent).values(event_id=uuid.uuid4(), event_type="campaign.published",
                                                            received_at=now - age))


async def outbox_statuses(sessions: Sessions) -> list[str]:
    async with sessions() as session:
        return sorted((await session.execute(select(col(OutboxMessage.status)))).scalars())


async def inbox_size(sessions: Sessions) -> int:
    async with sessions() as session:
        return len((await session.execute(select(col(InboxEvent.event_id)))).all())


async def test_a_rejected_event_waits_for_the_operator_who_requeues_it_after_the_fix(
    sessions: Sessions, service_database: tuple[AsyncEngine, str, str | None], notifications: Receiver,
    notifications_url: str,
) -> None:
    async with sessions() as session, session.begin():
        rejected = add_event(session, event_type="submission.submitted", payload={}, receivers=["notifications"])
        add_event(session, event_type="campaign.published", payload={"campaign_id": "c"}, receivers=["notifications"])
    client = ServiceClient(notifications_url, name="notifications", timeout=5, retries=0)
    try:
        dispatcher = OutboxDispatcher(sessions, {"notifications": client})
        await dispatcher.deliver_due()
        assert await notifications.processed() != [rejected]  # only the other event took effect
        assert len(await notifications.processed()) == 1

        status = scoring_cli(service_database, "outbox", "status")
        assert status["receivers"]["notifications"]["failed"] == 1
        [failed] = status["failed"]
        assert failed["event_id"] == str(rejected)
        assert failed["event_type"] == "submission.submitted"
        assert failed["last_error"].startswith("HTTP 422")

        # Nothing sends it again by itself: the dispatcher leaves failed messages alone.
        await dispatcher.deliver_due()
        assert notifications.post_count(rejected) == 1

        notifications.strict = False  # the receiver is fixed and deployed
        assert scoring_cli(service_database, "outbox", "requeue", "--receiver", "notifications",
                           "--event-type", "campaign.published") == {"requeued": 0}
        assert scoring_cli(service_database, "outbox", "requeue", "--receiver", "notifications") == {"requeued": 1}
        await dispatcher.deliver_due()
    finally:
        await client.aclose()
    assert rejected in await notifications.processed()
    assert await outbox_statuses(sessions) == ["delivered", "delivered"]
    assert scoring_cli(service_database, "outbox", "status") == {"receivers": {}, "failed": []}


async def test_the_commands_purge_history_by_age_and_keep_what_may_still_matter(
    sessions: Sessions, service_database: tuple[AsyncEngine, str, str | None],
) -> None:
    await add_rows(sessions, outbox=[(OutboxStatus.DELIVERED, timedelta(days=40)),
                                     (OutboxStatus.DELIVERED, timedelta(days=2)),
                                     (OutboxStatus.PENDING, timedelta(days=40)),
                                     (OutboxStatus.FAILED, timedelta(days=40))],
                   inbox=[timedelta(days=40), timedelta(hours=1)])

    assert scoring_cli(service_database, "outbox", "purge", "--older-than", "30d") == {"purged": 1}
    assert await outbox_statuses(sessions) == ["delivered", "failed", "pending"]

    inbox = scoring_cli(service_database, "inbox", "status")
    assert inbox["accepted"] == 2
    assert inbox["oldest_seconds"] >= 40 * 86400 - 60
    refused = scoring_cli(service_database, "inbox", "purge", "--older-than", "12h", check=False)
    assert refused.returncode != 0
    assert "at least 1d" in refused.stderr
    assert await inbox_size(sessions) == 2
    assert scoring_cli(service_database, "inbox", "purge", "--older-than", "30d") == {"purged": 1}
    assert await inbox_size(sessions) == 1

    unknown_age = scoring_cli(service_database, "outbox", "purge", "--older-than", "30 days", check=False)
    assert unknown_age.returncode == 2
    assert "30d, 12h or 90m" in unknown_age.stderr


async def test_retention_beside_the_service_purges_at_start_and_every_interval(sessions: Sessions) -> None:
    await add_rows(sessions, outbox=[(OutboxStatus.DELIVERED, timedelta(days=31)),
                                     (OutboxStatus.DELIVERED, timedelta(days=29)),
                                     (OutboxStatus.FAILED, timedelta(days=90))],
                   inbox=[timedelta(days=31), timedelta(days=29)])
    retention = EventRetention(sessions, outbox_keep=timedelta(days=30), inbox_keep=timedelta(days=30),
                               interval_seconds=0.05)

    async def purged() -> bool:
        return await outbox_statuses(sessions) == ["delivered", "failed"] and await inbox_size(sessions) == 1

    async with retention.running():
        await eventually(purged)
        # A later round finds what aged meanwhile.
        async with sessions() as session, session.begin():
            await session.execute(update(InboxEvent).values(received_at=utcnow() - timedelta(days=31)))
        await eventually(lambda: _empty_inbox(sessions))
    assert await outbox_statuses(sessions) == ["delivered", "failed"]


async def _empty_inbox(sessions: Sessions) -> bool:
    return await inbox_size(sessions) == 0


async def test_a_service_without_an_inbox_leaves_inbox_rows_alone(sessions: Sessions) -> None:
    await add_rows(sessions, outbox=[(OutboxStatus.DELIVERED, timedelta(days=31))], inbox=[timedelta(days=90)])
    report = await EventRetention(sessions, outbox_keep=timedelta(days=30), inbox_keep=None,
                                  interval_seconds=60).purge_once()
    assert (report.outbox_purged, report.inbox_purged) == (1, 0)
    assert await inbox_size(sessions) == 1


def test_ages_are_days_hours_or_minutes() -> None:
    assert parse_age("30d") == timedelta(days=30)
    assert parse_age("12h") == timedelta(hours=12)
    assert parse_age("90m") == timedelta(minutes=90)
    for wrong in ("30", "1w", "-1d", "d"):
        with pytest.raises(argparse.ArgumentTypeError):
            parse_age(wrong)


def test_each_service_purges_the_tables_it_has() -> None:
    from notifications.config import Settings as NotificationsSettings
    from scoring.config import Settings as ScoringSettings
    from submissions.config import Settings as SubmissionsSettings

    def kept(settings: Any) -> tuple[timedelta | None, timedelta | None]:
        retention = EventRetention.from_settings(session_factory(None), settings)  # type: ignore[arg-type]
        return retention.outbox_keep, retention.inbox_keep

    assert kept(ScoringSettings(outbox_keep_delivered_days=7)) == (timedelta(days=7), timedelta(days=30))
    assert kept(SubmissionsSettings()) == (timedelta(days=30), None)
    assert kept(NotificationsSettings()) == (None, timedelta(days=30))
    with pytest.raises(ValueError, match="greater than or equal to 1"):
        NotificationsSettings(inbox_keep_days=0.5)
