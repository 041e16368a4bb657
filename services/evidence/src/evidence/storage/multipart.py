"""A stream of unknown length written to S3 as a multipart upload, fed by the event loop part by part.

Not `Minio.put_object(length=-1)`: for a stream of unknown length it reads one byte past each part and copies the
part twice more (the byte kept is prepended, the byte read ahead cut off), each part a fresh 5 MiB allocation.
Here each byte is copied once, by the event loop as the request's chunks arrive, into one of a few part buffers
reused for the whole upload. Only a full part crosses to a thread: one ordered thread adds it to the SHA-256 of
the whole stream (which the item's row keeps), a pool sends it; the loop meanwhile fills the next buffer. The
threads are handed 40 parts for 200 MB rather than ~800 chunks: a chunk at a time through a queue to a writing
thread, the hand-offs (locks, wake-ups, the per-chunk Python) cost more than the copying (bench/RESULTS.md,
session 12). When every buffer is in flight the loop waits for one (back-pressure: a slow store slows the reading
of the request instead of filling memory).

Each part is sent with `x-amz-content-sha256: UNSIGNED-PAYLOAD` and its CRC32 in `x-amz-checksum-crc32`, which the
store checks (a mismatch is refused with BadDigest and the upload aborted), not signed with a SHA-256 of its bytes
as the minio client does on plain HTTP. The signature still covers who writes, where (key, upload id, part number),
the length and the checksum; what it no longer covers is a body altered on the wire by someone able to rewrite
our traffic to the store, who on plain HTTP already reads every file: a store across an untrusted network takes
TLS, where the minio client itself sends UNSIGNED-PAYLOAD. Against corruption on the way the CRC32 is the check,
at a third of a SHA-256's cost (SeaweedFS, the test store, did not even check a signed payload's hash: a wrong
one was accepted). The whole file's SHA-256 stays ours, in the row.

The minio client's multipart calls used here (`_create_multipart_upload`, `_upload_part`, `_execute`,
`_abort_multipart_upload`) and `_build_headers` (overridden by `PartClient`) are private: the client is pinned
(requirements.txt) and tests/evidence/test_storage.py stores, refuses and aborts streams against a real S3 server.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import ctypes
import ctypes.util
import hashlib
import io
import mmap
import zlib
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_all
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from xml.etree import ElementTree

import anyio
import anyio.to_thread
from minio import Minio, time
from minio.credentials import Credentials
from minio.error import S3Error
from minio.helpers import md5sum_hash

from evidence.storage.base import StoredStream

# S3's smallest part (but the last). The memory an upload holds is (PARALLEL_PARTS + 1) part buffers.
PART_SIZE = 5 * 1024 * 1024
PARALLEL_PARTS = 3  # parts sent at once, as the minio client does
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
S3_XMLNS = "http://s3.amazonaws.com/doc/2006-03-01/"


def _load_libc() -> Any:
    with contextlib.suppress(OSError, TypeError):
        libc = ctypes.CDLL(ctypes.util.find_library("c"))
        if hasattr(libc, "malloc_trim"):  # glibc only
            return libc
    return None


_LIBC = _load_libc()


def release_freed_memory() -> None:
    """Hand freed heap memory back to the system. What the minio client and urllib3 allocate in worker threads
    stays in those threads' glibc arenas when freed: after an upload the process stayed 10–25 MiB above idle
    (bench/evidence_upload.py); trimming once per upload, in a worker thread, brings it back."""
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


class PartClient(Minio):
    """The minio client, except that a request whose headers already say `x-amz-content-sha256: UNSIGNED-PAYLOAD`
    is signed as such: the client otherwise computes the body's SHA-256 on plain HTTP whatever the headers say."""

    def _build_headers(self, host: str, headers: dict[str, Any] | None = None, body: bytes | None = None,
                       creds: Credentials | None = None) -> tuple[dict[str, Any], datetime]:
        if creds is None or not headers or headers.get("x-amz-content-sha256") != UNSIGNED_PAYLOAD:
            return super()._build_headers(host, headers, body, creds)
        headers["Host"] = host
        headers["User-Agent"] = self._user_agent
        if body:
            headers["Content-Length"] = str(len(body))
        if creds.session_token:
            headers["X-Amz-Security-Token"] = creds.session_token
        date = time.utcnow()
        headers["x-amz-date"] = time.to_amz_date(date)
        return headers, date


