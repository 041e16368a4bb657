"""Bodies pass through the gateway as they flow, checked by behaviour: each test deadlocks (and fails on its
bounded wait) if the gateway held a whole body before passing it on.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import random
from collections.abc import AsyncIterator

from tests.gateway.conftest import StartGateway, UpstreamApp, new_probe, within


async def test_upload_reaches_the_service_before_it_is_complete(
    start_gateway: StartGateway, upstream: UpstreamApp
) -> None:
    client = await start_gateway({"evidence": upstream.url})
    probe = new_probe()

    async def body() -> AsyncIterator[bytes]:
        yield b"a" * 1000
        await within(upstream.signals[probe].wait(), 10,
                     "the service never saw the first chunk while the client held back the rest (buffered upload?)")
        yield b"b" * 1000

    response = await client.post("/api/evidence/sink", params={"probe": probe}, content=body())

    assert response.status_code == 200
    received = response.json()
    assert received["bytes"] == 2000
    assert received["sha256"] == hashlib.sha256(b"a" * 1000 + b"b" * 1000).hexdigest()
    assert received["transfer_encoding"] == "chunked"


async def test_client_leaving_an_upload_aborts_the_service_request(
    start_gateway: StartGateway, upstream: UpstreamApp
) -> None:
    client = await start_gateway({"evidence": upstream.url})
    probe = new_probe()
    _, writer = await asyncio.open_connection(client.base_url.host, client.base_url.port)
    writer.write(
        f"POST /api/evidence/sink?probe={probe} HTTP/1.1\r\nHost: gw\r\nContent-Length: 1000000\r\n\r\n".encode()
        + b"x" * 1000
    )
    await writer.drain()
    await within(upstream.signals[probe].wait(), 10, "the service never saw the start of the upload")

    writer.close()  # the phone lost its connection

    await within(upstream.signals[f"{probe}:aborted"].wait(), 10,
                 "the service kept waiting for the rest of an upload whose client had left")


async def test_service_that_stops_reading_an_upload_is_504(
    start_gateway: StartGateway, upstream: UpstreamApp
) -> None:
    # The gateway's side of an upload is timed per write: a phone may be slow, a service that stops reading
    # (its storage hung) must not hold the upload, the connection and the phone forever.
    client = await start_gateway({"evidence": upstream.url}, upstream_write_timeout_seconds=0.5)
    probe, size = new_probe(), 40_000_000  # far more than the socket buffers between gateway and service hold
    reader, writer = await asyncio.open_connection(client.base_url.host, client.base_url.port)
    writer.write(f"POST /api/evidence/stall?probe={probe} HTTP/1.1\r\nHost: gw\r\n"
                 f"Content-Type: application/octet-stream\r\nContent-Length: {size}\r\n\r\n".encode())

    async def upload() -> None:
        with contextlib.suppress(ConnectionError):
            for _ in range(size // 1_000_000):
                writer.write(b"x" * 1_000_000)
                await writer.drain()

    sending = asyncio.create_task(upload())
    try:
        await within(upstream.signals[f"{probe}:entered"].wait(), 10, "the upload never reached the service")
        status = await within(reader.readline(), 20, "the gateway kept waiting for a service that stopped reading")
    finally:
        upstream.signals[probe].set()
        sending.cancel()
        writer.close()

    assert status.startswith(b"HTTP/1.1 504 "), status


async def test_large_upload_arrives_intact(start_gateway: StartGateway, upstream: UpstreamApp) -> None:
    chunk_size, chunks = 1 << 20, 200
    # Larger than the default upload limit on purpose: streaming is what is tested here, not the limit.
    client = await start_gateway({"evidence": upstream.url}, max_upload_body_bytes=chunk_size * chunks)
    block = random.Random(4725).randbytes(chunk_size)
    sent = hashlib.sha256()

    async def body() -> AsyncIterator[bytes]:
        for i in range(chunks):
            chunk = i.to_bytes(8, "big") + block[8:]  # every chunk differs: lost or repeated ones change the hash
            sent.update(chunk)
            yield chunk

    response = await client.put(
        "/api/evidence/sink", content=body(),
        headers={"content-length": str(chunk_size * chunks), "content-type": "application/octet-stream"},
    )

    assert response.status_code == 200
    received = response.json()
    assert received["bytes"] == chunk_size * chunks
    assert received["sha256"] == sent.hexdigest()
    # The client's length travels on, so the service can refuse an oversized upload before reading it.
    assert received["content_length"] == str(chunk_size * chunks)
    assert received["transfer_encoding"] is None


async def test_download_reaches_the_client_before_it_is_complete(
    start_gateway: StartGateway, upstream: UpstreamApp
) -> None:
    client = await start_gateway({"evidence": upstream.url})
    probe = new_probe()

    async with client.stream("GET", "/api/evidence/download", params={"probe": probe}) as response:
        chunks = response.aiter_raw()
        first = await within(anext(chunks), 5, "the first chunk never reached the client (buffered download?)")
        upstream.signals[probe].set()
        rest = b"".join([chunk async for chunk in chunks])

    assert first == b"first chunk\n"
    assert rest == b"second chunk\n"


async def test_client_leaving_a_download_stops_the_service_stream(
    start_gateway: StartGateway, upstream: UpstreamApp
) -> None:
    client = await start_gateway({"evidence": upstream.url})
    probe = new_probe()

    async with client.stream("GET", "/api/evidence/endless", params={"probe": probe}) as response:
        await anext(response.aiter_raw())
    # Leaving the block closed the client's connection mid-body.

    await within(upstream.signals[probe].wait(), 10, "the service kept streaming after the client left")
