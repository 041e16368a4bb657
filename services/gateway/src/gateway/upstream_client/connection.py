"""One kept-alive connection to a service: writes a request, parses the answer with httptools' C parser (the one
uvicorn uses) and holds its body until the reader takes it, pausing the socket when too much is waiting."""

from __future__ import annotations

import asyncio
import collections
from collections.abc import Callable
from typing import cast

import httptools

# A service's status line and headers together; more is not an answer we relay (the gateway's own limit on
# clients' heads is of the same order).
MAX_HEAD_BYTES = 64 * 1024
# Body bytes held per connection before reading from the service pauses until the client has taken them.
_READ_BUFFER_BYTES = 256 * 1024


class UpstreamError(Exception):
    """A call to a service that did not give a complete answer."""


class ConnectFailed(UpstreamError):
    """Nothing reached the service: refused, unreachable, or no connection within the connect timeout."""


class Disconnected(UpstreamError):
    """The service closed the connection before its answer was complete."""

    def __init__(self, message: str, *, reused: bool, answered: bool) -> None:
        super().__init__(message)
        self.reused = reused  # the connection came from the pool (had carried an earlier request)
        self.answered = answered  # some of the answer had arrived


class BadAnswer(UpstreamError):
    """What the service sent is not an HTTP/1.1 answer we relay (not HTTP, ambiguous length, head too large)."""


class UpstreamTimeout(UpstreamError, TimeoutError):
    """The service went silent (read) or stopped reading the request body (write) for the timeout."""


