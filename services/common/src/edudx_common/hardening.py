"""ASGI layers every service runs behind, so one caller's bad request never costs another's.

- `UnexpectedErrorMiddleware`: an unexpected exception becomes a complete problem+json 500 with the request
  id and the exception stops here. Starlette's own last-resort handler re-raises after answering, and
  uvicorn then closes the keep-alive connection — which the gateway's pool handed to the next request (502).
- `BodyLimitMiddleware`: a service caps request bodies itself (413 problem), not only behind the gateway.
  Multipart bodies are left to the routes that read them: they bound their file parts themselves.
- `NO_STORE`: API answers carry personal data; unless a route chose its own caching,
  `Cache-Control: no-store` keeps them out of browser and proxy caches (added by `RequestContextMiddleware`).
"""

from __future__ import annotations

import asyncio
import json
import logging

from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from edudx_common.errors import PROBLEM_MEDIA_TYPE, PayloadTooLarge, Problem
from edudx_common.logging import get_request_id

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


class UnexpectedErrorMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            log.error("unhandled error", exc_info=exc)
            if started:
                # Half an answer is on the wire: only closing the connection tells the client so.
                raise
            await _send_problem(send, internal_error_problem())


DEFAULT_MAX_BODY_BYTES = 2 * 1024 * 1024
DEFAULT_BODY_READ_TIMEOUT_SECONDS = 30.0


class BodyLimitMiddleware:
    """The limits are the service's `max_json_body_bytes` and `body_read_timeout_seconds` (the longest wait for
    the next piece of a body: 408 after it) settings, read per request: settings load in lifespan."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or _is_multipart(scope):
            await self.app(scope, receive, send)
            return
        settings = getattr(getattr(scope.get("app"), "state", None), "settings", None)
        limit: int = getattr(settings, "max_json_body_bytes", DEFAULT_MAX_BODY_BYTES)
        idle: float = getattr(settings, "body_read_timeout_seconds", DEFAULT_BODY_READ_TIMEOUT_SECONDS)
        too_large = PayloadTooLarge(f"Dữ liệu gửi lên vượt quá {limit // 1024} KB.")
        for key, value in scope.get("headers", []):
            if key.lower() == b"content-length" and value.isdigit() and int(value) > limit:
                await _send_problem(send, too_large.to_problem(), [(b"connection", b"close")])
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
                    raise HTTPException(status_code=413, detail=too_large.detail)
            return message

        await self.app(scope, counting_receive, send)


def _is_multipart(scope: Scope) -> bool:
    for key, value in scope.get("headers", []):
        if key.lower() == b"content-type":
            return value.lower().startswith(b"multipart/")
    return False


# API answers carry personal data: unless a route chose its own caching, they are kept out of browser and proxy caches.
# Added by `RequestContextMiddleware` (`default_headers`), in the one wrapper of `send` every request already has.
NO_STORE = ((b"cache-control", b"no-store"),)
