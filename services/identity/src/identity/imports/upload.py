"""Receiving an import file over HTTP: after the role check, size-limited, a few at a time, parsed off the loop."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from edudx_common.errors import PROBLEM_MEDIA_TYPE, Problem
from edudx_common.uploads import import_slot, multipart_file_body, receive_file
from identity.errors import ImportTooLarge
from identity.imports.spreadsheet import Column, Sheet, read_sheet


@dataclass(frozen=True)
class ImportLimits:
    max_bytes: int
    max_rows: int
    max_unzipped_bytes: int


async def _limits(request: Request) -> ImportLimits:
    settings = request.app.state.settings
    return ImportLimits(max_bytes=settings.import_max_bytes, max_rows=settings.import_max_rows,
                        max_unzipped_bytes=settings.import_max_unzipped_bytes)


ImportLimitsDep = Annotated[ImportLimits, Depends(_limits)]

# Added to the import routes' responses: the shared set has no 413 and 503.
TOO_LARGE_RESPONSE: dict[int | str, dict[str, Any]] = {
    413: {"model": Problem, "content": {PROBLEM_MEDIA_TYPE: {}}, "description": "Tệp nhập quá lớn"},
    503: {"model": Problem, "content": {PROBLEM_MEDIA_TYPE: {}},
          "description": "Đang xử lý nhiều tệp nhập cùng lúc (imports_busy), thử lại sau Retry-After giây"},
}
IMPORT_FILE_BODY = multipart_file_body("Tệp .xlsx (trang tính thứ nhất) hoặc .csv UTF-8")


async def read_upload(request: Request, columns: Sequence[Column], limits: ImportLimits) -> Sheet:
    """Called in the route's body, so the route's role dependencies have already passed."""
    async with import_slot(request):
        data = await receive_file(request, max_bytes=limits.max_bytes, too_large_error=ImportTooLarge)
        # openpyxl is CPU-bound: a 10 MB workbook must not stall every other request.
        return await run_in_threadpool(read_sheet, data, columns, max_rows=limits.max_rows,
                                       max_unzipped_bytes=limits.max_unzipped_bytes)
