"""Compressed answers: the SPA's precompressed copies for static files, gzip for JSON answers of the API."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import brotli
import httpx
import pytest

from gateway.compression import preferred_encoding
from tests.gateway.conftest import StartGateway, UpstreamApp

APP_JS = b"export const greeting = 'Xin ch\xc3\xa0o EduDX';\n" * 200
INDEX = b"<!doctype html><title>EduDX</title>" + b"<!-- shell -->" * 100


@pytest.fixture
async def client(tmp_path: Path, start_gateway: StartGateway, upstream: UpstreamApp) -> httpx.AsyncClient:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    for name, content in (("index.html", INDEX), ("assets/app-3f9a1c.js", APP_JS)):
        (dist / name).write_bytes(content)
        (dist / f"{name}.gz").write_bytes(gzip.compress(content))
        (dist / f"{name}.br").write_bytes(brotli.compress(content))
    (dist / "assets" / "logo-1a2b.png").write_bytes(b"\x89PNG not compressed")
    return await start_gateway({"identity": upstream.url}, spa_dir=str(dist))


@pytest.mark.parametrize(("accept", "expected"), [
    ("gzip, deflate, br, zstd", "br"),
    ("gzip, deflate", "gzip"),
    ("br;q=0.5, gzip", "gzip"),
    ("br;q=0, gzip;q=0", None),
    ("*", "br"),
    ("*;q=0.1, br;q=0", "gzip"),
    ("identity", None),
    ("", None),
    ("gzip;q=nonsense, br", "br"),
])
def test_the_best_accepted_coding_is_chosen(accept: str, expected: str | None) -> None:
    assert preferred_encoding(accept) == expected


def varies_on_encoding(response: httpx.Response) -> bool:
    """`Vary` names Accept-Encoding (CORS adds Origin beside it)."""
    return "accept-encoding" in [v.strip().lower() for v in response.headers.get("vary", "").split(",")]


async def _raw(client: httpx.AsyncClient, path: str, accept: str, *, body: bytes | None = None
               ) -> tuple[httpx.Response, bytes]:
    """The answer and its bytes as sent, not decoded (httpx would undo the coding)."""
    request = client.build_request("POST" if body else "GET", path, content=body,
                                   headers={"accept-encoding": accept, "content-type": "application/json"})
    response = await client.send(request, stream=True)
    raw = b"".join([chunk async for chunk in response.aiter_raw()])
    await response.aclose()
    return response, raw


@pytest.mark.parametrize(("path", "content", "cache"), [
    ("/assets/app-3f9a1c.js", APP_JS, "public, max-age=31536000, immutable"),
    ("/", INDEX, "no-cache"),
    ("/campaigns/7", INDEX, "no-cache"),  # a client-side route gets the index, compressed too
])
async def test_static_files_come_in_the_best_accepted_coding(client: httpx.AsyncClient, path: str, content: bytes,
                                                            cache: str) -> None:
    br = await client.get(path, headers={"accept-encoding": "gzip, br"})
    gz = await client.get(path, headers={"accept-encoding": "gzip"})
    plain = await client.get(path, headers={"accept-encoding": "identity"})

    assert (br.headers["content-encoding"], br.content) == ("br", content)  # decoded by httpx from Brotli
    assert (gz.headers["content-encoding"], gz.content) == ("gzip", content)
    assert "content-encoding" not in plain.headers and plain.content == content
    for response in (br, gz, plain):
        assert varies_on_encoding(response)
        assert response.headers["cache-control"] == cache
        assert response.headers["content-type"].split(";")[0] in ("text/javascript", "text/html")
    assert int(br.headers["content-length"]) < int(gz.headers["content-length"]) < len(content)
    # Each representation its own validator: a cache never answers a gzip client with Brotli.
    assert len({br.headers["etag"], gz.headers["etag"], plain.headers["etag"]}) == 3
    again = await client.get(path, headers={"accept-encoding": "gzip, br", "if-none-match": br.headers["etag"]})
    assert (again.status_code, again.headers["content-encoding"]) == (304, "br") and varies_on_encoding(again)


async def test_files_without_copies_are_sent_as_they_are(client: httpx.AsyncClient) -> None:
    logo = await client.get("/assets/logo-1a2b.png", headers={"accept-encoding": "gzip, br"})

    assert logo.status_code == 200 and "content-encoding" not in logo.headers and not varies_on_encoding(logo)


async def test_json_answers_over_a_kilobyte_are_gzipped(client: httpx.AsyncClient) -> None:
    big = "x" * 3000
    compressed, compressed_bytes = await _raw(client, f"/api/identity/echo?pad={big}", "gzip, deflate, br")
    plain, plain_bytes = await _raw(client, f"/api/identity/echo?pad={big}", "identity")
    small, small_bytes = await _raw(client, "/api/identity/echo", "gzip")

    assert compressed.headers["content-encoding"] == "gzip"
    assert varies_on_encoding(compressed)
    assert int(compressed.headers["content-length"]) == len(compressed_bytes) < 1000
    assert json.loads(gzip.decompress(compressed_bytes))["query"] == f"pad={big}"
    assert "content-encoding" not in plain.headers and varies_on_encoding(plain)
    assert json.loads(plain_bytes)["query"] == f"pad={big}"
    assert "content-encoding" not in small.headers and json.loads(small_bytes)["method"] == "GET"


async def test_answers_already_encoded_or_streamed_are_left_alone(client: httpx.AsyncClient,
                                                                 upstream: UpstreamApp) -> None:
    _, encoded = await _raw(client, "/api/identity/gzip", "gzip")
    # Over 256 KB the proxy streams the answer: it is never held whole to compress it.
    streamed, streamed_bytes = await _raw(client, "/api/identity/echo", "gzip", body=b'"' + b"y" * 300_000 + b'"')

    assert encoded == upstream.gzip_body  # not gzipped twice
    assert "content-encoding" not in streamed.headers
    assert len(json.loads(streamed_bytes)["body"]) == 300_002


async def test_json_compression_can_be_turned_off(start_gateway: StartGateway, upstream: UpstreamApp) -> None:
    client = await start_gateway({"identity": upstream.url}, compress_json_min_bytes=0)

    answer, _ = await _raw(client, f"/api/identity/echo?pad={'x' * 3000}", "gzip")

    assert "content-encoding" not in answer.headers


async def test_scripts_and_styles_carry_no_document_policy(client: httpx.AsyncClient) -> None:
    """CSP and X-Frame-Options act on documents only; a script (nosniff) never is one. The index keeps them."""
    script = await client.get("/assets/app-3f9a1c.js")
    index = await client.get("/")
    logo = await client.get("/assets/logo-1a2b.png")

    assert script.headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" not in script.headers and "x-frame-options" not in script.headers
    for document_or_other in (index, logo):
        assert "script-src 'self'" in document_or_other.headers["content-security-policy"]
        assert document_or_other.headers["x-frame-options"] == "DENY"
