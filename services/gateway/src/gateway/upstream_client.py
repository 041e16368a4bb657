"""The proxy's HTTP/1.1 client: one pool of kept-alive connections per service, on asyncio with httptools' parser.

Why our own: in the deadline-day mix the gateway cost ~1.4 CPU-ms per request, and a py-spy profile put aiohttp's
client (ClientSession.request, its StreamWriter and ResponseHandler, yarl URLs, the tracing and timeout machinery)
at about a quarter of that. The proxy needs little of it: write a head it has already built, stream a body, parse
the answer's head with the C parser uvicorn uses, and hand back the body bytes as they come. Measured figures are in
bench/RESULTS.md (session 11, s11a).

What it does: a pool per service (at most `limit` connections, idle ones kept `keepalive_seconds`), a connect
timeout (the wait for a free connection included), a read timeout per read from the end of the request body on,
a write timeout per write of the body (a service that stops reading an upload), back-pressure both ways (reading
from the service pauses while the client is slower), request bodies of known length sent as they are, others
chunked. It reports a connection the service closed before answering, and whether it came from the pool, so the
proxy can send the request once more.

What it does not: HTTP/2, upgrades (WebSocket), `Expect: 100-continue`, trailers (dropped), redirects, cookies,
decompression (bodies are relayed as the service sent them), proxies (the environment's HTTP(S)_PROXY is never
read: internal calls must not leave through the host's outbound proxy). `https://` service URLs are served with the
ssl module's default context (system CAs, host name checked).
"""

from __future__ import annotations

import asyncio
import collections
import ssl
from collections.abc import AsyncGenerator, AsyncIterable, AsyncIterator
from typing import cast
from urllib.parse import urlsplit

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


class _Connection(asyncio.Protocol):
    """One TCP connection to a service; carries one request at a time."""

    def __init__(self, pool: UpstreamPool) -> None:
        self._pool = pool
        self._loop = pool.loop
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.reused = False
        self.idle_since = 0.0
        self._counted = True  # in the pool's count of open connections
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
        self._pool.forget(self)
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
        self._pool.forget(self)
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
        timer = self._loop.call_at(self._last_read + self._pool.read_timeout, self._read_timer)
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
        remaining = self._last_read + self._pool.read_timeout - self._loop.time()
        if remaining > 0:  # data came meanwhile: the silence counts from then
            # The timer handle is replaced; `wait` cancels only the first, which has run: this one ends itself
            # when the waiter is done.
            self._loop.call_later(remaining, self._read_timer)
            return
        self._fail(UpstreamTimeout(f"no answer for {self._pool.read_timeout} s"))

    def start(self, head_only: bool) -> None:
        self._reset()
        self._head_only = head_only
        self._parser = httptools.HttpResponseParser(self)

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
            async with asyncio.timeout(self._pool.write_timeout):
                await waiter
        except TimeoutError:
            self._fail(UpstreamTimeout(f"the service read none of the body for {self._pool.write_timeout} s"))
            raise self.failure or UpstreamTimeout("write timeout") from None
        finally:
            self._drain_waiter = None


