"""Receiving an import file over HTTP: size limit, then parsing off the event loop."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request, UploadFile
from starlette.concurrency import run_in_threadpool

from edudx_common.errors import PROBLEM_MEDIA_TYPE, Problem
from identity.errors import ImportTooLarge
from identity.imports.spreadsheet import Column, Sheet, read_sheet


@dataclass(frozen=True)
class ImportLimits:
    max_bytes: int
    max_rows: int


async def _limits(request: Request) -> ImportLimits:
    settings = request.app.state.settings
    return ImportLimits(max_bytes=settings.import_max_bytes, max_rows=settings.import_max_rows)


ImportLimitsDep = Annotated[ImportLimits, Depends(_limits)]

# Added to the import routes' responses: the shared set has no 413.
TOO_LARGE_RESPONSE: dict[int | str, dict[str, Any]] = {
    413: {"model": Problem, "content": {PROBLEM_MEDIA_TYPE: {}}, "description": "Tệp nhập quá lớn"},
}


async def read_upload(file: UploadFile, columns: Sequence[Column], limits: ImportLimits) -> Sheet:
    if file.size is not None and file.size > limits.max_bytes:
        raise _too_large(limits)
    data = await file.read(limits.max_bytes + 1)
    if len(data) > limits.max_bytes:
        raise _too_large(limits)
    # openpyxl is CPU-bound: a 10 MB workbook must not stall every other request.
    return await run_in_threadpool(read_sheet, data, columns, max_rows=limits.max_rows)


def _too_large(limits: ImportLimits) -> ImportTooLarge:
    megabytes = limits.max_bytes / (1024 * 1024)
    return ImportTooLarge(f"Tệp nhập vượt quá {megabytes:g} MB: hãy chia thành nhiều tệp nhỏ hơn.")
