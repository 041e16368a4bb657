"""The reverse proxy: `/api/<service>/…` to that service, bodies streamed both ways and never held whole.

Uploads from phones on slow 4G and large evidence downloads pass through here, so the gateway's memory per
request stays at a few buffers whatever the body size.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import quote_from_bytes

import structlog
from fastapi import Request, Response
from starlette.requests import ClientDisconnect
from starlette.responses import StreamingResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from edudx_common.auth import get_optional_principal
from edudx_common.errors import NotFound
from edudx_common.logging import get_request_id
from gateway.checks import enforce_rate_limits, enforce_user_rate_limit, get_upstream
from gateway.config import Settings
from gateway.upstream_client import Disconnected, UpstreamAnswer, UpstreamError
from gateway.upstreams import upstream_problem

log = structlog.get_logger("edudx.gateway")

PROXY_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

# RFC 9110 §7.6.1: these describe one connection, not the message; every `Proxy-*` header too.
HOP_BY_HOP = frozenset({b"connection", b"keep-alive", b"te", b"trailer", b"transfer-encoding", b"upgrade"})
# Set here from what the gateway itself saw, never copied from the client.
_SET_BY_GATEWAY = frozenset({b"host", b"x-request-id", b"x-forwarded-for", b"x-forwarded-proto",
                             b"x-forwarded-host", b"forwarded"})
# The gateway's own server already answered any `Expect: 100-continue` while reading the body.
_REQUEST_ONLY_HERE = frozenset({b"expect"})
# The server sending our response writes its own Date and Server; relaying the service's would send two.
_RESPONSE_ONLY_HERE = frozenset({b"date", b"server"})
_NOT_FORWARDED = HOP_BY_HOP | _SET_BY_GATEWAY | _REQUEST_ONLY_HERE
_NOT_RETURNED = HOP_BY_HOP | _RESPONSE_ONLY_HERE
# Escapes the client already made and reserved characters are forwarded byte for byte.
_PATH_SAFE = "/%!$&'()*+,;=:@-._~"
_QUERY_SAFE = _PATH_SAFE + "?"

# Answers up to this size are relayed whole; larger ones, and those of unknown length, are streamed.
WHOLE_BODY_BYTES = 256 * 1024


async def proxy(request: Request) -> Response:
    """Forward the request unchanged to the service that owns the prefix and relay its answer.

    The checks run in order: unknown service (404), rate limits per address (429), then a token, when one is
    sent, must verify (401), then the user's rate limit (429). Requests without a token pass: each service
    decides what is public. A plain route, not one with FastAPI dependencies: every API request passes here,
    and solving the dependencies cost more than the checks themselves.
    """
    # FastAPI names only its own routes in the scope; the request metrics label each request by this template.
    request.scope["route"] = PROXY_ROUTE
    upstream = get_upstream(request.path_params["service"], request)
    await enforce_rate_limits(request)
    await enforce_user_rate_limit(request, await get_optional_principal(request))
    settings: Settings = request.app.state.settings
    if any(segment in (".", "..") for segment in request.scope["path"].split("/")):
        raise NotFound("Đường dẫn không hợp lệ.")
    body = _RequestBody(request) if _has_body(request) else None
    headers = _request_headers(request, trust_forwarded_for=settings.trust_forwarded_for)
    chunked = body is not None and "content-length" not in request.headers
    if chunked:
        headers.append((b"transfer-encoding", b"chunked"))
    method, target = request.method.encode(), _target(request.scope)
    for retry in (False, True):
        try:
            answer = await upstream.pool.request(method, target, headers, body.chunks() if body is not None else None,
                                                 chunked=chunked)
            break
        except Exception as exc:
            if body is not None and isinstance(body.failure, ClientDisconnect):
                # The client left mid-upload: nobody is waiting for an answer; 499 only shows in the request log.
                return Response(status_code=499)
            if body is not None and body.failure is not None:
                # Reading the client's body failed on our side (e.g. over its size limit: 413), not the service's.
                raise body.failure from None
            if not isinstance(exc, UpstreamError):
                raise
            if not retry and _stale_pooled_connection(exc, body):
                # The service had closed this kept-alive connection before we wrote on it (its idle timeout, a
                # restart): it received nothing it could act on, so sending again is safe whatever the method.
                log.info("upstream_retry_stale_connection", service=upstream.name, error=type(exc).__name__)
                continue
            log.warning("upstream_failed", service=upstream.name, error=type(exc).__name__, detail=str(exc))
            raise upstream_problem(exc, upstream.name) from exc
    if answer.arrived or (answer.content_length is not None and answer.content_length <= WHOLE_BODY_BYTES):
        return await _whole(answer, service=upstream.name)
    return UpstreamResponse(answer, service=upstream.name)


async def _whole(upstream: UpstreamAnswer, *, service: str) -> Response:
    """A small answer (most API answers) read whole, then sent. Streaming costs a task group per response in the
    server; a few kilobytes are not worth it. Nothing has reached the client yet, so a failure is a clean 502."""
    try:
        content = await upstream.read()
    except UpstreamError as exc:
        upstream.close()
        log.warning("upstream_failed", service=service, error=type(exc).__name__, detail=str(exc))
        raise upstream_problem(exc, service) from exc
    except BaseException:
        upstream.close()
        raise
    upstream.release()
    answer = Response(content, status_code=upstream.status)
    answer.raw_headers = _response_headers(upstream.raw_headers, status=upstream.status)
    return answer


def _stale_pooled_connection(exc: UpstreamError, body: _RequestBody | None) -> bool:
    """A reused pooled connection that the service closed before any answer, and a body we can send again."""
    return (isinstance(exc, Disconnected) and exc.reused and not exc.answered
            and (body is None or body.replayable))


# A plain Starlette route, added to the app's routes first (gateway.main).
PROXY_ROUTE = Route("/api/{service}/{path:path}", proxy, methods=PROXY_METHODS)


class _RequestBody:
    """The client's body as the upstream client pulls it, chunk by chunk, never held whole.

    Remembers why reading the client's body failed: the client left, or the body broke a limit of ours.

    The first `REPLAY_BYTES` sent are kept, so a request whose pooled connection turns out dead can be sent again
    (most API bodies are a few kilobytes); a larger body is not replayable and such a failure stays a 502.

    The client's body is read from the ASGI `receive` itself, not through `Request.stream()`: an attempt may end
    while its body reader waits (the connection broke), and a generator ended there is over for good — the retry then
    sent the head again with no body (the service waited, answered 408, and read the next request as the rest of this
    body). Each attempt gets its own `chunks()`, which goes on where the client's body is.
    """

    REPLAY_BYTES = 1024 * 1024

    def __init__(self, request: Request) -> None:
        self.failure: Exception | None = None
        self._receive = request.receive
        self._more = True  # the client has more of the body to send
        self._sent: list[bytes] = []
        self._sent_bytes = 0
        self.replayable = True

    def _remember(self, chunk: bytes) -> None:
        self._sent_bytes += len(chunk)
        if self._sent_bytes > self.REPLAY_BYTES:
            self.replayable, self._sent = False, []
        elif self.replayable:
            self._sent.append(chunk)

    async def chunks(self) -> AsyncIterator[bytes]:
        for chunk in list(self._sent):  # what an earlier attempt already took from the client
            yield chunk
        try:
            while self._more:
                chunk = await self._next_from_client()
                if chunk:
                    self._remember(chunk)
                    yield chunk
        except Exception as exc:
            self.failure = exc
            raise

    async def _next_from_client(self) -> bytes:
        message = await self._receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnect()
        self._more = bool(message.get("more_body", False))
        return bytes(message.get("body", b""))


class UpstreamResponse(StreamingResponse):
    """The service's answer relayed as it arrives: status, headers (repeated ones too) and the raw body bytes.

    Raw bytes: a gzip body stays gzip, its Content-Length stays true, and the gateway spends no CPU on it.
    """

    def __init__(self, upstream: UpstreamAnswer, *, service: str) -> None:
        super().__init__(upstream.chunks(), status_code=upstream.status)
        self.raw_headers = _response_headers(upstream.raw_headers, status=upstream.status)
        self._upstream = upstream
        self._service = service
        self._complete = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            # A complete answer gives its connection back to the pool. Otherwise (the client went away
            # mid-download, the service broke off) the connection is closed: the service must not keep sending
            # into a dead end, and a half-read connection cannot carry another request.
            if self._complete:
                self._upstream.release()
            else:
                self._upstream.close()

    async def stream_response(self, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        try:
            async for chunk in self.body_iterator:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        except UpstreamError as exc:
            # Status and headers are already with the client, so no problem document can follow. Returning
            # without the final body message makes the server drop the connection: the client sees a broken
            # body, never a complete-looking truncated one.
            log.warning("upstream_stream_broken", service=self._service, error=type(exc).__name__)
            return
        self._complete = True
        await send({"type": "http.response.body", "body": b"", "more_body": False})


def _target(scope: Scope) -> bytes:
    raw_path: bytes = scope.get("raw_path") or scope["path"].encode()
    target = quote_from_bytes(raw_path, safe=_PATH_SAFE)
    if query := scope.get("query_string"):
        target += "?" + quote_from_bytes(query, safe=_QUERY_SAFE)
    return target.encode("ascii")


def _has_body(request: Request) -> bool:
    # Without either header the request has no body; an empty streamed one would make the client announce
    # `Transfer-Encoding: chunked` on a GET.
    return "content-length" in request.headers or "transfer-encoding" in request.headers


def _request_headers(request: Request, *, trust_forwarded_for: bool) -> list[tuple[bytes, bytes]]:
    # From the raw scope, in one pass: Starlette's `request.headers` and `request.url` cost more than the copying.
    scope = request.scope
    raw: list[tuple[bytes, bytes]] = scope["headers"]
    host = b""
    for key, value in raw:
        if key.lower() == b"host":
            host = value
            break
    headers = _without(raw, _NOT_FORWARDED)
    client = scope.get("client")
    forwarded_for = client[0].encode("latin-1") if client else b"unknown"
    proto, forwarded_host = scope.get("scheme", "http").encode("latin-1"), host
    if trust_forwarded_for:
        if chain := b", ".join(value for key, value in raw if key.lower() == b"x-forwarded-for"):
            forwarded_for = chain + b", " + forwarded_for
        for key, value in reversed(raw):  # the first of each, as the client sent them
            lowered = key.lower()
            if lowered == b"x-forwarded-proto":
                proto = value
            elif lowered == b"x-forwarded-host":
                forwarded_host = value
    headers += [(b"x-forwarded-for", forwarded_for), (b"x-forwarded-proto", proto),
                (b"x-forwarded-host", forwarded_host)]
    if request_id := get_request_id():
        headers.append((b"x-request-id", request_id.encode("latin-1")))
    return headers


def _response_headers(raw: list[tuple[bytes, bytes]], *, status: int) -> list[tuple[bytes, bytes]]:
    headers = _without(raw, _NOT_RETURNED)
    if status in (204, 304):
        # No body follows these; a Content-Length here describes another response and the server would
        # wait for bytes that never come.
        headers = [(k, v) for k, v in headers if k.lower() != b"content-length"]
    return headers


def _without(raw: list[tuple[bytes, bytes]], names: frozenset[bytes]) -> list[tuple[bytes, bytes]]:
    """`raw` without `names`, with names in lower case (as servers write them anyway): the layers after this one
    compare names as they are."""
    lowered = [(key.lower(), value) for key, value in raw]
    # Headers named in `Connection` are hop-by-hop for this message too (RFC 9110 §7.6.1). Rare: looked for first.
    for key, value in lowered:
        if key == b"connection":
            names = names | {token.strip().lower() for token in value.split(b",")}
    return [(key, value) for key, value in lowered if key not in names and not key.startswith(b"proxy-")]
