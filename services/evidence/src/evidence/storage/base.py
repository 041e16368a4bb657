"""What the evidence service needs from object storage, whatever implements it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int
    last_modified: datetime | None


class ObjectStorage(Protocol):
    async def ensure_bucket(self) -> None: ...

    async def put_file(self, key: str, path: Path, *, size: int, content_type: str) -> None:
        """Store a local file of known size (multipart above the part size)."""
        ...

    async def put_stream(self, key: str, chunks: AsyncIterator[bytes], *, content_type: str) -> int:
        """Store a stream of unknown length in multipart parts; return its size. Memory stays at a few parts."""
        ...

    def get_stream(self, key: str) -> AsyncIterator[bytes]: ...

    async def stat(self, key: str) -> StoredObject | None: ...

    async def delete(self, key: str) -> None: ...

    async def presigned_get(self, key: str, *, seconds: int, content_type: str, disposition: str) -> str: ...

    def list_objects(self, prefix: str = "") -> AsyncIterator[StoredObject]: ...

    async def ping(self) -> None: ...
