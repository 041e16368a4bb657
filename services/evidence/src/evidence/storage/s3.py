"""Object storage through the `minio` client (S3 API: MinIO, SeaweedFS, AWS).

The client is synchronous: every call runs in a worker thread. Connection failures become a 503 problem.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO, TypeVar, cast

import anyio
import anyio.to_thread
import urllib3
from minio import Minio
from minio.commonconfig import REPLACE, CopySource
from minio.error import S3Error
from urllib3.exceptions import HTTPError

from evidence.errors import StorageUnavailable
from evidence.storage.base import PUT_ONCE_HEADERS, ObjectChanged, StoredObject, StoredStream
from evidence.storage.multipart import PartClient, StreamUpload
from evidence.storage.presign import presign_put

T = TypeVar("T")
# A local file's parts: the minio client holds several in memory while it uploads them in parallel.
PART_SIZE = 5 * 1024 * 1024
READ_CHUNK = 256 * 1024
MISSING = ("NoSuchKey", "NoSuchObject", "NotFound", "ResourceNotFound")


def split_endpoint(raw: str, secure: bool) -> tuple[str, bool]:
    """`host:port` keeps the internal `secure`; `https://host` / `http://host:port` set it from the scheme."""
    for scheme, is_secure in (("https://", True), ("http://", False)):
        if raw.lower().startswith(scheme):
            return raw[len(scheme):].rstrip("/"), is_secure
    return raw.rstrip("/"), secure


@contextlib.contextmanager
def _unavailable_on_connection_errors() -> Iterator[None]:
    """A store that cannot be reached is a 503 problem; what it answers (S3Error) is left to the caller."""
    try:
        yield
    except (HTTPError, OSError) as exc:
        raise StorageUnavailable("Không kết nối được kho lưu trữ tệp. Vui lòng thử lại sau.") from exc


class S3StreamUpload:
    """A `StreamUpload` whose connection failures are `StorageUnavailable`, as every other call's."""

    def __init__(self, upload: StreamUpload) -> None:
        self._upload = upload

    async def write(self, chunk: bytes | memoryview) -> None:
        with _unavailable_on_connection_errors():
            await self._upload.write(chunk)

    async def finish(self) -> StoredStream:
        with _unavailable_on_connection_errors():
            return await self._upload.finish()

    async def abort(self) -> None:
        await self._upload.abort()


class _RangeReader(io.RawIOBase):
    """A stored object read by HTTP range requests: what `zipfile` and `pypdf` need (seek, tell, read) to check a
    file's structure where it lies, fetching only the parts they look at. Blocking (worker thread)."""

    def __init__(self, storage: S3Storage, key: str, size: int) -> None:
        self._storage, self._key, self._size, self._position = storage, key, size, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._size}[whence]
        self._position = max(0, base + offset)
        return self._position

    def readinto(self, buffer: Any) -> int:
        wanted = min(len(buffer), self._size - self._position)
        if wanted <= 0:
            return 0
        try:
            response = self._storage.client.get_object(self._storage.bucket, self._key, offset=self._position,
                                                       length=wanted)
            try:
                data = response.read()
            finally:
                response.close()
                response.release_conn()
        except (HTTPError, OSError, S3Error) as exc:
            raise StorageUnavailable("Không đọc được tệp từ kho lưu trữ. Vui lòng thử lại sau.") from exc
        count = len(data)
        buffer[:count] = data
        self._position += count
        return count


