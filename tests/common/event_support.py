"""Real pieces for the outbox and inbox tests: databases holding the shared tables, a receiver service
served over HTTP that de-duplicates with the inbox, and a clock the tests move instead of sleeping."""

from __future__ import annotations

import asyncio
import inspect
import threading
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, FastAPI, Header, HTTPException
from sqlalchemy import JSON, Column, Integer, MetaData, String, Table, Uuid, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlmodel import SQLModel

from edudx_common.app import create_service_app
from edudx_common.auth import Principal
from edudx_common.db import SessionDep, create_engine, session_factory, utcnow
from edudx_common.errors import ServiceUnavailable, Unprocessable
from edudx_common.logging import get_request_id
from edudx_common.tables.event_batches import EventBatch, EventBatchResults, receive_batch
from edudx_common.tables.inbox import EventEnvelope, InboxEvent, accept_once
from tests.servers import serve
from tests.support import database_url

SENDING_SERVICE = Principal(subject="service:submissions", kind="service")

# The receiver's own effect of an event. No unique key on purpose: a duplicate effect would show here,
# so "processed once" is the inbox's doing. Its own MetaData keeps it out of every service's metadata.
RECEIVER_METADATA = MetaData()
received_events = Table(
    "received_events",
    RECEIVER_METADATA,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("event_id", Uuid, nullable=False),
    Column("event_type", String(100), nullable=False),
    Column("payload", JSON, nullable=False),
)


async def eventually(check: Callable[[], object], *, within: float = 5.0) -> None:
    """Wait until `check()` (sync or async) is truthy: something a background task or another thread does."""
    for _ in range(int(within / 0.02)):
        result = check()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"not true within {within} s")


