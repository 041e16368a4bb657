"""Receiving one uploaded file for an import: after the caller's permissions, bounded, a few at a time.

FastAPI reads a route's form body before it runs the route's dependencies, so a route declaring
`UploadFile` spools the whole upload before the role check. Import routes take the `Request` instead, let
their permission dependencies run, and only then call `receive_file`: an unauthorised caller costs nothing.
`import_slot` bounds how many imports one process parses at once (each can take a few hundred MB while
parsing); the next one gets 503 with `Retry-After` instead of pushing the process over its memory limit.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Request
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException

from edudx_common.errors import BadRequest, PayloadTooLarge, ServiceUnavailable, Unprocessable

# Room for the multipart boundaries and part headers around the file.
_ENVELOPE_BYTES = 64 * 1024
IMPORT_RETRY_AFTER_SECONDS = 5


class ImportsBusy(ServiceUnavailable):
    code = "imports_busy"
    title = "Hệ thống đang xử lý nhiều tệp nhập, vui lòng thử lại sau ít giây"


class ConcurrencyLimit:
    """A count of running operations, refused (not queued) beyond `limit`: one event loop, no lock needed."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.active = 0

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        if self.active >= self.limit:
            raise ImportsBusy(f"Đang có {self.active} tệp nhập được xử lý; hãy gửi lại sau ít giây.",
                              headers={"Retry-After": str(IMPORT_RETRY_AFTER_SECONDS)})
        self.active += 1
        try:
            yield
        finally:
            self.active -= 1


DEFAULT_CONCURRENT_IMPORTS = 2


def import_slot(request: Request) -> Any:
    """`async with import_slot(request):` around reading and parsing one import (per process)."""
    limit: ConcurrencyLimit | None = getattr(request.app.state, "import_limit", None)
    if limit is None:
        settings = getattr(request.app.state, "settings", None)
        limit = ConcurrencyLimit(getattr(settings, "max_concurrent_imports", DEFAULT_CONCURRENT_IMPORTS))
        request.app.state.import_limit = limit
    return limit.slot()


async def receive_file(request: Request, *, max_bytes: int, field: str = "file",
                       too_large_error: type[PayloadTooLarge] = PayloadTooLarge) -> bytes:
    """The bytes of the multipart part `field`, at most `max_bytes`; 400/413/422 problems otherwise."""
    too_large = too_large_error(f"Tệp tối đa {max_bytes / (1024 * 1024):g} MB: hãy chia thành nhiều tệp nhỏ hơn.")
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes + _ENVELOPE_BYTES:
        raise too_large
    try:
        form = await request.form(max_files=1, max_fields=20, max_part_size=64 * 1024)
    except StarletteHTTPException as exc:  # the parser's own refusals (bad boundary, too many parts)
        raise BadRequest(f"Dữ liệu multipart không hợp lệ: {exc.detail}") from exc
    except ValueError as exc:
        raise BadRequest("Dữ liệu multipart không hợp lệ.") from exc
    try:
        upload = form.get(field)
        if not isinstance(upload, UploadFile):
            raise Unprocessable(f"Thiếu tệp trong trường '{field}' của biểu mẫu multipart/form-data.")
        if upload.size is not None and upload.size > max_bytes:
            raise too_large
        data = await upload.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise too_large
        return data
    finally:
        await form.close()


def multipart_file_body(description: str, field: str = "file") -> dict[str, Any]:
    """`openapi_extra` for a route reading its file with `receive_file`: the body as clients must send it."""
    return {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
        "type": "object", "required": [field],
        "properties": {field: {"type": "string", "format": "binary", "description": description}},
    }}}}}
