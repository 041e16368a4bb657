"""The built SPA (`frontend/dist`): its files at `/`, and `index.html` for every client-side route.

Vite names everything under `assets/` by content hash, so those files never change and are cached for a
year; `index.html` names the current hashes, so browsers revalidate it on every visit (cheap with its ETag).
The build writes Brotli and gzip copies of its text files; the best one the client accepts is sent.
"""

from __future__ import annotations

import mimetypes
import os
from pathlib import Path

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse, JSONResponse

from edudx_common.errors import NotFound
from gateway.compression import PREFERENCE, preferred_encoding

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"


def create_router(spa_dir: str) -> APIRouter:
    root = Path(spa_dir).resolve()
    router = APIRouter(include_in_schema=False)

    # Registered last: every GET that no other route took ends here.
    @router.api_route("/{path:path}", methods=["GET", "HEAD"])
    async def get_spa_file(path: str, request: Request) -> Response:
        """A file of the SPA, or its `index.html` for a client-side route."""
        if path == "api" or path.startswith("api/"):
            raise NotFound("Không có API ở đường dẫn này.")
        index = root / "index.html"
        if not index.is_file():
            if path == "":
                return JSONResponse({
                    "service": "edudx-gateway",
                    "detail": "Giao diện web chưa được build (không thấy index.html trong thư mục SPA). "
                    "API vẫn hoạt động tại /api/…; tài liệu API tại /api/docs.",
                    "spa_dir": str(root),
                })
            raise NotFound()
        file = _inside(root, path)
        if file is None:
            raise NotFound()
        if file.is_file():
            return _file_response(request, file, IMMUTABLE if path.startswith("assets/") else REVALIDATE)
        # A missing script or image must be a 404, not an HTML page the browser then fails to parse.
        if path.startswith("assets/") or "." in path.rsplit("/", 1)[-1]:
            raise NotFound()
        return _file_response(request, index, REVALIDATE)

    return router


def _inside(root: Path, path: str) -> Path | None:
    """`root/path` with `..` and symlinks resolved, or None when that lands outside `root`."""
    try:
        candidate = (root / path).resolve()
    except (OSError, ValueError):  # e.g. a NUL byte, a symlink loop
        return None
    return candidate if candidate.is_relative_to(root) else None


def _file_response(request: Request, file: Path, cache_control: str) -> Response:
    """The file, or the Brotli or gzip copy the build made beside it (`name.br`, `name.gz`) when the client accepts
    it: sent as it is, with `Content-Encoding`. Every answer for a file that has copies says `Vary: Accept-Encoding`
    and each copy has its own ETag (from its own size and time), so caches keep them apart."""
    encodings = tuple(coding for coding in PREFERENCE if _copy(file, coding).is_file())
    chosen = preferred_encoding(request.headers.get("accept-encoding", ""), encodings) if encodings else None
    sent = _copy(file, chosen) if chosen else file
    headers = {"Cache-Control": cache_control}
    if encodings:
        headers["Vary"] = "Accept-Encoding"
    if chosen:
        headers["Content-Encoding"] = chosen
    # The media type is the original file's (`app.js.br` is JavaScript, encoded).
    media_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    response = FileResponse(sent, stat_result=os.stat(sent), headers=headers, media_type=media_type)
    etag = response.headers["etag"]
    if etag in (tag.strip() for tag in request.headers.get("if-none-match", "").split(",")):
        return Response(status_code=304, headers={"ETag": etag, **headers})
    return response


def _copy(file: Path, coding: str) -> Path:
    return file.with_name(file.name + {"br": ".br", "gzip": ".gz"}[coding])
