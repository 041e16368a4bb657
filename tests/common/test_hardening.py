"""The ASGI layers every service app gets from create_service_app, on a real uvicorn server."""

from __future__ import annotations

import asyncio
import http.client
import json
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from types import SimpleNamespace

import pytest
from fastapi import APIRouter, FastAPI, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from edudx_common.app import create_service_app
from edudx_common.pagination import Page, PageParamsDep
from edudx_common.types import FiniteFloat, SingleLine
from tests.servers import serve

router = APIRouter()


class Score(BaseModel):
    title: SingleLine
    points: FiniteFloat


@router.get("/boom")
async def boom() -> None:
    raise RuntimeError("a bug")


@router.post("/scores")
async def save_score(body: Score) -> Score:
    return body


@router.get("/items", response_model=Page[int])
async def list_items(page: PageParamsDep) -> Page[int]:
    return Page[int](items=[], total=0, limit=page.limit, offset=page.offset)


@router.get("/slow-download")
async def slow_download() -> StreamingResponse:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(4):  # 2 s in all, longer than the 1 s body read timeout
            await asyncio.sleep(0.5)
            yield b"x"

    return StreamingResponse(chunks())


@router.get("/cached")
async def cached(response: Response) -> dict[str, bool]:
    response.headers["Cache-Control"] = "public, max-age=60"
    return {"ok": True}


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.settings = SimpleNamespace(max_json_body_bytes=10_000, body_read_timeout_seconds=1.0)
    app.state.readiness_checks = {}
    yield


@pytest.fixture(scope="module")
def base() -> Iterator[tuple[str, int]]:
    app = create_service_app(name="probe", title="Probe", description="", version="1", routers=[router],
                             lifespan=_lifespan)
    with serve(app) as url:
        host, port = url.removeprefix("http://").split(":")
        yield host, int(port)


def _call(conn: http.client.HTTPConnection, method: str, path: str, body: bytes | None = None,
          headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    conn.request(method, path, body=body, headers={"Content-Type": "application/json", **(headers or {})})
    response = conn.getresponse()
    payload = response.read()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, payload


def test_an_unexpected_error_is_a_complete_problem_and_the_connection_stays_usable(base: tuple[str, int]) -> None:
    conn = http.client.HTTPConnection(*base, timeout=10)
    status, headers, body = _call(conn, "GET", "/api/probe/boom", headers={"X-Request-ID": "req-boom-1"})
    socket_after_error = conn.sock
    assert status == 500
    assert headers["content-type"] == "application/problem+json"
    problem = json.loads(body)
    assert (problem["code"], problem["request_id"]) == ("internal_error", "req-boom-1")
    assert headers.get("connection", "").lower() != "close"
    status, _, _ = _call(conn, "POST", "/api/probe/scores", json.dumps({"title": "A", "points": 1}).encode())
    assert status == 200
    assert conn.sock is socket_after_error and conn.sock is not None  # the same keep-alive connection
    conn.close()


@pytest.mark.parametrize("points", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_numbers_are_422(base: tuple[str, int], points: str) -> None:
    conn = http.client.HTTPConnection(*base, timeout=10)
    status, _, body = _call(conn, "POST", "/api/probe/scores", f'{{"title": "A", "points": {points}}}'.encode())
    assert status == 422 and json.loads(body)["errors"][0]["field"] == "points"


@pytest.mark.parametrize("title", ["Đợt 1\r\nBcc: x@example.com", "a\tb", "a\x00b", "a\u2028b"])
def test_control_characters_in_a_single_line_field_are_422(base: tuple[str, int], title: str) -> None:
    conn = http.client.HTTPConnection(*base, timeout=10)
    status, _, body = _call(conn, "POST", "/api/probe/scores", json.dumps({"title": title, "points": 1}).encode())
    assert status == 422
    assert "một dòng" in json.loads(body)["errors"][0]["message"]


def test_a_single_line_field_is_trimmed(base: tuple[str, int]) -> None:
    conn = http.client.HTTPConnection(*base, timeout=10)
    status, _, body = _call(conn, "POST", "/api/probe/scores", json.dumps({"title": "  Đợt 1 ", "points": 1}).encode())
    assert status == 200 and json.loads(body)["title"] == "Đợt 1"


@pytest.mark.parametrize("offset", [str(2**63), str(10**7 + 1), "-1"])
def test_pagination_offset_out_of_range_is_422(base: tuple[str, int], offset: str) -> None:
    conn = http.client.HTTPConnection(*base, timeout=10)
    status, _, body = _call(conn, "GET", f"/api/probe/items?offset={offset}")
    assert status == 422 and json.loads(body)["errors"][0]["field"] == "offset"


def test_a_body_over_the_service_limit_is_413_declared_or_streamed(base: tuple[str, int]) -> None:
    big = json.dumps({"title": "x" * 20_000, "points": 1}).encode()
    conn = http.client.HTTPConnection(*base, timeout=10)
    status, _, body = _call(conn, "POST", "/api/probe/scores", big)
    assert status == 413 and json.loads(body)["code"] == "payload_too_large"
    conn = http.client.HTTPConnection(*base, timeout=10)
    conn.putrequest("POST", "/api/probe/scores")
    conn.putheader("Content-Type", "application/json")
    conn.putheader("Transfer-Encoding", "chunked")
    conn.endheaders()
    for start in range(0, len(big), 4096):
        piece = big[start:start + 4096]
        conn.send(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
    conn.send(b"0\r\n\r\n")
    response = conn.getresponse()
    assert response.status == 413 and json.loads(response.read())["code"] == "payload_too_large"


def test_api_answers_are_not_stored_unless_a_route_says_so(base: tuple[str, int]) -> None:
    conn = http.client.HTTPConnection(*base, timeout=10)
    _, plain, _ = _call(conn, "GET", "/api/probe/items")
    _, problem, _ = _call(conn, "GET", "/api/probe/boom")
    _, own, _ = _call(conn, "GET", "/api/probe/cached")
    assert plain["cache-control"] == "no-store"
    assert problem["cache-control"] == "no-store"
    assert own["cache-control"] == "public, max-age=60"


def test_a_trailing_slash_is_not_redirected(base: tuple[str, int]) -> None:
    conn = http.client.HTTPConnection(*base, timeout=10)
    status, headers, body = _call(conn, "GET", "/api/probe/items/")
    assert status == 404 and "location" not in headers
    assert json.loads(body)["code"] == "not_found"


def test_a_body_that_stalls_is_408_after_the_read_timeout(base: tuple[str, int]) -> None:
    conn = http.client.HTTPConnection(*base, timeout=10)
    conn.putrequest("POST", "/api/probe/scores")
    conn.putheader("Content-Type", "application/json")
    conn.putheader("Content-Length", "40")
    conn.endheaders()
    conn.send(b'{"title": "A",')  # and then nothing more
    started = time.monotonic()
    response = conn.getresponse()
    assert response.status == 408 and json.loads(response.read())["code"] == "request_timeout"
    assert time.monotonic() - started < 5


def test_a_long_download_is_not_cut_by_the_body_read_timeout(base: tuple[str, int]) -> None:
    conn = http.client.HTTPConnection(*base, timeout=10)
    conn.request("GET", "/api/probe/slow-download")
    response = conn.getresponse()
    assert response.status == 200 and response.read() == b"x" * 4