class S3Storage:
    def __init__(self, *, endpoint: str, access_key: str, secret_key: str, bucket: str, secure: bool = False,
                 region: str = "us-east-1", timeout: float = 30.0, retries: int = 2,
                 public_endpoint: str | None = None) -> None:
        http = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=min(timeout, 3.0), read=timeout),
            retries=urllib3.Retry(total=retries, backoff_factor=0.2, status_forcelist=[500, 502, 503, 504]),
            maxsize=32,
        )
        self.bucket = bucket
        self._credentials = (access_key, secret_key, region)
        self._public_base_url = f"{'https' if secure else 'http'}://{endpoint}"
        self.client = PartClient(endpoint, access_key=access_key, secret_key=secret_key, secure=secure,
                                 region=region, http_client=http)
        # URLs handed to browsers and phones are signed for the address they reach (the host is part of the
        # signature). Presigning is local computation: with the region fixed this client never connects.
        self.signer: Minio = self.client
        if public_endpoint:
            host, public_secure = split_endpoint(public_endpoint, secure)
            self._public_base_url = f"{'https' if public_secure else 'http'}://{host}"
            if (host, public_secure) != (endpoint, secure):
                self.signer = Minio(host, access_key=access_key, secret_key=secret_key, secure=public_secure,
                                    region=region)

    async def _run(self, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        with _unavailable_on_connection_errors():
            return await anyio.to_thread.run_sync(lambda: func(*args, **kwargs))

    async def ping(self) -> None:
        await self._run(self.client.bucket_exists, self.bucket)

    async def ensure_bucket(self) -> None:
        if not await self._run(self.client.bucket_exists, self.bucket):
            try:
                await self._run(self.client.make_bucket, self.bucket)
            except S3Error as exc:
                if exc.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                    raise

    async def put_file(self, key: str, path: Path, *, size: int, content_type: str) -> None:
        def put() -> None:
            with path.open("rb") as data:
                self.client.put_object(self.bucket, key, data, size, content_type=content_type,
                                       part_size=PART_SIZE)

        await self._run(put)

    def open_stream(self, key: str, *, content_type: str) -> S3StreamUpload:
        return S3StreamUpload(StreamUpload(self.client, self.bucket, key, content_type=content_type))

    async def put_stream(self, key: str, chunks: AsyncIterator[bytes | memoryview], *,
                         content_type: str) -> StoredStream:
        upload = self.open_stream(key, content_type=content_type)
        try:
            async for chunk in chunks:
                await upload.write(chunk)
            return await upload.finish()
        except BaseException:
            with anyio.CancelScope(shield=True):
                await upload.abort()
            raise

    async def get_stream(self, key: str, *, match_etag: str | None = None) -> AsyncIterator[bytes]:
        headers = {"If-Match": match_etag} if match_etag else None
        try:
            response = await self._run(self.client.get_object, self.bucket, key, request_headers=headers)
        except S3Error as exc:
            if match_etag and exc.code in (*MISSING, "PreconditionFailed"):
                raise ObjectChanged(key) from exc
            raise
        try:
            stream = response.stream(READ_CHUNK)
            while True:
                chunk = await self._run(next, stream, None)
                if chunk is None:
                    return
                yield chunk
        finally:
            response.close()
            response.release_conn()

    @contextlib.contextmanager
    def open_reader(self, key: str, *, size: int) -> Iterator[BinaryIO]:
        with io.BufferedReader(_RangeReader(self, key, size), buffer_size=READ_CHUNK) as reader:
            yield cast(BinaryIO, reader)

    async def stat(self, key: str) -> StoredObject | None:
        try:
            info = await self._run(self.client.stat_object, self.bucket, key)
        except S3Error as exc:
            if exc.code in MISSING:
                return None
            raise
        return StoredObject(key=key, size=int(info.size or 0), last_modified=info.last_modified, etag=info.etag)

    async def delete(self, key: str) -> None:
        await self._run(self.client.remove_object, self.bucket, key)

    async def presigned_get(self, key: str, *, seconds: int, content_type: str, disposition: str) -> str:
        headers = {"response-content-type": content_type, "response-content-disposition": disposition}
        return await self._run(self.signer.presigned_get_object, self.bucket, key,
                               expires=timedelta(seconds=seconds), response_headers=headers)

    async def presigned_put(self, key: str, *, seconds: int, size: int) -> str:
        access_key, secret_key, region = self._credentials
        return presign_put(base_url=self._public_base_url, bucket=self.bucket, key=key, access_key=access_key,
                           secret_key=secret_key, region=region, seconds=seconds, now=datetime.now(UTC),
                           signed_headers=PUT_ONCE_HEADERS | {"content-length": str(size)})

    async def copy(self, source: str, target: str, *, content_type: str, match_etag: str | None = None) -> bool:
        try:
            await self._run(self.client.copy_object, self.bucket, target,
                            CopySource(self.bucket, source, match_etag=match_etag),
                            metadata={"Content-Type": content_type}, metadata_directive=REPLACE)
        except S3Error as exc:
            if exc.code in (*MISSING, "PreconditionFailed"):
                return False
            raise
        return True

    async def list_objects(self, prefix: str = "") -> AsyncIterator[StoredObject]:
        items = await self._run(lambda: list(self.client.list_objects(self.bucket, prefix=prefix, recursive=True)))
        for item in items:
            if item.object_name and not item.is_dir:
                yield StoredObject(key=item.object_name, size=int(item.size or 0),
                                   last_modified=item.last_modified)
