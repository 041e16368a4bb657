"""A pooled connection the service closed while idle is retried once, for every method; nothing else is."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest

from tests.gateway.conftest import StartGateway


@contextlib.asynccontextmanager
async def closing_upstream(handled: list[bytes]) -> AsyncIterator[str]:
    """Answers the first request on each connection (keep-alive) and hangs up on the next one unanswered,
    as a service does when its keep-alive timeout closes a connection the gateway is just reusing."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                           if line.lower().startswith(b"content-length:")), 0)
            body = await reader.readexactly(length)
            handled.append(head.split(b" ", 2)[0] + b" " + body)
            answer = b'{"ok": true}'
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: "
                         + str(len(answer)).encode() + b"\r\n\r\n" + answer)
            await writer.drain()
            await reader.readuntil(b"\r\n\r\n")  # the next request on this connection: never answered
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        yield f"http://127.0.0.1:{port}"


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE"])
async def test_a_request_on_a_stale_pooled_connection_is_sent_once_more(start_gateway: StartGateway,
                                                                        method: str) -> None:
    handled: list[bytes] = []
    async with closing_upstream(handled) as url:
        client = await start_gateway({"scoring": url})
        body = None if method in ("GET", "DELETE") else b'{"points": 1}'
        answers = [await client.request(method, "/api/scoring/sheets/x", content=body,
                                        headers={"content-type": "application/json"}) for _ in range(4)]

    assert [a.status_code for a in answers] == [200, 200, 200, 200], [a.text for a in answers]
    # each request reached the service exactly once, its body whole
    assert handled == [method.encode() + b" " + (body or b"")] * 4


async def test_a_connection_closed_on_a_fresh_connection_is_not_retried(start_gateway: StartGateway) -> None:
    attempts: list[int] = []

    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        attempts.append(1)
        await reader.readuntil(b"\r\n\r\n")
        writer.close()

    server = await asyncio.start_server(hang_up, "127.0.0.1", 0)
    async with server:
        client = await start_gateway({"scoring": f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"})
        answer = await client.post("/api/scoring/sheets/x", content=b"{}", headers={"content-type": "application/json"})

    assert answer.status_code == 502 and answer.json()["code"] == "bad_gateway"
    assert attempts == [1]


async def test_a_body_still_arriving_when_the_stale_connection_fails_reaches_the_service_whole(
        start_gateway: StartGateway) -> None:
    """The service hangs up the reused connection while the gateway waits for the client's body (a phone sends the
    head, then the body). The retry must still send the whole body: aiohttp abandons the first attempt's body
    reader, and a reader that ended the request's body stream with it sent the head again with no body — the
    service waited 30 s (408), then read the next request as the rest of this body (400)."""
    handled: list[bytes] = []
    body = b'{"points": 2, "note": "' + b"x" * 4000 + b'"}'

    async def late_body() -> AsyncIterator[bytes]:
        yield body[:100]  # the head and the start of the body go at once …
        await asyncio.sleep(0.5)  # … the rest of it later
        yield body[100:]

    async with closing_upstream(handled) as url:
        client = await start_gateway({"scoring": url})
        first = await client.post("/api/scoring/sheets/x", content=b"{}", headers={"content-type": "application/json"})
        second = await client.post("/api/scoring/sheets/x", content=late_body(),
                                   headers={"content-type": "application/json", "content-length": str(len(body))})
        third = await client.post("/api/scoring/sheets/x", content=b"{}", headers={"content-type": "application/json"})

    assert [first.status_code, second.status_code, third.status_code] == [200, 200, 200], second.text
    assert handled == [b"POST {}", b"POST " + body, b"POST {}"]
