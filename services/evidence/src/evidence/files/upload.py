"""Reading a multipart upload from the request stream: text fields first, then one file part.

The file is neither held in memory nor spooled to disk: each chunk is counted against the limit and streamed on
into the store (an S3 multipart upload, a few parts in memory at a time), which hashes it on the way, straight to
the key the item will have if the file is accepted. The content checks (magic bytes, pypdf, zip structure) then
read the object where it lies, by byte ranges, before any row names it: no one sees the item until it is checked. A
refused, cut-off, oversized or duplicate upload has its object deleted before the answer; what a crash leaves (an
object no row names) is removed by the sweeper. There is no copy to a final key: on SeaweedFS a server-side copy
rewrites every byte, which cost as much as the upload itself (bench/RESULTS.md, session 9). Text fields must come
before the file so that permission and quota are decided before the first byte of the file is sent on.
"""

from __future__ import annotations

import contextlib
import hashlib
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import anyio
import anyio.to_thread
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, MultipartState, parse_options_header

from evidence.errors import InvalidUpload, MalformedUpload
from evidence.files.inspection import HEAD_BYTES
from evidence.storage.base import ObjectStorage, StoredStream

MAX_FIELDS = 30
MAX_FIELD_BYTES = 8000
FILE_FIELD = "file"
# A part's headers (Content-Disposition with the file name, Content-Type); the parser refuses more (400).
MAX_PART_HEADER_BYTES = 16 * 1024
# The same bound as a direct upload's `file_name`: the stored name is shortened further for display.
MAX_FILE_NAME = 1000


class LimitExceeded(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.limit = limit


@dataclass
class SpooledUpload:
    fields: dict[str, list[str]]
    filename: str | None
    path: Path
    size: int
    sha256: str

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)


@dataclass
class StreamedUpload:
    """A multipart upload whose file now lies in the store at `key`, not checked yet and named by no row."""

    fields: dict[str, list[str]]
    filename: str | None
    key: str
    size: int
    sha256: str
    head: bytes  # the first HEAD_BYTES, for the magic-number check


@dataclass
class _Part:
    name: str = ""
    filename: str | None = None
    data: bytearray = field(default_factory=bytearray)


