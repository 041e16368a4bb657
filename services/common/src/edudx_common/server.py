"""How every EduDX process serves HTTP: uvicorn with its httptools protocol, plus request-head limits.

uvicorn bounds neither the size of a request's head (an 8 MB header was accepted) nor the time a client may
take to send it (a connection sending one header byte at a time stayed open for minutes). `LimitedHttpTools`
answers 431 to a head over `EDUDX_MAX_HEADER_BYTES` (default 64 KiB) and 408 to a head not complete within
`EDUDX_HEADER_TIMEOUT_SECONDS` (default 10 s) of its first byte, then closes the connection. Bodies are timed
by the application (edudx_common.hardening), which knows when it is waiting for one.

It also writes a response's head and the start of its body to the socket together (`HeadWithBody`): uvicorn writes
them separately, two system calls and two wake-ups of the client for every small answer. And it hands a request's
body to the application as the parser gave it when nothing else is waiting (`on_body`): uvicorn appends every
piece to a bytearray and copies that again into bytes, two copies of every byte of every upload. And the event loop
reads into a buffer of ours, 1 MiB at a time (`BufferedHttpTools`), instead of copying each 256 KB read into new
bytes: one copy less again, and a quarter of the passes through the parser and the application per upload.

Run as `python -m edudx_common.server <uvicorn arguments>`: the uvicorn command line with this protocol.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import threading
from collections.abc import Sequence
from typing import Any

from uvicorn.protocols.http.flow_control import HIGH_WATER_LIMIT
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

PROTOCOL = "edudx_common.server:BufferedHttpTools"
DEFAULT_MAX_HEADER_BYTES = 64 * 1024
DEFAULT_HEADER_TIMEOUT_SECONDS = 10.0


def _refusal(status: int, reason: str, code: str, title: str) -> bytes:
    body = json.dumps({"type": f"https://edudx.vn/problems/{code}", "title": title, "status": status,
                       "code": code}, ensure_ascii=False).encode()
    return (f"HTTP/1.1 {status} {reason}\r\ncontent-type: application/problem+json\r\n"
            f"content-length: {len(body)}\r\nconnection: close\r\n\r\n").encode() + body


TOO_LARGE = _refusal(431, "Request Header Fields Too Large", "headers_too_large",
                     "Phần đầu yêu cầu (header) quá lớn")
TOO_SLOW = _refusal(408, "Request Timeout", "request_timeout", "Gửi yêu cầu quá chậm, kết nối đã bị đóng")


class HeadTooLarge(Exception):
    """Raised inside the parser's callbacks to stop it at a head over the limit."""