class Clock:
    """Real time plus an offset the test moves forward: backoffs and leases pass without sleeping."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return utcnow() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += timedelta(seconds=seconds)


def table_of(model: type[SQLModel]) -> Table:
    table: Table = model.__table__  # type: ignore[attr-defined]
    return table


async def create_database(
    tmp_path: Path, name: str, *models: type[SQLModel]
) -> tuple[AsyncEngine, str, str | None]:
    """An empty database (SQLite file or PostgreSQL schema) holding the tables of `models`: (engine, url, schema)."""
    url, schema = database_url(tmp_path, name)
    if schema:
        admin = create_engine(url)
        async with admin.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        await admin.dispose()
    engine = create_engine(url, schema=schema)
    async with engine.begin() as conn:
        # No service owns these tables yet, so no migrations: create exactly these, not all of SQLModel's.
        tables = [table_of(model) for model in models]
        await conn.run_sync(lambda sync_conn: SQLModel.metadata.create_all(sync_conn, tables=tables))
    return engine, url, schema


async def empty(engine: AsyncEngine, *tables: Table | type[SQLModel]) -> None:
    async with engine.begin() as conn:
        for table in tables:
            await conn.execute((table if isinstance(table, Table) else table_of(table)).delete())


@dataclass
class Receiver:
    """A receiving service (e.g. notifications) with its own database; what it saw, and a switch to fail."""

    name: str
    database_url: str
    schema: str | None
    engine: AsyncEngine  # for the test's own reads, on the test's event loop
    posts: list[EventEnvelope] = field(default_factory=list)  # every event that reached it, duplicates too
    # False: a receiver deployed before batches (its `/events/batch` is a 404, as a route it does not have).
    batches: bool = True
    batch_sizes: list[int] = field(default_factory=list)  # the events of each batch request, in order
    idempotency_keys: list[str | None] = field(default_factory=list)
    request_ids: list[str | None] = field(default_factory=list)  # what its logs carried for each POST
    unavailable: bool = False
    # Rejects (422) a `submission.submitted` without `submission_id`; False: a receiver fixed to take it.
    strict: bool = True
    # Open: answers at once. Closed (`hang()`): every request waits until the test calls `let_go()`.
    gate: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self.gate.set()

    def hang(self) -> None:
        self.gate.clear()

    def let_go(self) -> None:
        self.gate.set()

    def post_count(self, event_id: uuid.UUID) -> int:
        return sum(1 for envelope in self.posts if envelope.id == event_id)

    async def processed(self) -> list[uuid.UUID]:
        """Event ids whose effect was applied, once per application."""
        async with self.engine.connect() as conn:
            rows = await conn.execute(select(received_events.c.event_id).order_by(received_events.c.id))
            return [row[0] for row in rows]

    async def inbox_size(self) -> int:
        async with self.engine.connect() as conn:
            return int((await conn.execute(select(func.count()).select_from(table_of(InboxEvent)))).scalar_one())

    async def reset(self) -> None:
        self.posts.clear()
        self.batches = True
        self.batch_sizes.clear()
        self.idempotency_keys.clear()
        self.request_ids.clear()
        self.unavailable = False
        self.strict = True
        self.gate.set()
        await empty(self.engine, received_events, InboxEvent)

    def app(self) -> FastAPI:
        receiver = self
        router = APIRouter()

        async def handle(session: AsyncSession, envelope: EventEnvelope, idempotency_key: str | None,
                         seen: set[uuid.UUID] | None = None) -> bool:
            if seen is None or envelope.id not in seen:  # a batch may handle an event twice (receive_batch)
                receiver.posts.append(envelope)
                receiver.idempotency_keys.append(idempotency_key)
                receiver.request_ids.append(get_request_id())
            if seen is not None:
                seen.add(envelope.id)
            if not receiver.gate.is_set():
                await asyncio.to_thread(receiver.gate.wait, 10)
            if receiver.unavailable:
                raise ServiceUnavailable("Đang bảo trì, vui lòng gửi lại sau.")
            if receiver.strict and envelope.type == "submission.submitted" and "submission_id" not in envelope.payload:
                raise Unprocessable("Sự kiện thiếu submission_id.")
            if envelope.payload.get("collide_first_time") and receiver.post_count(envelope.id) == 1:
                # As two events about one campaign handled at once: the second insert meets the first's key.
                for _ in range(2):
                    await session.execute(insert(received_events).values(
                        id=-1, event_id=envelope.id, event_type=envelope.type, payload={}))
            if not await accept_once(session, event_id=envelope.id, event_type=envelope.type):
                return False
            await session.execute(insert(received_events).values(
                event_id=envelope.id, event_type=envelope.type, payload=envelope.payload))
            return True

        @router.post("/events", status_code=204)
        async def receive_event(
            envelope: EventEnvelope,
            session: SessionDep,
            idempotency_key: Annotated[str | None, Header()] = None,
        ) -> None:
            await handle(session, envelope, idempotency_key)

        @router.post("/events/batch")
        async def receive_events(batch: EventBatch, session: SessionDep) -> EventBatchResults:
            if not receiver.batches:
                raise HTTPException(status_code=404)
            receiver.batch_sizes.append(len(batch.events))
            seen: set[uuid.UUID] = set()

            async def handle_one(session: AsyncSession, envelope: EventEnvelope) -> bool:
                return await handle(session, envelope, None, seen)  # a batch names each event by its id alone

            # This stand-in verifies no tokens (the real receivers' CurrentPrincipal does): the sender is taken
            # to be the service it is in these tests.
            return await receive_batch(session, batch, handle_one, caller=SENDING_SERVICE)

        @asynccontextmanager
        async def lifespan(app: FastAPI) -> AsyncIterator[None]:
            # The server runs its own event loop in a thread: it gets its own engine.
            engine = create_engine(receiver.database_url, schema=receiver.schema)
            app.state.session_factory = session_factory(engine)
            yield
            await engine.dispose()

        return create_service_app(name=self.name, title=f"test {self.name}", description="test receiver",
                                  version="test", routers=[router], lifespan=lifespan)

    @contextmanager
    def serving(self, *, port: int | None = None) -> Iterator[str]:
        with serve(self.app(), port=port) as base_url:
            yield base_url


async def create_receiver(tmp_path: Path, name: str) -> Receiver:
    engine, url, schema = await create_database(tmp_path, f"receiver_{name}", InboxEvent)
    async with engine.begin() as conn:
        await conn.run_sync(lambda sync_conn: RECEIVER_METADATA.create_all(sync_conn))
    return Receiver(name=name, database_url=url, schema=schema, engine=engine)
