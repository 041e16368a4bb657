"""Gateway tests run over real HTTP: uvicorn serves the gateway and small test upstreams on 127.0.0.1 ports,
inside the test event loop, so an upstream and a test can signal each other with plain asyncio events.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import hashlib
import socket
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
import jwt
import pytest
import uvicorn
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from edudx_common.jwt import StaticKeys
from edudx_common.server import BufferedHttpTools
from gateway.config import Settings
from gateway.main import create_app

T = TypeVar("T")
ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield  # Ctrl-C belongs to pytest, not to the servers it starts


@contextlib.asynccontextmanager
async def serve(app: Any, **config: Any) -> AsyncIterator[str]:
    """Serve an ASGI app on a free 127.0.0.1 port for the duration of the block; yields its base URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    # The protocol every EduDX process is served with, unless a test asks for another.
    config.setdefault("http", BufferedHttpTools)
    server = _Server(uvicorn.Config(app, log_config=None, log_level="warning", timeout_graceful_shutdown=1, **config))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            if task.done():
                raise RuntimeError(f"server did not start: {task.exception()!r}")
            await asyncio.sleep(0.005)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        await task
        sock.close()


def closed_port_url() -> str:
    """A URL where nothing listens: connections are refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


async def within(awaitable: Awaitable[T], seconds: float, what: str) -> T:
    """Await with a bound, failing the test with a sentence instead of hanging it."""
    try:
        return await asyncio.wait_for(awaitable, seconds)
    except TimeoutError:
        raise AssertionError(f"{what} — nothing happened within {seconds} s") from None


def assert_problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert (body["status"], body["code"]) == (status, code)
    return body


def new_probe() -> str:
    return uuid.uuid4().hex


class UpstreamApp:
    """A small service for the gateway to talk to. Every route answers under any `/api/<svc>/` prefix.

    `signals[probe]` is how a test and a request handler wait for each other.
    """

    def __init__(self) -> None:
        self.url = ""
        self.signals: defaultdict[str, asyncio.Event] = defaultdict(asyncio.Event)
        self.openapi: dict[str, dict[str, Any]] = {}
        self.openapi_fetches: Counter[str] = Counter()
        self.jwks: dict[str, Any] = {"keys": []}
        self.gzip_body = gzip.compress(b"EduDX minh chung " * 2000)
        self.app = Starlette(routes=[
            Route("/healthz", lambda _: PlainTextResponse("ok")),
            Route("/api/{svc}/.well-known/jwks.json", lambda _: JSONResponse(self.jwks)),
            Route("/api/{svc}/openapi.json", self.get_openapi),
            Route("/api/{svc}/sink", self.sink, methods=["POST", "PUT"]),
            Route("/api/{svc}/slow", self.slow),
            Route("/api/{svc}/stall", self.stall, methods=["POST"]),
            Route("/api/{svc}/gzip", lambda _: Response(self.gzip_body, headers={"content-encoding": "gzip"})),
            Route("/api/{svc}/download", self.download),
            Route("/api/{svc}/endless", self.endless),
            Route("/api/{svc}/{rest:path}", self.echo, methods=ALL_METHODS),
        ])

    async def echo(self, request: Request) -> Response:
        body = await request.body()
        response = JSONResponse(
            {
                "method": request.method,
                "raw_path": request.scope["raw_path"].decode(),
                "query": request.scope["query_string"].decode(),
                "headers": [[k.decode(), v.decode()] for k, v in request.headers.raw],
                "body": body.decode(),
            },
            status_code=int(request.query_params.get("status", "200")),
        )
        response.raw_headers += [
            (b"set-cookie", b"a=1; Path=/"),
            (b"set-cookie", b"b=2; Path=/"),
            (b"x-upstream", b"echo"),
            (b"keep-alive", b"timeout=5"),
            (b"proxy-authenticate", b"Basic"),
            (b"connection", b"x-hop"),
            (b"x-hop", b"only for the next hop"),
        ]
        return response

    async def sink(self, request: Request) -> Response:
        probe = request.query_params.get("probe")
        digest, size = hashlib.sha256(), 0
        try:
            async for chunk in request.stream():
                if chunk and size == 0 and probe:
                    self.signals[probe].set()
                size += len(chunk)
                digest.update(chunk)
        except ClientDisconnect:
            self.signals[f"{probe}:aborted"].set()
            return Response(status_code=499)
        return JSONResponse({
            "bytes": size,
            "sha256": digest.hexdigest(),
            "content_length": request.headers.get("content-length"),
            "transfer_encoding": request.headers.get("transfer-encoding"),
        })

    async def slow(self, request: Request) -> Response:
        deadline = time.monotonic() + float(request.query_params.get("seconds", "2"))
        while time.monotonic() < deadline:
            if await request.is_disconnected():  # the gateway gave up: stop, so shutdown has nothing to wait for
                return Response(status_code=499)
            await asyncio.sleep(0.02)
        return PlainTextResponse("late")

    async def stall(self, request: Request) -> Response:
        """Takes the request and never reads its body (storage behind the service hung), until told to stop."""
        probe = request.query_params["probe"]
        self.signals[f"{probe}:entered"].set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.signals[probe].wait(), 20)
        return PlainTextResponse("stalled")

    async def download(self, request: Request) -> Response:
        confirmed = self.signals[request.query_params["probe"]]

        async def body() -> AsyncIterator[bytes]:
            yield b"first chunk\n"
            try:
                await asyncio.wait_for(confirmed.wait(), 15)
            except TimeoutError:
                yield b"the client never confirmed the first chunk\n"
                return
            yield b"second chunk\n"

        return StreamingResponse(body(), media_type="text/plain")

    async def endless(self, request: Request) -> Response:
        stopped = self.signals[request.query_params["probe"]]

        async def body() -> AsyncIterator[bytes]:
            try:
                while True:
                    yield b"x" * 16_384
                    await asyncio.sleep(0.005)
            finally:
                stopped.set()

        return StreamingResponse(body(), media_type="application/octet-stream")

    async def get_openapi(self, request: Request) -> Response:
        svc = request.path_params["svc"]
        self.openapi_fetches[svc] += 1
        if svc not in self.openapi:
            return PlainTextResponse("no document", status_code=404)
        return JSONResponse(self.openapi[svc])


@pytest.fixture(scope="package")
async def upstream() -> AsyncIterator[UpstreamApp]:
    app = UpstreamApp()
    async with serve(app.app) as url:
        app.url = url
        yield app


@contextlib.asynccontextmanager
async def raw_upstream() -> AsyncIterator[str]:
    """A TCP server that breaks HTTP, chosen by the request path: `garbage`, `truncated` (a small body cut short),
    `truncated-large` (a body of 10 MB cut short after 1 MB), else hang up."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        path = head.split(b" ", 2)[1]
        if b"garbage" in path:
            writer.write(b"this is not HTTP at all\r\n\r\n")
        elif b"truncated-large" in path:
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: application/pdf\r\ncontent-length: 10000000\r\n\r\n"
                         + b"x" * 1_000_000)
        elif b"truncated" in path:
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 1000\r\n\r\n" + b"x" * 10)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    async with server:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_pem: bytes
    public_pem: bytes
    jwks: dict[str, Any]


