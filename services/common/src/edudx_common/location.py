"""A 201 names what it created: `Location: <path>/<id>` when the answer is JSON with an `id` and the app reads that
path with GET (`POST /api/submissions/campaigns` → `/api/submissions/campaigns/<id>`). A creation whose new
resource lives elsewhere (a copy, a target) gets no Location rather than a wrong one. `edudx_common.openapi`
documents the header on the same operations."""

from __future__ import annotations

import json
from typing import Any

from starlette.routing import Match
from starlette.types import Message


class CreatedLocation:
    """Names the created resource of a 201 JSON answer; `edudx_common.hardening.ServiceLayers` holds the answer's
    start until its body is complete and asks `location`."""

    def __init__(self, routes_of: Any) -> None:
        self.routes_of = routes_of  # the FastAPI app, whose routes say which paths can be read

    def _readable(self, path: str) -> bool:
        scope = {"type": "http", "method": "GET", "path": path, "root_path": "", "headers": []}
        return any(route.matches(scope)[0] == Match.FULL for route in self.routes_of.router.routes)

    @staticmethod
    def held(message: Message) -> bool:
        """Whether this response start is one to complete with a Location: a 201 with a JSON body and none set."""
        headers = message.get("headers", [])
        return message["status"] == 201 and not any(k.lower() == b"location" for k, _ in headers) and any(
            k.lower() == b"content-type" and v.startswith(b"application/json") for k, v in headers)

    def location(self, path: str, body: bytes) -> str | None:
        """`<path>/<id>` of the JSON answer's `id`, when the app reads that path with GET."""
        try:
            created = json.loads(body)
        except ValueError:
            return None
        identifier = created.get("id") if isinstance(created, dict) else None
        if not isinstance(identifier, str | int) or not str(identifier):
            return None
        candidate = f"{path.rstrip('/')}/{identifier}"
        return candidate if self._readable(candidate) else None
