"""A 201 names what it created: `Location: <path>/<id>` when the answer is JSON with an `id` and the app reads that
path with GET (`POST /api/submissions/campaigns` → `/api/submissions/campaigns/<id>`). A creation whose new
resource lives elsewhere (a copy, a target) gets no Location rather than a wrong one. `edudx_common.openapi`
documents the header on the same operations."""

from __future__ import annotations

import json
from typing import Any

from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class CreatedLocationMiddleware:
    def __init__(self, app: ASGIApp, *, routes_of: Any) -> None:
        self.app = app
        self.routes_of = routes_of  # the FastAPI app, whose routes say which paths can be read

    def _readable(self, path: str) -> bool:
        scope = {"type": "http", "method": "GET", "path": path, "root_path": "", "headers": []}
        return any(route.matches(scope)[0] == Match.FULL for route in self.routes_of.router.routes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "POST":
            await self.app(scope, receive, send)
            return
        held: Message | None = None
        chunks: list[bytes] = []

        async def send_with_location(message: Message) -> None:
            nonlocal held
            if message["type"] == "http.response.start":
                headers = message.get("headers", [])
                if message["status"] == 201 and not any(k.lower() == b"location" for k, _ in headers) and any(
                        k.lower() == b"content-type" and v.startswith(b"application/json") for k, v in headers):
                    held = message
                    return
            elif held is not None and message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if message.get("more_body"):
                    return
                body = b"".join(chunks)
                start, held = held, None
                location = self._location(str(scope.get("path", "")), body)
                headers = [*start.get("headers", []), *([(b"location", location.encode())] if location else [])]
                await send({**start, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
            await send(message)

        await self.app(scope, receive, send_with_location)

    def _location(self, path: str, body: bytes) -> str | None:
        try:
            created = json.loads(body)
        except ValueError:
            return None
        identifier = created.get("id") if isinstance(created, dict) else None
        if not isinstance(identifier, str | int) or not str(identifier):
            return None
        candidate = f"{path.rstrip('/')}/{identifier}"
        return candidate if self._readable(candidate) else None