def crc32_header(data: bytes | memoryview | mmap.mmap) -> str:
    """`x-amz-checksum-crc32`: the base64 of the big-endian CRC32 (zlib's releases the GIL on large buffers)."""
    return base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()


def _part_buffer() -> mmap.mmap:
    """A private anonymous mapping, not a bytearray: unmapped when the upload ends, so the process goes back to its
    idle size at once (freed bytearrays of this size stay in malloc's arenas). Private, not shared (mmap's default
    for -1): a shared one is backed by shmem, whose page faults cost more."""
    return mmap.mmap(-1, PART_SIZE, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)


@dataclass
class _PartInFlight:
    buffer: mmap.mmap
    hashed: Future[None]  # added to the stream's SHA-256 (the ordered thread)
    sent: Future[tuple[str, str]]  # (ETag, CRC32) once stored

    def done(self) -> bool:
        return self.hashed.done() and self.sent.done()


class StreamUpload:
    """One object written from the event loop: `write` each chunk, then `finish`; on any failure `abort`.

    Not safe for concurrent use: one task writes. Up to one part's worth the object is a plain PUT at `finish`;
    beyond, a multipart upload created when the first part is full.
    """

    def __init__(self, client: Minio, bucket: str, key: str, *, content_type: str) -> None:
        self.client, self.bucket, self.key, self.content_type = client, bucket, key, content_type
        self.hash = hashlib.sha256()
        self.size = 0
        self._buffer = _part_buffer()
        self._filled = 0
        self._buffers = [self._buffer]
        self._spare: list[mmap.mmap] = []
        # The SHA-256 must see the parts in order: one thread adds them (and creates the upload, first).
        self._ordered: ThreadPoolExecutor | None = None
        self._senders: ThreadPoolExecutor | None = None
        self._upload_id: Future[str] | None = None
        self._in_flight: dict[int, _PartInFlight] = {}
        self._etags: dict[int, tuple[str, str]] = {}  # part number: (ETag, CRC32)
        self._settled = asyncio.Event()  # set from the threads whenever a part's work ends
        self._loop = asyncio.get_running_loop()
        self._closed = False

    async def write(self, chunk: bytes | memoryview) -> None:
        self.size += len(chunk)
        view = memoryview(chunk)
        while view:
            if self._filled == PART_SIZE:
                # Sent only once a byte follows it: the last part is never empty.
                await self._send_part(last=False)
            count = min(len(view), PART_SIZE - self._filled)
            self._buffer[self._filled:self._filled + count] = view[:count]
            self._filled += count
            view = view[count:]

    async def finish(self) -> StoredStream:
        """Store what was written; its size and SHA-256."""
        try:
            if self._upload_id is None:  # one part at most: a plain PUT
                await anyio.to_thread.run_sync(self._put_whole)
            else:
                await self._send_part(last=True)
                while self._in_flight:
                    await self._settle()
                await anyio.to_thread.run_sync(self._complete)
            return StoredStream(size=self.size, sha256=self.hash.hexdigest())
        finally:
            if self._upload_id is None:
                self._close()

    async def abort(self) -> None:
        """Stop: wait for the parts in flight (a part landing after the abort would outlive it), then abort the
        multipart upload. What fails here is left to the store's expiry: the first error is the one that matters.
        Call it shielded from cancellation."""
        for part in self._in_flight.values():
            part.sent.cancel()
        futures: list[Future[Any]] = [f for part in self._in_flight.values() for f in (part.hashed, part.sent)]
        if self._upload_id is not None:
            futures.append(self._upload_id)
        await anyio.to_thread.run_sync(lambda: wait_all(futures))
        if self._upload_id is not None and not self._upload_id.cancelled() and self._upload_id.exception() is None:
            upload_id = self._upload_id.result()
            with contextlib.suppress(Exception):
                await anyio.to_thread.run_sync(self.client._abort_multipart_upload, self.bucket, self.key, upload_id)
        self._close()
        await anyio.to_thread.run_sync(release_freed_memory)

    async def _send_part(self, *, last: bool) -> None:
        if self._upload_id is None:
            self._ordered = ThreadPoolExecutor(1, thread_name_prefix="evidence-hash")
            self._senders = ThreadPoolExecutor(PARALLEL_PARTS, thread_name_prefix="evidence-part")
            self._upload_id = self._ordered.submit(
                self.client._create_multipart_upload, self.bucket, self.key,
                {"Content-Type": self.content_type, "x-amz-checksum-algorithm": "CRC32"})
            self._upload_id.add_done_callback(self._wake)
        assert self._ordered is not None and self._senders is not None
        number = len(self._etags) + len(self._in_flight) + 1
        # A view of the buffer, not a copy: the client only takes its length and hands it to urllib3, which sends
        # any buffer (its annotation says bytes).
        body = memoryview(self._buffer)[:self._filled]
        part = _PartInFlight(self._buffer, self._ordered.submit(self.hash.update, body),
                             self._senders.submit(self._upload_part, number, body))
        part.hashed.add_done_callback(self._wake)
        part.sent.add_done_callback(self._wake)
        self._in_flight[number] = part
        if not last:
            self._buffer, self._filled = await self._free_buffer(), 0

    def _put_whole(self) -> None:
        """The object as one PUT, in a worker thread."""
        with memoryview(self._buffer)[:self._filled] as data:
            self.hash.update(data)
            self.client.put_object(self.bucket, self.key, io.BytesIO(data), len(data),
                                   content_type=self.content_type)
        release_freed_memory()

    def _upload_part(self, number: int, body: memoryview) -> tuple[str, str]:
        """One part, in a pool thread: its CRC32, then the PUT; returns (ETag, CRC32)."""
        assert self._upload_id is not None
        upload_id = self._upload_id.result()  # created by the ordered thread before any part is hashed
        crc = crc32_header(body)
        headers = {"x-amz-content-sha256": UNSIGNED_PAYLOAD, "x-amz-checksum-crc32": crc}
        etag = self.client._upload_part(self.bucket, self.key, body, headers,  # type: ignore[arg-type]
                                        upload_id, number)
        return etag, crc

    def _complete(self) -> None:
        """CompleteMultipartUpload naming each part's CRC32 (the upload was created with the algorithm; the minio
        client's own call lists ETags only). In a worker thread."""
        assert self._upload_id is not None
        root = ElementTree.Element("CompleteMultipartUpload", xmlns=S3_XMLNS)
        for number, (etag, crc) in sorted(self._etags.items()):
            part = ElementTree.SubElement(root, "Part")
            ElementTree.SubElement(part, "PartNumber").text = str(number)
            ElementTree.SubElement(part, "ETag").text = f'"{etag}"'
            ElementTree.SubElement(part, "ChecksumCRC32").text = crc
        body = ElementTree.tostring(root)
        response = self.client._execute(
            "POST", self.bucket, self.key, body=body, query_params={"uploadId": self._upload_id.result()},
            headers={"Content-Type": "application/xml", "Content-MD5": md5sum_hash(body) or ""})
        if b"<Error>" in response.data:  # S3 may answer 200 with an error in the body (a key's "<" is escaped)
            raise S3Error.fromxml(response)
        self._close()
        release_freed_memory()

    async def _free_buffer(self) -> mmap.mmap:
        """A buffer whose part is hashed and sent; a new one while fewer than PARALLEL_PARTS + 1 exist; else wait."""
        self._collect()
        if not self._spare and len(self._buffers) <= PARALLEL_PARTS:
            self._buffers.append(_part_buffer())
            return self._buffers[-1]
        while not self._spare:
            await self._settle()
        return self._spare.pop()

    async def _settle(self) -> None:
        """Wait until some part's work ends (or has already), and record what has."""
        self._settled.clear()
        if not self._collect():
            await self._settled.wait()
            self._collect()

    def _collect(self) -> bool:
        """Record the parts hashed and sent (a failed part raises its error here); whether any was."""
        done = [number for number, part in self._in_flight.items() if part.done()]
        for number in done:
            part = self._in_flight.pop(number)
            self._spare.append(part.buffer)
            part.hashed.result()
            self._etags[number] = part.sent.result()
        if self._upload_id is not None and self._upload_id.done():
            self._upload_id.result()  # a refused creation fails the upload here, not at every part
        return bool(done)

    def _wake(self, _: Future[Any]) -> None:
        with contextlib.suppress(RuntimeError):  # the loop is gone: no one waits any more
            self._loop.call_soon_threadsafe(self._settled.set)

    def _close(self) -> None:
        """Stop the threads and unmap the buffers (once; from the loop or, after completing, a worker thread)."""
        if self._closed:
            return
        self._closed = True
        for pool in (self._ordered, self._senders):
            if pool is not None:
                pool.shutdown(wait=False)
        for buffer in self._buffers:
            with contextlib.suppress(BufferError):  # a view still held (a failed part's traceback): GC unmaps it
                buffer.close()
