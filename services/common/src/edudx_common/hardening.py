"""ASGI layers every service runs behind, so one caller's bad request never costs another's.

- `ServiceLayers`: an unexpected exception becomes a complete problem+json 500 with the request id and the
  exception stops here; a service caps request bodies itself (413 problem), not only behind the gateway; with
  the Location of a 201 and the request a page answers, in one layer.
- `NO_STORE`: API answers carry personal data; unless a route chose its own caching,
  `Cache-Control: no-store` keeps them out of browser and proxy caches (added by `RequestContextMiddleware`).
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from edudx_common.errors import PROBLEM_MEDIA_TYPE, PayloadTooLarge, Problem
from edudx_common.location import CreatedLocation
from edudx_common.logging import get_request_id
from edudx_common.pagination import forget_request_target, note_request_target

log = logging.getLogger("edudx.errors")


def _has_header(headers: list[tuple[bytes, bytes]], name: bytes) -> bool:
    return any(key.lower() == name for key, _ in headers)


async def _send_problem(send: Send, problem: Problem, headers: list[tuple[bytes, bytes]] | None = None) -> None:
    body = json.dumps(problem.model_dump(exclude_none=True), ensure_ascii=False).encode()
    await send({"type": "http.response.start", "status": problem.status, "headers": [
        (b"content-type", PROBLEM_MEDIA_TYPE.encode()), (b"content-length", str(len(body)).encode()),
        *(headers or [])]})
    await send({"type": "http.response.body", "body": body})


def internal_error_problem() -> Problem:
    return Problem(type="https://edudx.vn/problems/internal_error", title="Lỗi hệ thống, vui lòng thử lại sau",
                   status=500, code="internal_error", request_id=get_request_id())


DEFAULT_MAX_BODY_BYTES = 2 * 1024 * 1024
DEFAULT_BODY_READ_TIMEOUT_SECONDS = 30.0


class ServiceLayers:
    """The layers of every service app inside `RequestContextMiddleware`, in one: each layer of its own cost every
    request a coroutine, and most a wrapper of `send` or `receive` with an await per message (without the four
    layers a trivial GET or PATCH took ~15–25 µs less on this machine). Outer to inner, as they were:

    - a 201 JSON answer gets its `Location` (`edudx_common.location`), on POST;
    - a GET notes the request a page answers, for its `next` link (`edudx_common.pagination`);
    - an unexpected exception becomes a complete problem+json 500 and stops here. Starlette's own last-resort
      handler re-raises after answering, and uvicorn then closes the keep-alive connection — which the gateway's
      pool handed to the next request (502);
    - request bodies are capped (413 problem), not only behind the gateway, and a body that stalls longer than
      `body_read_timeout_seconds` between pieces is a 408. Multipart bodies are left to the routes that read them:
      they bound their file parts themselves. The limits are the service's `max_json_body_bytes` and
      `body_read_timeout_seconds` settings, read from the app's state (settings load in lifespan)."""

    def __init__(self, app: ASGIApp, *, routes_of: Any) -> None:
        self.app = app
        self.created = CreatedLocation(routes_of)
        self._limits_of: object = None  # the settings the limits below were read from
        self._limits = (DEFAULT_MAX_BODY_BYTES, DEFAULT_BODY_READ_TIMEOUT_SECONDS)

    def _body_limits(self, scope: Scope) -> tuple[int, float]:
        settings = getattr(getattr(scope.get("app"), "state", None), "settings", None)
        if settings is not self._limits_of:
            self._limits = (getattr(settings, "max_json_body_bytes", DEFAULT_MAX_BODY_BYTES),
                            getattr(settings, "body_read_timeout_seconds", DEFAULT_BODY_READ_TIMEOUT_SECONDS))
            self._limits_of = settings
        return self._limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method = scope.get("method")
        page_target = note_request_target(scope) if method in ("GET", "HEAD") else None
        created = self.created if method == "POST" else None
        started = False
        held: Message | None = None
        chunks: list[bytes] = []

        async def layered_send(message: Message) -> None:
            nonlocal started, held
            if message["type"] == "http.response.start":
                started = True
                if created is not None and created.held(message):
                    held = message
                    return
            elif held is not None and message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if message.get("more_body"):
                    return
                body = b"".join(chunks)
                start, held = held, None
                location = created.location(str(scope.get("path", "")), body) if created is not None else None
                headers = [*start.get("headers", []), *([(b"location", location.encode())] if location else [])]
                await send({**start, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
            await send(message)

        try:
            if _is_multipart(scope):
                await self.app(scope, receive, layered_send)
            else:
                await self._limited(scope, receive, layered_send)
        except Exception as exc:
            log.error("unhandled error", exc_info=exc)
            if started:
                # Half an answer is on the wire: only closing the connection tells the client so.
                raise
            await _send_problem(send, internal_error_problem())
        finally:
            if page_target is not None:
                forget_request_target(page_target)

    async def _limited(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit, idle = self._body_limits(scope)
        for key, value in scope.get("headers", []):
            if key.lower() == b"content-length" and value.isdigit() and int(value) > limit:
                await _send_problem(send, _too_large(limit).to_problem(), [(b"connection", b"close")])
                return
        received = 0
        body_done = False

        async def counting_receive() -> Message:
            nonlocal received, body_done
            if body_done:  # later calls wait for the client to leave (e.g. during a long download): not timed
                return await receive()
            try:
                async with asyncio.timeout(idle):  # the app waits for the body: a stall is the client's
                    message = await receive()
            except TimeoutError:
                raise HTTPException(status_code=408, detail=f"Không nhận được dữ liệu trong {idle:g} giây.") from None
            body_done = message["type"] != "http.request" or not message.get("more_body", False)
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # FastAPI re-raises its HTTPException from body reading; the problem handler renders it.
                    raise HTTPException(status_code=413, detail=_too_large(limit).detail)
            return message

        await self.app(scope, counting_receive, send)


def _too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"Dữ liệu gửi lên vượt quá {limit // 1024} KB.")


def _is_multipart(scope: Scope) -> bool:
    for key, value in scope.get("headers", []):
        if key.lower() == b"content-type":
            return value.lower().startswith(b"multipart/")
    return False


# API answers carry personal data: unless a route chose its own caching, they are kept out of browser and proxy caches.
# Added by `RequestContextMiddleware` (`default_headers`), in the one wrapper of `send` every request already has.
NO_STORE = ((b"cache-control", b"no-store"),)
