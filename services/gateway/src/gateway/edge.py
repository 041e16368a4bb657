"""Proxied requests, nearly every request the gateway serves, pass one layer instead of Starlette's stack.

Through the full stack a proxied GET passed nine layers (Starlette's error and exception middlewares, FastAPI's
telemetry and exit-stack ones, the security headers, gzip, CORS, the router, the route's request/response wrapper),
each a coroutine call and most a wrapper of `send` awaited for every message: on a small machine the gateway's
throughput is its CPU per request, and these layers were a good part of it. `ProxyEdge` does their work for the
proxy route in one place: the body limit, the route match, the proxy itself, the app's problem handlers for its
errors, and the headers of the answer (CORS, gzip of a whole JSON answer, security headers) computed once on the
raw header list and sent as two messages. It sits inside `RequestContextMiddleware` (request id, log line,
metrics) and in front of the full stack, which still serves everything else: CORS preflights, the merged OpenAPI
document, /healthz, /metrics, the SPA, websockets, and any method the proxy does not take.

The headers are the ones the full stack gives a proxied answer: the `gateway.hardening`, `gateway.compression`
and Starlette `CORSMiddleware` objects of the app do the work, so the two ways cannot drift apart. The one
difference is on purpose: an unexpected error's 500 gets the CORS and security headers too (the full stack answers
it outside every middleware).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any

from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.compression import JSONCompressionMiddleware
from gateway.hardening import (
    SecurityHeaders,
    SecurityMiddleware,
    declared_over,
    limited_receive,
    with_security_headers,
)
from gateway.proxy import PROXY_METHODS, PROXY_ROUTE, proxy

Headers = list[tuple[bytes, bytes]]

_PROXY_METHODS = frozenset(PROXY_METHODS)


class ProxyEdge:
    def __init__(self, app: ASGIApp, *, security: SecurityMiddleware, cors: CORSMiddleware,
                 compression: JSONCompressionMiddleware | None, exception_handlers: Mapping[Any, Callable[..., Any]]
                 ) -> None:
        self.app = app
        self.security = security
        self.cors = _CORSHeaders(cors)
        self.compression = compression
        self.exception_handlers = exception_handlers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        match = None
        if scope["type"] == "http" and scope["method"] in _PROXY_METHODS and not scope.get("root_path"):
            match = PROXY_ROUTE.path_regex.match(scope["path"])
        if match is None:
            await self.app(scope, receive, send)
            return
        origin, accept_encoding, preflight = _request_headers(scope)
        if preflight:  # answered by the full stack's CORSMiddleware
            await self.app(scope, receive, send)
            return
        scope["endpoint"] = proxy
        scope["path_params"] = match.groupdict()
        limit, declared, for_documents, for_scripts = self.security.prepare(scope)
        receive = limited_receive(receive, limit)
        request = Request(scope, receive)
        started = False

        async def send_start_with_headers(message: Message) -> None:  # for streamed answers
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = self.cors.apply(list(message.get("headers", [])), origin)
                message = {**message, "headers": with_security_headers(headers, for_documents, for_scripts)}
            await send(message)

        reraise: BaseException | None = None
        try:
            if declared_over(declared, limit):
                # As in the full stack, where the body limit sits outside CORS: security headers only.
                await self.security.too_large(scope, receive, _with_headers(send, for_documents, for_scripts), limit)
                return
            response = await proxy(request)
        except Exception as exc:  # noqa: BLE001 - answered by the app's handlers, as the full stack does
            response, unexpected = await self._problem(request, exc)
            if unexpected:
                # As Starlette's ServerErrorMiddleware: answered, then raised on for the server to log and close.
                reraise = exc
        if isinstance(response, StreamingResponse):
            try:
                await response(scope, receive, send_start_with_headers)
            except Exception as exc:
                if started:
                    raise
                response, unexpected = await self._problem(request, exc)
                reraise = exc if unexpected else None
            else:
                return
        await self._send_whole(response, scope, accept_encoding, for_documents, for_scripts, origin, send)
        if reraise is not None:
            raise reraise

    async def _send_whole(self, response: Response, scope: Scope, accept_encoding: bytes,
                          for_documents: SecurityHeaders, for_scripts: SecurityHeaders, origin: str | None,
                          send: Send) -> None:
        headers, body = self.cors.apply(list(response.raw_headers), origin), bytes(response.body)
        if self.compression is not None and scope["method"] != "HEAD":
            compressed = self.compression.whole_answer(
                headers, body, accepts_gzip=self.compression.accepts_gzip_value(accept_encoding))
            if compressed is not None:
                headers, body = compressed
        await send({"type": "http.response.start", "status": response.status_code,
                    "headers": with_security_headers(headers, for_documents, for_scripts)})
        await send({"type": "http.response.body", "body": body})
        if response.background is not None:
            await response.background()

    async def _problem(self, request: Request, exc: Exception) -> tuple[Response, bool]:
        """The app's own answer to `exc` (its problem handlers), and whether it was unexpected (the 500)."""
        handler = None
        for cls in type(exc).__mro__:
            handler = self.exception_handlers.get(cls)
            if handler is not None:
                break
        if handler is None:
            raise exc
        answer = handler(request, exc)
        if inspect.isawaitable(answer):
            answer = await answer
        unexpected = handler is self.exception_handlers.get(Exception) or handler is self.exception_handlers.get(500)
        return answer, unexpected


