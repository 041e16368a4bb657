"""Request-head limits of the protocol every EduDX process serves with (edudx_common.server), and its writing of
a response's head together with its body."""

from __future__ import annotations

import asyncio
import hashlib
import random
import socket
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, StreamingResponse
from starlette.routing import Route

from edudx_common.server import HeadWithBody
from tests.servers import serve, wait_until_up
from tests.support import REPO, free_port


async def _slow_stream(_request: Request) -> StreamingResponse:
    async def chunks() -> AsyncIterator[bytes]:
        await asyncio.sleep(1.5)
        yield b"late"

    return StreamingResponse(chunks(), media_type="text/plain")


async def _digest(request: Request) -> PlainTextResponse:
    """The body as the application received it: its SHA-256 and length; `?slow=1` takes each piece late, so
    that pieces arrive while one is waiting."""
    digest, size = hashlib.sha256(), 0
    async for piece in request.stream():
        digest.update(piece)
        size += len(piece)
        if request.query_params.get("slow"):
            await asyncio.sleep(0.003)
    return PlainTextResponse(f"{digest.hexdigest()} {size}")


async def _tagged_digest(request: Request) -> PlainTextResponse:
    """`_digest` and the request's `X-Tag` header: which connection's head and body the application got."""
    answer = await _digest(request)
    return PlainTextResponse(f"{request.headers.get('x-tag', '')} {bytes(answer.body).decode()}")


app = Starlette(routes=[Route("/ping", lambda _: PlainTextResponse("pong"), methods=["GET", "POST"]),
                        Route("/slow-stream", _slow_stream), Route("/digest", _digest, methods=["POST"]),
                        Route("/tagged-digest", _tagged_digest, methods=["POST"])])


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    mp = pytest.MonkeyPatch()
    mp.setenv("EDUDX_HEADER_TIMEOUT_SECONDS", "1.5")
    mp.setenv("EDUDX_MAX_HEADER_BYTES", str(64 * 1024))
    chosen = free_port()
    with serve(app, port=chosen):
        yield chosen
    mp.undo()


def _read_all(sock: socket.socket, timeout: float = 10) -> bytes:
    sock.settimeout(timeout)
    data = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except (ConnectionResetError, TimeoutError):
            return data
        if not chunk:
            return data
        data += chunk


def test_an_8_mb_header_is_refused_with_431_and_the_connection_closed(port: int) -> None:
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(b"GET /ping HTTP/1.1\r\nHost: x\r\nX-Big: ")
        try:
            for _ in range(128):
                sock.sendall(b"a" * 65536)  # 8 MB in all, if the server kept reading
        except (BrokenPipeError, ConnectionResetError):
            pass
        answer = _read_all(sock)
    assert answer.startswith(b"HTTP/1.1 431 ")
    assert b'"code": "headers_too_large"' in answer


def test_a_slow_header_connection_is_closed_within_the_timeout(port: int) -> None:
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(b"GET /ping HTTP/1.1\r\n")
        closed_after = None
        try:
            for _ in range(20):  # one header byte every 0.3 s: 6 s if the server waited
                sock.sendall(b"X")
                time.sleep(0.3)
        except (BrokenPipeError, ConnectionResetError):
            closed_after = time.monotonic() - started
        answer = _read_all(sock, timeout=3)
        closed_after = closed_after or time.monotonic() - started
    assert answer.startswith(b"HTTP/1.1 408 ")
    assert closed_after < 5


def test_normal_requests_with_large_but_allowed_headers_pass_on_one_keep_alive_connection(port: int) -> None:
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.settimeout(5)
        for _ in range(3):
            sock.sendall(b"POST /ping HTTP/1.1\r\nHost: x\r\nCookie: " + b"c" * 30_000
                         + b"\r\nContent-Length: 5\r\n\r\nhello")
            answer = b""
            while b"pong" not in answer:
                answer += sock.recv(65536)
            assert answer.startswith(b"HTTP/1.1 200 ")