def make_signing_key(kid: str = "test-key-1") -> SigningKey:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    public_jwk = {**RSAAlgorithm.to_jwk(private.public_key(), as_dict=True), "alg": "RS256", "kid": kid, "use": "sig"}
    return SigningKey(kid=kid, private_pem=private_pem, public_pem=public_pem, jwks={"keys": [public_jwk]})


@pytest.fixture(scope="package")
def signing_key() -> SigningKey:
    return make_signing_key()


def make_token(key: SigningKey, *, kid: str | None = None, **claims: Any) -> str:
    now = int(time.time())
    payload = {
        "sub": str(uuid.uuid4()), "kind": "user", "roles": ["school_it_officer"],
        "iss": "edudx-identity", "aud": "edudx", "iat": now, "exp": now + 300,
        **claims,
    }
    return jwt.encode(payload, key.private_pem.decode(), algorithm="RS256", headers={"kid": kid or key.kid})


def make_settings(services: dict[str, str], **overrides: Any) -> Settings:
    overrides.setdefault("spa_dir", "/nonexistent/edudx-spa")
    return Settings(services=services, environment="test", log_json=False, log_level="WARNING", **overrides)


StartGateway = Callable[..., Awaitable[httpx.AsyncClient]]


@pytest.fixture
async def start_gateway(signing_key: SigningKey) -> AsyncIterator[StartGateway]:
    """`await start_gateway({"files": url}, **settings)` → a client of a gateway running until the test ends.

    Tokens verify against `signing_key` unless `remote_jwks=True` (then the gateway fetches identity's JWKS).
    """
    async with contextlib.AsyncExitStack() as stack:

        async def start(services: dict[str, str], *, remote_jwks: bool = False, **overrides: Any) -> httpx.AsyncClient:
            app = create_app(
                make_settings(services, **overrides),
                key_source=None if remote_jwks else StaticKeys(signing_key.jwks),
            )
            # proxy_headers=False: X-Forwarded-For is judged by the gateway's own setting, as in production.
            url = await stack.enter_async_context(serve(app, proxy_headers=False))
            return await stack.enter_async_context(httpx.AsyncClient(base_url=url, timeout=30))

        yield start