class UpstreamAnswer:
    """A service's answer: status and headers at once, the body read whole or streamed. End with `release()` (the
    connection goes back to the pool when the answer was read to its end, else it is closed) or `close()`."""

    def __init__(self, pool: UpstreamPool, connection: _Connection) -> None:
        self._pool = pool
        self._connection: _Connection | None = connection
        self.status = connection.status
        self.raw_headers = connection.headers
        self.content_length: int | None = None
        for name, value in connection.headers:
            lowered = name.lower()
            if lowered == b"transfer-encoding":
                self.content_length = None
                break
            if lowered == b"content-length":
                self.content_length = int(value)  # the parser refused anything else

    @property
    def arrived(self) -> bool:
        """The whole answer is already here (most small answers come in the packet of the head)."""
        return self._connection is None or self._connection.complete

    async def read(self) -> bytes:
        """The whole body; for small answers."""
        parts = [chunk async for chunk in self.chunks()]
        return parts[0] if len(parts) == 1 else b"".join(parts)

    async def chunks(self) -> AsyncIterator[bytes]:
        connection = self._connection
        if connection is None:
            return
        while True:
            if connection.body:
                yield connection.take_body()
            elif connection.complete:
                return
            else:
                await connection.wait()

    def release(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            if connection.complete and not connection.body:
                self._pool.release(connection)
            else:
                connection.close()

    def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()


class UpstreamPool:
    """Kept-alive connections to one service (scheme://host[:port])."""

    def __init__(self, base_url: str, *, limit: int, keepalive_seconds: float, connect_timeout: float,
                 read_timeout: float, write_timeout: float) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"{base_url!r} is not an http(s) URL")
        self.host = parts.hostname
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self.ssl: ssl.SSLContext | None = ssl.create_default_context() if parts.scheme == "https" else None
        if not parts.netloc.isascii():
            raise ValueError(f"{base_url!r}: write the host name in ASCII (its IDNA form)")
        self.host_header = parts.netloc.encode("ascii")
        self.limit = limit
        self.keepalive_seconds = keepalive_seconds
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.write_timeout = write_timeout
        self.loop = asyncio.get_running_loop()
        self._idle: list[_Connection] = []
        self._open = 0  # connections open or opening, idle ones included
        self._waiters: collections.deque[asyncio.Future[None]] = collections.deque()
        self._sweeper: asyncio.TimerHandle | None = None
        self._closing = False

    async def request(self, method: bytes, target: bytes, headers: list[tuple[bytes, bytes]],
                      body: AsyncIterable[bytes] | None = None, *, chunked: bool = False) -> UpstreamAnswer:
        """Send one request and return once the answer's head has arrived. `headers` are sent as given, after
        Host; with `chunked` the body is sent in chunked encoding (the caller adds the Transfer-Encoding header)."""
        connection = await self._acquire()
        try:
            connection.start(head_only=method == b"HEAD")
            lines = [method, b" ", target, b" HTTP/1.1\r\nhost: ", self.host_header, b"\r\n"]
            for name, value in headers:
                lines += (name, b": ", value, b"\r\n")
            lines.append(b"\r\n")
            connection.write(b"".join(lines))
            connection.body_sent = body is None or await self._send_body(connection, body, chunked)
            connection._last_read = self.loop.time()  # the read timeout counts from the end of the body
            while not connection.headers_done:
                await connection.wait()
            return UpstreamAnswer(self, connection)
        except BaseException:
            connection.close()
            raise

    async def _send_body(self, connection: _Connection, body: AsyncIterable[bytes], chunked: bool) -> bool:
        """True when the whole body was sent; False when the service answered before taking all of it (e.g. it
        refused it): the answer is what counts, and the connection is not reused."""
        finished = False
        try:
            async for chunk in body:
                if connection.headers_done:
                    return False
                if chunked:
                    if chunk:
                        connection.write(b"%x\r\n%b\r\n" % (len(chunk), chunk))
                else:
                    connection.write(chunk)
                await connection.drain()
            finished = True
        finally:
            # End the body's generator now, not whenever it is collected: the proxy may read the body again.
            if not finished and isinstance(body, AsyncGenerator):
                await body.aclose()
        if chunked:
            connection.write(b"0\r\n\r\n")
        return True

    async def _acquire(self) -> _Connection:
        connection = self._take_idle()
        if connection is not None:
            return connection
        try:
            async with asyncio.timeout(self.connect_timeout):  # the wait for a free place counts too
                while self._open >= self.limit:
                    waiter = self.loop.create_future()
                    self._waiters.append(waiter)
                    try:
                        await waiter
                    finally:
                        if not waiter.done() or waiter.cancelled():
                            self._remove_waiter(waiter)
                    if (connection := self._take_idle()) is not None:
                        return connection
                self._open += 1
                try:
                    _, connection = await self.loop.create_connection(
                        lambda: _Connection(self), self.host, self.port, ssl=self.ssl)
                except BaseException:
                    self._open -= 1
                    self._wake_one()
                    raise
        except TimeoutError:
            raise ConnectFailed(f"no connection to {self.host}:{self.port} within {self.connect_timeout} s") from None
        except OSError as exc:
            raise ConnectFailed(f"cannot connect to {self.host}:{self.port}: {exc}") from exc
        return connection

    def _take_idle(self) -> _Connection | None:
        now = self.loop.time()
        while self._idle:
            connection = self._idle.pop()  # the most recently used: the least likely to have been closed
            if not connection.closed and now - connection.idle_since < self.keepalive_seconds:
                connection.reused = True
                return connection
            connection.close()
        return None

    def _remove_waiter(self, waiter: asyncio.Future[None]) -> None:
        try:
            self._waiters.remove(waiter)
        except ValueError:
            pass

    def _wake_one(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return

    def release(self, connection: _Connection) -> None:
        if (connection.closed or not connection.keep_alive or not connection.body_sent or self._closing
                or not connection._counted):
            connection.close()
            return
        connection._parser = None
        connection.idle_since = self.loop.time()
        self._idle.append(connection)
        if self._sweeper is None:
            self._sweeper = self.loop.call_later(self.keepalive_seconds, self._sweep)
        self._wake_one()

    def forget(self, connection: _Connection) -> None:
        """The connection is closed or closing: it no longer counts against the limit."""
        if connection._counted:
            connection._counted = False
            self._open -= 1
            if connection in self._idle:
                self._idle.remove(connection)
            self._wake_one()

    def _sweep(self) -> None:
        """Closes connections idle longer than the keep-alive time, so neither side holds them for nothing."""
        self._sweeper = None
        now = self.loop.time()
        for connection in [c for c in self._idle if now - c.idle_since >= self.keepalive_seconds]:
            connection.close()
        if self._idle:
            oldest = min(c.idle_since for c in self._idle)
            self._sweeper = self.loop.call_later(max(oldest + self.keepalive_seconds - now, 0.05), self._sweep)

    @property
    def idle_connections(self) -> int:
        return len(self._idle)

    @property
    def open_connections(self) -> int:
        return self._open

    async def close(self) -> None:
        self._closing = True
        if self._sweeper is not None:
            self._sweeper.cancel()
            self._sweeper = None
        for connection in list(self._idle):
            connection.close()