def test_a_short_head_arriving_with_a_large_body_in_one_read_passes(port: int) -> None:
    """Uploads: the client sends the head and the start of the body together, and one read of the server holds
    both. The limit is the head's: counting the read whole refused every upload through the gateway with 431
    (found by bench/deadline_day.py, whose 1–10 MB uploads all failed)."""
    body = b"%PDF-1.7\n" + b"x" * 200_000
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.settimeout(5)
        for _ in range(2):  # and the next request on the connection still has its own head counted
            sock.sendall(b"POST /ping HTTP/1.1\r\nHost: x\r\nContent-Type: application/pdf\r\n"
                         + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
            answer = b""
            while b"pong" not in answer and not answer.startswith(b"HTTP/1.1 4"):
                answer += sock.recv(65536)
            assert answer.startswith(b"HTTP/1.1 200 "), answer[:200]


def _answers(sock: socket.socket, count: int) -> list[bytes]:
    """The bodies of the next `count` answers (each with a Content-Length)."""
    data, bodies = b"", []
    while len(bodies) < count:
        head_end = data.find(b"\r\n\r\n")
        if head_end >= 0:
            length = int(data[:head_end].lower().split(b"content-length: ")[1].split(b"\r\n")[0])
            if len(data) >= head_end + 4 + length:
                bodies.append(data[head_end + 4:head_end + 4 + length])
                data = data[head_end + 4 + length:]
                continue
        chunk = sock.recv(65536)
        assert chunk, data
        data += chunk
    return bodies


@pytest.mark.parametrize("slow", [False, True], ids=["taken-at-once", "taken-late"])
def test_a_body_reaches_the_application_byte_for_byte_however_its_pieces_arrive(port: int, slow: bool) -> None:
    """The protocol hands a piece of body on without copying when nothing is waiting, and appends when pieces
    arrive before the application took the last: both must give the application exactly the bytes sent."""
    rng = random.Random(7)
    body = rng.randbytes(3_000_000)
    small = b"a" * 10
    query = "?slow=1" if slow else ""
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.settimeout(10)
        sock.sendall(f"POST /digest{query} HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body)}\r\n\r\n".encode())
        at = 0
        while at < len(body):  # pieces from 1 byte to 300 KB, some with a pause between them
            size = rng.choice([1, 700, 65_536, 300_000])
            sock.sendall(body[at:at + size])
            at += size
            if rng.random() < 0.1:
                time.sleep(0.002)
        # Then a chunked body and a small one, pipelined in one write with the head of the next.
        sock.sendall(f"POST /digest{query} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n".encode()
                     + b"".join(f"{len(p):x}\r\n".encode() + p + b"\r\n" for p in (body[:70_000], body[70_000:90_000]))
                     + b"0\r\n\r\n"
                     + f"POST /digest{query} HTTP/1.1\r\nHost: x\r\nContent-Length: {len(small)}\r\n\r\n".encode()
                     + small)
        answers = _answers(sock, 3)
    assert answers == [f"{hashlib.sha256(b).hexdigest()} {len(b)}".encode()
                       for b in (body, body[:90_000], small)]


@pytest.mark.parametrize("loop", ["uvloop", "asyncio"])
def test_connections_sending_at_once_each_get_their_own_head_and_body(loop: str) -> None:
    """Every connection of a process reads into one buffer (`BufferedHttpTools`): the next read, for whichever
    connection, overwrites it. Eight connections send at once, each its head in two pieces (a header cut in two)
    and its body in pieces of every size, interleaved by the scheduler: each application call must get its own
    header and exactly its own bytes. On uvloop, as deployed, and on asyncio's loop, whose reads differ."""
    chosen = free_port()
    answers: dict[int, bytes] = {}
    bodies = {number: random.Random(number).randbytes(1_500_000 + number * 1_000) for number in range(8)}

    def send(number: int) -> None:
        rng, body = random.Random(100 + number), bodies[number]
        with socket.create_connection(("127.0.0.1", chosen)) as sock:
            sock.settimeout(20)
            head = (f"POST /tagged-digest HTTP/1.1\r\nHost: x\r\nX-Tag: connection-{number}-"
                    f"{'t' * 200}\r\nContent-Length: {len(body)}\r\n\r\n").encode()
            sock.sendall(head[:40])
            time.sleep(0.01)
            sock.sendall(head[40:])
            at = 0
            while at < len(body):
                size = rng.choice([1, 4_000, 65_536, 300_000, 1_200_000])
                sock.sendall(body[at:at + size])
                at += size
                time.sleep(rng.choice([0, 0, 0.001]))
            answers[number] = _answers(sock, 1)[0]

    with serve(app, port=chosen, loop=loop):
        senders = [threading.Thread(target=send, args=(number,)) for number in bodies]
        for sender in senders:
            sender.start()
        for sender in senders:
            sender.join(timeout=60)
    assert answers == {number: f"connection-{number}-{'t' * 200} {hashlib.sha256(body).hexdigest()} "
                               f"{len(body)}".encode() for number, body in bodies.items()}


def test_a_head_over_the_limit_is_refused_even_when_it_ends_within_one_read(port: int) -> None:
    head = b"GET /ping HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 100_000 + b"\r\n\r\n"
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(head)
        answer = _read_all(sock)
    assert answer.startswith(b"HTTP/1.1 431 ")
    assert b"HTTP/1.1 400" not in answer and answer.count(b"HTTP/1.1") == 1


def test_the_launcher_serves_with_the_limits_in_every_worker() -> None:
    chosen = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "edudx_common.server", "tests.common.test_server_limits:app", "--host", "127.0.0.1",
         "--port", str(chosen), "--workers", "2", "--log-level", "warning"],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_up(f"http://127.0.0.1:{chosen}/ping", timeout=60)
        answers = []
        for _ in range(4):  # connections land on both workers
            with socket.create_connection(("127.0.0.1", chosen)) as sock:
                sock.sendall(b"GET /ping HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 200_000 + b"\r\n\r\n")
                answers.append(_read_all(sock)[:13])
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert answers == [b"HTTP/1.1 431 "] * 4


class RecordingTransport:
    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        self.writes.append(data)

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def get_extra_info(self, name: str) -> str:
        return f"info {name}"


async def test_a_head_goes_out_with_the_body_in_one_write() -> None:
    transport = RecordingTransport()
    connection = HeadWithBody(transport, asyncio.get_running_loop())  # type: ignore[arg-type]

    connection.write(b"HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\n")
    connection.write(b"pong")
    await asyncio.sleep(0)

    assert transport.writes == [b"HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\npong"]
    assert connection.get_extra_info("peername") == "info peername"  # the rest is the transport's


async def test_a_head_is_not_held_past_the_turn_nor_a_close_and_100_continue_is_not_held() -> None:
    transport = RecordingTransport()
    connection = HeadWithBody(transport, asyncio.get_running_loop())  # type: ignore[arg-type]

    connection.write(b"HTTP/1.1 100 Continue\r\n\r\n")
    assert transport.writes == [b"HTTP/1.1 100 Continue\r\n\r\n"]
    connection.write(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n")
    await asyncio.sleep(0)  # the body is not written in the same turn: the head goes alone
    assert transport.writes[-1] == b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n"

    connection.write(b"HTTP/1.1 500 Internal Server Error\r\ncontent-length: 9\r\n\r\n")
    connection.close()  # the app failed after starting its answer: the head still goes before the close
    assert transport.writes[-1].startswith(b"HTTP/1.1 500 ")
    assert transport.closed


def test_a_streamed_answer_s_head_arrives_before_its_first_chunk(port: int) -> None:
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(b"GET /slow-stream HTTP/1.1\r\nHost: x\r\n\r\n")
        sock.settimeout(1.0)  # the first chunk comes after 1.5 s
        head = sock.recv(65536)
        sock.settimeout(5)
        rest = b""
        while b"0\r\n\r\n" not in rest:
            rest += sock.recv(65536)
    assert head.startswith(b"HTTP/1.1 200 ")
    assert b"late" not in head
    assert b"late" in rest