class HeadWithBody:
    """The connection as one request's cycle writes to it: the response head is held back until the first body
    write, then both go out in one `write` (one system call, one packet for a small answer, as nginx does).

    A head is never held past the current turn of the event loop: if the body is not written in the same turn
    (a streamed answer whose first chunk is still to come), the head is sent on its own then, as before.
    Everything but `write` and `close` is the transport's own.
    """

    __slots__ = ("_held", "_loop", "_transport")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._held: bytes | None = None

    def write(self, data: bytes) -> None:
        held = self._held
        if held is not None:
            self._held = None
            self._transport.write(held + data)
        elif isinstance(data, bytes) and data.startswith(b"HTTP/1.1 ") and not data.startswith(b"HTTP/1.1 100 "):
            self._held = data
            self._loop.call_soon(self.flush)
        else:
            self._transport.write(data)

    def flush(self) -> None:
        if self._held is not None:
            held, self._held = self._held, None
            if not self._transport.is_closing():
                self._transport.write(held)

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class LimitedHttpTools(HttpToolsProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_header_bytes = int(os.environ.get("EDUDX_MAX_HEADER_BYTES", DEFAULT_MAX_HEADER_BYTES))
        self.header_timeout = float(os.environ.get("EDUDX_HEADER_TIMEOUT_SECONDS", DEFAULT_HEADER_TIMEOUT_SECONDS))
        self._in_head = True  # between requests and while a head arrives; False while a body arrives
        self._head_bytes = 0
        self._heads_ended = 0  # heads completed during the read being parsed
        self._parsed_head_bytes = 0  # URL and headers of the head being parsed, as the parser reports them
        self._head_too_large = False
        self._head_timer: asyncio.TimerHandle | None = None
        self._refused = False

    def data_received(self, data: bytes | memoryview) -> None:
        # One read holds whatever the client had sent (up to READ_BYTES): a short head is often followed in the same
        # read by the start of its body, so a read is not a measure of the head. Two counts: the parser's own (the
        # URL and each header as it parses them, `_count_head`) sees a head that ends inside the read; the reads
        # of a head still unfinished after them are counted whole (the parser keeps a half-received header in
        # memory, so a slow giant header must be stopped by reads). Counting every read whole refused every
        # upload whose first read was over the limit.
        if self._refused:
            return
        began_in_head = self._in_head
        if began_in_head and self._head_timer is None:
            self._head_timer = self.loop.call_later(self.header_timeout, self._refuse, TOO_SLOW)
        self._heads_ended = 0
        super().data_received(data)  # type: ignore[arg-type]  # httptools parses any buffer
        # Only a read that was all head: one that ended a body and began the next head is not counted either.
        if began_in_head and self._in_head and not self._heads_ended and not self._refused:
            self._head_bytes += len(data)
            if self._head_bytes > self.max_header_bytes:
                self._refuse(TOO_LARGE)

    def on_url(self, url: bytes) -> None:
        self._count_head(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        # Called for every header of every request: the count and uvicorn's own `on_header` (uvicorn 0.54) in one
        # call instead of three.
        self._parsed_head_bytes += len(name) + len(value) + 4  # ": " and CRLF
        if self._parsed_head_bytes > self.max_header_bytes:
            self._head_too_large = True
            raise HeadTooLarge()
        name = name.lower()
        if name == b"expect" and value.lower() == b"100-continue":
            self.expect_100_continue = True
        self.headers.append((name, value))

    def on_body(self, body: bytes) -> None:
        # uvicorn 0.54's `on_body` does `cycle.body += body` (a bytearray) and `receive` hands the app
        # `bytes(cycle.body)`. When the cycle holds nothing yet, holding the parser's bytes object itself is the
        # same for `receive` (`bytes()` of a bytes object is that object) without either copy; a piece arriving
        # before the app took the last is appended by uvicorn as before (`+=` on bytes makes new bytes).
        cycle = self.cycle
        if cycle is None or cycle.body or cycle.response_complete or self.parser.should_upgrade():
            super().on_body(body)
            return
        cycle.body = body  # type: ignore[assignment]
        if len(body) > HIGH_WATER_LIMIT:
            self.flow.pause_reading()
        cycle.message_event.set()

    def _count_head(self, size: int) -> None:
        self._parsed_head_bytes += size
        if self._parsed_head_bytes > self.max_header_bytes:
            self._head_too_large = True
            raise HeadTooLarge()  # stops the parser; uvicorn then answers through send_400_response

    def send_400_response(self, msg: str) -> None:
        if self._head_too_large:
            self._refuse(TOO_LARGE)
            return
        super().send_400_response(msg)

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._heads_ended += 1
        self._cancel_timer()
        previous = self.cycle
        super().on_headers_complete()
        if self.cycle is not previous and self.cycle is not None:
            self.cycle.transport = HeadWithBody(self.transport, self.loop)  # type: ignore[assignment]

    def on_message_complete(self) -> None:
        # What follows on this connection is the next request's head.
        self._in_head, self._head_bytes, self._parsed_head_bytes = True, 0, 0
        super().on_message_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_timer()
        super().connection_lost(exc)

    def _cancel_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _refuse(self, answer: bytes) -> None:
        self._head_timer = None
        if self._refused or self.transport.is_closing() or not self._in_head:
            return
        self._refused = True
        self.transport.write(answer)
        self.transport.close()


# Bytes read from a socket at once (uvloop's own reads are 256 KB): each read costs the parser, the application's
# `receive` and, in evidence, the multipart parser one pass of Python, so an upload of 200 MB is 200 passes, not 800.
READ_BYTES = 1024 * 1024
_read_buffers = threading.local()


def _read_buffer() -> memoryview:
    """This thread's read buffer. One per thread, not per connection (an idle keep-alive connection holds none):
    the event loop reads into it and hands it to the parser at once, and the parser copies out what it keeps (the
    URL, each header, each piece of body), so the next read, whichever connection it is for, may overwrite it.
    Per thread because tests run several servers, each its own loop, in threads of one process."""
    buffer: memoryview | None = getattr(_read_buffers, "buffer", None)
    if buffer is None:
        buffer = _read_buffers.buffer = memoryview(bytearray(READ_BYTES))
    return buffer


class BufferedHttpTools(asyncio.BufferedProtocol):
    """`LimitedHttpTools` reading into a buffer it owns: with a plain protocol the event loop reads into its own
    buffer and copies each read into a new bytes object for `data_received` (uvloop: 256 KB at a time, every
    byte of every upload copied once more than needed). uvicorn gets this class as its protocol; all it does with
    it is create it, and everything else goes to the `LimitedHttpTools` inside (which registers itself as the
    server's connection)."""

    __slots__ = ("_buffer", "http")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.http = LimitedHttpTools(*args, **kwargs)
        self._buffer = _read_buffer()  # created in the loop's thread: that thread's buffer, not a copy

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.http.connection_made(transport)  # type: ignore[arg-type]

    def get_buffer(self, sizehint: int) -> memoryview:
        return self._buffer

    def buffer_updated(self, nbytes: int) -> None:
        self.http.data_received(self._buffer[:nbytes])

    def eof_received(self) -> None:
        self.http.eof_received()  # uvicorn's returns nothing: the transport closes

    def connection_lost(self, exc: Exception | None) -> None:
        self.http.connection_lost(exc)

    def pause_writing(self) -> None:
        self.http.pause_writing()

    def resume_writing(self) -> None:
        self.http.resume_writing()


def command(factory: str, *, port: int, host: str = "127.0.0.1", options: Sequence[str] = (),
            python: str = sys.executable) -> list[str]:
    """The command line serving `factory` (`module:create_app`) as every EduDX process is served (this module, so
    this protocol). Launch scripts, benches and tests build their commands here: a bench that started plain
    `uvicorn` measured uvicorn's protocol, with its two extra copies of every uploaded byte, not what ships."""
    return [python, "-m", "edudx_common.server", "--factory", factory, "--host", host, "--port", str(port), *options]


def main(argv: list[str] | None = None) -> None:
    import click
    from uvicorn.main import main as uvicorn_main

    for param in uvicorn_main.params:
        if param.name == "http" and isinstance(param.type, click.Choice):
            param.type = click.Choice([*param.type.choices, PROTOCOL])
    args = list(sys.argv[1:] if argv is None else argv)
    if "--http" not in args:
        args = ["--http", PROTOCOL, *args]
    uvicorn_main.main(args=args, prog_name="uvicorn")


if __name__ == "__main__":
    main()
