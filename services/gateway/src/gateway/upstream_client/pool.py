"""The pool of connections to one service, and the answers it hands to the proxy."""

from __future__ import annotations

import asyncio
import collections
import ssl
from collections.abc import AsyncGenerator, AsyncIterable, AsyncIterator
from urllib.parse import urlsplit

from gateway.upstream_client.connection import ConnectFailed, Connection


class UpstreamAnswer:
    """A service's answer: status and headers at once, the body read whole or streamed. End with `release()` (the
    connection goes back to the pool when the answer was read to its end, else it is closed) or `close()`."""

    def __init__(self, pool: UpstreamPool, connection: Connection) -> None:
        self._pool = pool
        self._connection: Connection | None = connection
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
        self._idle: list[Connection] = []
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
            connection.request_sent(whole_body=body is None or await self._send_body(connection, body, chunked))
            while not connection.headers_done:
                await connection.wait()
            return UpstreamAnswer(self, connection)
        except BaseException:
            connection.close()
            raise

    async def _send_body(self, connection: Connection, body: AsyncIterable[bytes], chunked: bool) -> bool:
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

    async def _acquire(self) -> Connection:
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
                        self._new_connection, self.host, self.port, ssl=self.ssl)
                except BaseException:
                    self._open -= 1
                    self._wake_one()
                    raise
        except TimeoutError:
            raise ConnectFailed(f"no connection to {self.host}:{self.port} within {self.connect_timeout} s") from None
        except OSError as exc:
            raise ConnectFailed(f"cannot connect to {self.host}:{self.port}: {exc}") from exc
        return connection

    def _take_idle(self) -> Connection | None:
        now = self.loop.time()
        while self._idle:
            connection = self._idle.pop()  # the most recently used: the least likely to have been closed
            if not connection.closed and now - connection.idle_since < self.keepalive_seconds:
                connection.reused = True
                return connection
            connection.close()
        return None

    def _new_connection(self) -> Connection:
        return Connection(self.loop, read_timeout=self.read_timeout, write_timeout=self.write_timeout,
                          on_closed=self.forget)

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

    def release(self, connection: Connection) -> None:
        if (connection.closed or not connection.keep_alive or not connection.body_sent or self._closing
                or not connection.counted):
            connection.close()
            return
        connection.park()
        self._idle.append(connection)
        if self._sweeper is None:
            self._sweeper = self.loop.call_later(self.keepalive_seconds, self._sweep)
        self._wake_one()

    def forget(self, connection: Connection) -> None:
        """The connection is closed or closing: it no longer counts against the limit."""
        if connection.counted:
            connection.counted = False
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