def _with_headers(send: Send, for_documents: SecurityHeaders, for_scripts: SecurityHeaders) -> Send:
    async def send_with_security_headers(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": with_security_headers(message.get("headers", []), for_documents,
                                                                   for_scripts)}
        await send(message)

    return send_with_security_headers


def _request_headers(scope: Scope) -> tuple[str | None, bytes, bool]:
    """Origin, Accept-Encoding (repeated ones joined) and whether this is a CORS preflight, in one pass."""
    origin: str | None = None
    accept_encoding: list[bytes] = []
    asks_method = False
    for key, value in scope["headers"]:
        name = key.lower()
        if name == b"origin":
            origin = value.decode("latin-1")
        elif name == b"accept-encoding":
            accept_encoding.append(value)
        elif name == b"access-control-request-method":
            asks_method = True
    preflight = origin is not None and asks_method and scope["method"] == "OPTIONS"
    return origin, b",".join(accept_encoding), preflight


class _CORSHeaders:
    """What Starlette's `CORSMiddleware` does to a simple (not preflight) answer's headers, on the raw list in one
    pass: with an Origin, its simple headers and, for an allowed origin, that origin echoed; `Vary: Origin` always
    (after the answer's own Vary values, in one header). The headers set replace the answer's own of that name."""

    def __init__(self, middleware: CORSMiddleware) -> None:
        self.middleware = middleware
        self.simple = [(name.lower().encode("latin-1"), value.encode("latin-1"))
                       for name, value in middleware.simple_headers.items()]
        simple_names = {name for name, _ in self.simple}
        # With every origin allowed and credentials, the origin is echoed instead of "*".
        self._simple_echoing = [(name, value) for name, value in self.simple
                                if name != b"access-control-allow-origin"]
        self._replaced = {None: frozenset({b"vary"}),
                          False: frozenset({b"vary", *simple_names}),
                          True: frozenset({b"vary", b"access-control-allow-origin", *simple_names})}

    def apply(self, headers: Headers, origin: str | None) -> Headers:
        cors = self.middleware
        echoed = None if origin is None else (cors.allow_all_origins and cors.allow_credentials) or (
            not cors.allow_all_origins and cors.is_allowed_origin(origin=origin))
        replaced = self._replaced[echoed]
        varies: list[bytes] = []
        result: Headers = []
        for name, value in headers:
            lower = name.lower()
            if lower in replaced:
                if lower == b"vary":
                    varies.append(value)
                continue
            result.append((name, value))
        if origin is not None:
            if echoed:
                result += self._simple_echoing
                result.append((b"access-control-allow-origin", origin.encode("latin-1")))
            else:
                result += self.simple
        result.append((b"vary", b", ".join([*varies, b"Origin"])))
        return result
