"""What the evidence service needs from object storage, whatever implements it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO, Protocol

# Sent with a direct upload's PUT, and signed: S3 refuses to overwrite an existing object.
PUT_ONCE_HEADERS = {"if-none-match": "*"}


class ObjectChanged(Exception):
    """A conditional read (`match_etag`) found the object gone or replaced."""


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int
    last_modified: datetime | None
    etag: str | None = None


@dataclass(frozen=True)
class StoredStream:
    """What `put_stream` stored: its size and the SHA-256 of its bytes, computed on the way."""

    size: int
    sha256: str


class StreamWriter(Protocol):
    """An object being stored as its bytes arrive: `write` each chunk (it waits while the store is behind), then
    `finish`; after any failure, `abort` (shielded from cancellation), which leaves nothing stored."""

    async def write(self, chunk: bytes | memoryview) -> None: ...

    async def finish(self) -> StoredStream: ...

    async def abort(self) -> None: ...


class ObjectStorage(Protocol):
    async def ensure_bucket(self) -> None: ...

    async def put_file(self, key: str, path: Path, *, size: int, content_type: str) -> None:
        """Store a local file of known size (multipart above the part size)."""
        ...

    def open_stream(self, key: str, *, content_type: str) -> StreamWriter:
        """Start storing a stream of unknown length at `key` (see `StreamWriter`); memory stays at a few parts."""
        ...

    async def put_stream(self, key: str, chunks: AsyncIterator[bytes | memoryview], *,
                         content_type: str) -> StoredStream:
        """Store a stream of unknown length in multipart parts; return its size and SHA-256. Memory stays at a
        few parts. If `chunks` fails, nothing is stored at `key`."""
        ...

    def get_stream(self, key: str, *, match_etag: str | None = None) -> AsyncIterator[bytes]: ...

    def open_reader(self, key: str, *, size: int) -> AbstractContextManager[BinaryIO]:
        """The object as a seekable binary file that fetches what is read by byte ranges (a few buffers in
        memory, never the whole object). Blocking: use it in a worker thread. Storage failures raise
        `StorageUnavailable`."""
        ...

    async def stat(self, key: str) -> StoredObject | None: ...

    async def delete(self, key: str) -> None: ...

    async def presigned_get(self, key: str, *, seconds: int, content_type: str, disposition: str) -> str: ...

    async def presigned_put(self, key: str, *, seconds: int, size: int) -> str:
        """A URL a client PUTs the whole object to, directly (no credentials, valid `seconds`), with the headers
        `PUT_ONCE_HEADERS`. It is bound to a body of exactly `size` bytes, and only creates: once an object is at
        `key`, the URL is refused (412), so keeping an object there closes the URL for good."""
        ...

    async def copy(self, source: str, target: str, *, content_type: str, match_etag: str | None = None) -> bool:
        """Server-side copy; False when the source is gone or (with `match_etag`) has changed since."""
        ...

    def list_objects(self, prefix: str = "") -> AsyncIterator[StoredObject]: ...

    async def ping(self) -> None: ...