class _Spool:
    def __init__(self, directory: str | None, limit: int) -> None:
        self.file: IO[bytes] = tempfile.NamedTemporaryFile(prefix="evidence-", dir=directory, delete=False)
        self.path = Path(self.file.name)
        self.hash = hashlib.sha256()
        self.size = 0
        self.limit = limit

    def write(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.limit:
            raise LimitExceeded(self.limit)
        self.hash.update(chunk)
        self.file.write(chunk)


class _Streaming:
    """The file part streamed on into the store as it arrives: counted, its head kept; the store's writer copies
    it into its part buffers and hashes (SHA-256) and sends each full part in its own threads. When the store is
    behind, `write` waits, and so does the reading of the request (back-pressure) instead of memory filling."""

    def __init__(self, storage: ObjectStorage, key: str, limit: int) -> None:
        self.storage, self.key, self.limit = storage, key, limit
        self.size = 0
        self.head = bytearray()
        self._writer = storage.open_stream(key, content_type="application/octet-stream")

    async def write(self, chunk: bytes | memoryview) -> None:
        self.size += len(chunk)
        if self.size > self.limit:
            raise LimitExceeded(self.limit)
        if len(self.head) < HEAD_BYTES:
            self.head += chunk[: HEAD_BYTES - len(self.head)]
        await self._writer.write(chunk)

    async def finish(self) -> StoredStream:
        """The whole file has been sent: wait until the store holds it."""
        return await self._writer.finish()

    async def abort(self) -> None:
        """Stop the store's upload (never completing a truncated object) and remove whatever was stored."""
        with contextlib.suppress(Exception):  # the error that made us abort is the one to report
            await self._writer.abort()
        await discard_unchecked(self.storage, self.key)


async def discard_unchecked(storage: ObjectStorage, key: str) -> None:
    """Delete an object no row names; a failure here is left to the sweeper (orphans older than its age)."""
    with contextlib.suppress(Exception):
        await storage.delete(key)


async def spool_stream(chunks: AsyncIterator[bytes], *, limit: int, spool_dir: str | None = None,
                       filename: str | None = None) -> SpooledUpload:
    """Write a byte stream to a spool file, hashing and counting it against `limit` (LimitExceeded above)."""
    spool = _Spool(spool_dir, limit)
    try:
        async for chunk in chunks:
            await anyio.to_thread.run_sync(spool.write, chunk)
        spool.file.close()
    except BaseException:
        spool.file.close()
        spool.path.unlink(missing_ok=True)
        raise
    return SpooledUpload(fields={}, filename=filename, path=spool.path, size=spool.size,
                         sha256=spool.hash.hexdigest())


def _parse(parser: MultipartParser, chunk: bytes | None) -> None:
    """Feed `chunk` (None: the body ended); a body that is not multipart as announced is the sender's error."""
    try:
        if chunk is not None:
            parser.write(chunk)
            return
        parser.finalize()
    except MultipartParseError as exc:
        raise MalformedUpload(f"Dữ liệu multipart/form-data không hợp lệ ({exc}).") from None
    if parser.state not in (MultipartState.END, MultipartState.BOUNDARY_PADDING):
        raise MalformedUpload("Dữ liệu multipart/form-data bị cắt cụt: thiếu ranh giới kết thúc. Hãy gửi lại.")


def _end_header(events: list[tuple[str, Any]], header: dict[str, bytes]) -> None:
    events.append(("header", (header["field"], header["value"])))
    header.update(field=b"", value=b"")


async def read_upload(
    stream: AsyncIterator[bytes],
    content_type: str,
    *,
    before_file: Callable[[dict[str, list[str]]], Awaitable[int]],
    storage: ObjectStorage,
    object_key: Callable[[], str],
) -> StreamedUpload:
    """Parse the body; `before_file(fields)` runs when the file part starts and returns its byte limit; the file
    then goes to the key `object_key()` names as it arrives. On any failure nothing stays stored."""
    mime, params = parse_options_header(content_type)
    boundary = params.get(b"boundary")
    if mime != b"multipart/form-data" or not boundary:
        raise InvalidUpload("Yêu cầu phải có dạng multipart/form-data, gồm trường 'file'.")

    events: list[tuple[str, Any]] = []
    header: dict[str, bytes] = {"field": b"", "value": b""}
    callbacks: Any = {
        "on_part_begin": lambda: events.append(("begin", None)),
        # A view, not a copy: the parser is given the request's own bytes objects, which nothing changes.
        "on_part_data": lambda data, start, end: events.append(("data", memoryview(data)[start:end])),
        "on_part_end": lambda: events.append(("end", None)),
        "on_header_field": lambda data, start, end: header.__setitem__("field", header["field"] + data[start:end]),
        "on_header_value": lambda data, start, end: header.__setitem__("value", header["value"] + data[start:end]),
        "on_header_end": lambda: _end_header(events, header),
        "on_headers_finished": lambda: events.append(("headers_done", None)),
    }
    parser = MultipartParser(boundary, callbacks, max_header_size=MAX_PART_HEADER_BYTES)
    fields: dict[str, list[str]] = {}
    part = _Part()
    streaming: _Streaming | None = None
    filename: str | None = None
    done_file = False
    in_file = False
    try:
        async for chunk in stream:
            _parse(parser, chunk)
            for kind, value in events:
                if kind == "begin":
                    part = _Part()
                elif kind == "header":
                    name, raw = value
                    if name.lower() == b"content-disposition":
                        _, disposition = parse_options_header(raw)
                        part.name = disposition.get(b"name", b"").decode("utf-8", "replace")
                        raw_filename = disposition.get(b"filename")
                        part.filename = raw_filename.decode("utf-8", "replace") if raw_filename is not None else None
                        if part.filename is not None and len(part.filename) > MAX_FILE_NAME:
                            raise InvalidUpload(f"Tên tệp dài quá {MAX_FILE_NAME} ký tự: hãy đổi tên ngắn hơn.")
                elif kind == "headers_done":
                    if part.name == FILE_FIELD:
                        if done_file:
                            raise InvalidUpload("Mỗi yêu cầu chỉ được gửi một tệp.")
                        limit = await before_file(fields)
                        streaming = _Streaming(storage, object_key(), limit)
                        filename = part.filename
                        in_file = True
                elif kind == "data":
                    if in_file:
                        assert streaming is not None
                        await streaming.write(value)
                    else:
                        part.data += value
                        if len(part.data) > MAX_FIELD_BYTES:
                            raise InvalidUpload(f"Trường '{part.name}' quá dài.")
                elif kind == "end":
                    if in_file:
                        in_file, done_file = False, True
                    elif part.name:
                        if sum(len(v) for v in fields.values()) >= MAX_FIELDS:
                            raise InvalidUpload("Quá nhiều trường dữ liệu.")
                        fields.setdefault(part.name, []).append(part.data.decode("utf-8", "replace"))
            events.clear()
        _parse(parser, None)
        if streaming is None or not done_file:
            raise InvalidUpload("Thiếu tệp minh chứng (trường 'file').")
        stored = await streaming.finish()
        return StreamedUpload(fields=fields, filename=filename, key=streaming.key, size=stored.size,
                              sha256=stored.sha256, head=bytes(streaming.head))
    except BaseException:
        if streaming is not None:
            # Shielded: a cancelled request (the client left) must still remove what it stored.
            with anyio.CancelScope(shield=True):
                await streaming.abort()
        raise