class Connection(asyncio.Protocol):
    """One TCP connection to a service; carries one request at a time. The pool creates it with its timeouts
    and is told through `on_closed` when it closes (it then no longer counts against the pool's limit)."""

    def __init__(self, loop: asyncio.AbstractEventLoop, *, read_timeout: float, write_timeout: float,
                 on_closed: Callable[[Connection], None]) -> None:
        self._loop = loop
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._on_closed = on_closed
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.reused = False
        self.idle_since = 0.0
        self.counted = True  # in the pool's count of open connections (the pool clears it)
        self._write_paused = False
        self._drain_waiter: asyncio.Future[None] | None = None
        self._reset()

    def _reset(self) -> None:
        self._parser: httptools.HttpResponseParser | None = None
        self._head_only = False
        self._received = 0  # bytes of this answer so far
        self._head_bytes = 0
        self._interim = False
        self.status = 0
        self.headers: list[tuple[bytes, bytes]] = []
        self.headers_done = False
        self.complete = False
        self.keep_alive = False
        self.body_sent = False
        self._until_close = False
        self.body: collections.deque[bytes] = collections.deque()
        self._buffered = 0
        self._reading_paused = False
        self.failure: UpstreamError | None = None
        self._waiter: asyncio.Future[None] | None = None
        self._last_read = 0.0

    # asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's transports are not asyncio's classes

    def data_received(self, data: bytes) -> None:
        parser = self._parser
        if parser is None or self.complete:  # nothing asked (idle in the pool) or after the answer's end
            self.close()
            return
        self._last_read = self._loop.time()
        self._received += len(data)
        try:
            parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(BadAnswer(f"not an HTTP answer: {exc}"))
            return
        if self._head_bytes > MAX_HEAD_BYTES or (not self.headers_done and self._received > MAX_HEAD_BYTES):
            self._fail(BadAnswer(f"answer head over {MAX_HEAD_BYTES} bytes"))
            return
        if self._buffered > _READ_BUFFER_BYTES and not self._reading_paused and self.transport is not None:
            self._reading_paused = True
            self.transport.pause_reading()
        self._wake()

    def eof_received(self) -> bool:
        return False  # close our side too

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._on_closed(self)
        if self._parser is not None and not self.complete and self.failure is None:
            if self._until_close and self.headers_done:
                self.complete = True  # an answer without a length ends with the connection
            else:
                self.failure = Disconnected("the service closed the connection before its answer was complete",
                                            reused=self.reused, answered=self._received > 0)
        self._wake()
        if self._drain_waiter is not None and not self._drain_waiter.done():
            self._drain_waiter.set_result(None)

    def pause_writing(self) -> None:
        self._write_paused = True

    def resume_writing(self) -> None:
        self._write_paused = False
        if self._drain_waiter is not None and not self._drain_waiter.done():
            self._drain_waiter.set_result(None)

    # httptools callbacks

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name, value))
        self._head_bytes += len(name) + len(value) + 4

    def on_headers_complete(self) -> None:
        assert self._parser is not None
        status = self._parser.get_status_code()
        if status < 200:  # an interim answer (1xx): the real one follows on the same connection
            self._interim, self.headers = True, []
            return
        self.status = status
        self.headers_done = True
        self.keep_alive = self._parser.should_keep_alive()
        if self._head_only:
            self.complete = True  # the length a HEAD answer announces is that of a GET's body, which never comes
        elif status not in (204, 304):
            framed = False
            for name, _ in self.headers:
                if name.lower() in (b"content-length", b"transfer-encoding"):
                    framed = True
                    break
            if not framed:
                self._until_close, self.keep_alive = True, False

    def on_body(self, body: bytes) -> None:
        self.body.append(body)
        self._buffered += len(body)

    def on_message_complete(self) -> None:
        if self._interim:
            self._interim = False
            return
        self.complete = True

    # used by the pool and the answer

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    def _fail(self, failure: UpstreamError) -> None:
        if self.failure is None:
            self.failure = failure
        self.close()
        self._wake()

    def close(self) -> None:
        self._on_closed(self)
        if self.transport is not None and not self.closed:
            self.closed = True
            self.transport.close()

    def take_body(self) -> bytes:
        data = self.body.popleft() if len(self.body) == 1 else b"".join(self.body)
        self.body.clear()
        self._buffered = 0
        if self._reading_paused and self.transport is not None and not self.closed:
            self._reading_paused = False
            self.transport.resume_reading()
        return data

    async def wait(self) -> None:
        """Until more of the answer arrives; `UpstreamTimeout` after the read timeout without any."""
        if self.failure is not None:
            raise self.failure
        if self.closed:
            raise Disconnected("connection closed", reused=self.reused, answered=self._received > 0)
        waiter = self._waiter = self._loop.create_future()
        timer = self._loop.call_at(self._last_read + self._read_timeout, self._read_timer)
        try:
            await waiter
        finally:
            timer.cancel()
            self._waiter = None
        if self.failure is not None:
            raise self.failure

    def _read_timer(self) -> None:
        waiter = self._waiter
        if waiter is None or waiter.done():
            return
        remaining = self._last_read + self._read_timeout - self._loop.time()
        if remaining > 0:  # data came meanwhile: the silence counts from then
            # The timer handle is replaced; `wait` cancels only the first, which has run: this one ends itself
            # when the waiter is done.
            self._loop.call_later(remaining, self._read_timer)
            return
        self._fail(UpstreamTimeout(f"no answer for {self._read_timeout} s"))

    def start(self, head_only: bool) -> None:
        self._reset()
        self._head_only = head_only
        self._parser = httptools.HttpResponseParser(self)

    def request_sent(self, *, whole_body: bool) -> None:
        self.body_sent = whole_body
        self._last_read = self._loop.time()  # the read timeout counts from the end of the request body

    def park(self) -> None:
        """Back in the pool, idle: any byte the service sends now closes it."""
        self._parser = None
        self.idle_since = self._loop.time()

    def write(self, data: bytes) -> None:
        if self.closed or self.transport is None:
            raise self.failure or Disconnected("the service closed the connection", reused=self.reused,
                                               answered=self._received > 0)
        self.transport.write(data)

    async def drain(self) -> None:
        if not self._write_paused or self.closed:
            return
        waiter = self._drain_waiter = self._loop.create_future()
        try:
            async with asyncio.timeout(self._write_timeout):
                await waiter
        except TimeoutError:
            self._fail(UpstreamTimeout(f"the service read none of the body for {self._write_timeout} s"))
            raise self.failure or UpstreamTimeout("write timeout") from None
        finally:
            self._drain_waiter = None
