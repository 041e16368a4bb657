"""The proxy's own HTTP/1.1 client (gateway.upstream_client), through the gateway: answers a service may send that
are not HTTP we relay, answers framed in each way HTTP/1.1 allows, the pool's limit and its idle timeout."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest

from tests.gateway.conftest import StartGateway, UpstreamApp, assert_problem, closed_port_url, within

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@contextlib.asynccontextmanager
async def tcp_service(handle: Handler) -> AsyncIterator[str]:
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    async with server:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"


def answering(answer: bytes, *, then_close: bool = True) -> Handler:
    """A service that reads one request head and writes `answer` as it is."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError):
            await reader.readuntil(b"\r\n\r\n")
            writer.write(answer)
            await writer.drain()
            if not then_close:
                await reader.read()
        writer.close()

    return handle


@pytest.mark.parametrize("answer", [
    pytest.param(b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-le", id="closed-mid-head"),
    pytest.param(b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
                 id="chunked-and-content-length"),
    pytest.param(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-length: 3\r\n\r\nabc", id="two-lengths"),
    pytest.param(b"HTTP/1.1 200 OK\r\nx-big: " + b"a" * 100_000 + b"\r\ncontent-length: 2\r\n\r\nok",
                 id="oversized-head"),
])
async def test_answers_we_do_not_relay_are_502(start_gateway: StartGateway, answer: bytes) -> None:
    # Two lengths, or a length and chunked encoding, are how request smuggling starts: refused, not guessed at.
    async with tcp_service(answering(answer)) as url:
        client = await start_gateway({"broken": url})

        response = await client.get("/api/broken/x")

    assert_problem(response, 502, "bad_gateway")


@pytest.mark.parametrize("answer, body", [
    (b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ntransfer-encoding: chunked\r\n\r\n"
     b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", b"hello world"),
    (b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\nuntil the connection closes", b"until the connection closes"),
    (b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\ncontent-length: 4\r\n\r\ndone", b"done"),
], ids=["chunked", "until-close", "after-interim-100"])
async def test_every_framing_of_an_answer_is_relayed(start_gateway: StartGateway, answer: bytes, body: bytes) -> None:
    async with tcp_service(answering(answer)) as url:
        client = await start_gateway({"svc": url})

        response = await client.get("/api/svc/x")

    assert response.status_code == (201 if b"Created" in answer else 200)
    assert response.content == body


async def test_an_early_answer_to_an_upload_is_relayed(start_gateway: StartGateway) -> None:
    """A service may refuse an upload from its head (too large) without reading the body: its answer reaches the
    client, and that connection, with an unread body on it, is not used again."""
    connections: list[int] = []

    async def refuse(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(1)
        with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError):
            await reader.readuntil(b"\r\n\r\n")
            problem = b'{"code": "payload_too_large"}'
            writer.write(b"HTTP/1.1 413 Payload Too Large\r\ncontent-type: application/problem+json\r\n"
                         b"content-length: %d\r\n\r\n%b" % (len(problem), problem))
            await writer.drain()
            await reader.read()  # what follows is body, never another request
        writer.close()

    async def body() -> AsyncIterator[bytes]:
        for _ in range(20):
            yield b"x" * 10_000
            await asyncio.sleep(0.01)

    async with tcp_service(refuse) as url:
        client = await start_gateway({"evidence": url})
        refused = await client.post("/api/evidence/files", content=body())
        again = await client.post("/api/evidence/files", content=b"small")

    assert (refused.status_code, refused.json()["code"]) == (413, "payload_too_large")
    assert again.status_code == 413
    assert len(connections) == 2


async def test_the_pool_keeps_to_its_limit(start_gateway: StartGateway) -> None:
    open_now, most = 0, 0

    async def slow(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal open_now, most
        open_now += 1
        most = max(most, open_now)
        with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError):
            while True:
                await reader.readuntil(b"\r\n\r\n")
                await asyncio.sleep(0.05)
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
                await writer.drain()
        open_now -= 1
        writer.close()

    async with tcp_service(slow) as url:
        client = await start_gateway({"svc": url}, upstream_max_connections=2)
        answers = await asyncio.gather(*(client.get(f"/api/svc/{i}") for i in range(8)))

    assert [a.text for a in answers] == ["ok"] * 8
    assert most == 2


async def test_idle_connections_are_closed_after_the_keepalive_time(start_gateway: StartGateway) -> None:
    closed = asyncio.Event()
    keep_open = answering(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok", then_close=False)

    async def watch(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await keep_open(reader, writer)  # returns when the gateway closes the connection
        closed.set()

    async with tcp_service(watch) as url:
        client = await start_gateway({"svc": url}, upstream_keepalive_seconds=0.2)
        assert (await client.get("/api/svc/x")).text == "ok"

        await within(closed.wait(), 10, "the gateway kept an idle connection past its keep-alive time")


async def test_the_environment_proxy_is_not_used(start_gateway: StartGateway, upstream: UpstreamApp,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """An HTTP(S)_PROXY meant for the host's outbound traffic must not capture the calls to the services."""
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.setenv(name, closed_port_url())
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    gateway = await start_gateway({"files": upstream.url})

    async with httpx.AsyncClient(base_url=gateway.base_url, trust_env=False) as client:  # the test's own calls
        response = await client.get("/api/files/items")

    assert response.status_code == 200
    assert response.json()["method"] == "GET"
