"""A stream of unknown length written to S3 as a multipart upload, from one worker thread fed by the event loop.

Not `Minio.put_object(length=-1)`: for a stream of unknown length it reads one byte past each part and copies the
part twice more (the byte kept is prepended, the byte read ahead cut off), each part a fresh 5 MiB allocation;
with our reader joining the chunks, every byte was copied three times on its way to the socket. Here each byte is
copied once, into one of a few part buffers reused for the whole upload, and hashed (the SHA-256 of the whole
stream, which the item's row keeps) in this thread, beside the event loop that reads the request rather than in
it, while the pool threads send the parts already filled.

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

import base64
import contextlib
import hashlib
import io
import mmap
import queue
import zlib
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from datetime import datetime
from typing import Any
from xml.etree import ElementTree

import anyio
from minio import Minio, time
from minio.credentials import Credentials
from minio.error import S3Error
from minio.helpers import md5sum_hash

from evidence.storage.base import StoredStream

# S3's smallest part (but the last). The memory an upload holds is (PARALLEL_PARTS + 1) part buffers.
PART_SIZE = 5 * 1024 * 1024
PARALLEL_PARTS = 3  # parts sent at once, as the minio client does
FEED_CHUNKS = 8  # bounded: the event loop waits when the uploading thread falls behind
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
S3_XMLNS = "http://s3.amazonaws.com/doc/2006-03-01/"


class Aborted(OSError):
    """The producer of the stream failed: the upload must fail too, never complete a truncated object."""


class _Abort:
    pass


class ChunkFeed:
    """The chunks from the event loop to the uploading thread, through a bounded queue; `None` ends the stream."""

    def __init__(self) -> None:
        self.chunks: queue.Queue[bytes | memoryview | _Abort | None] = queue.Queue(maxsize=FEED_CHUNKS)

    async def put(self, item: bytes | memoryview | None) -> None:
        while True:
            try:
                self.chunks.put_nowait(item)
                return
            except queue.Full:
                await anyio.sleep(0.002)

    def abort(self) -> None:
        with contextlib.suppress(queue.Empty):
            while True:
                self.chunks.get_nowait()
        self.chunks.put_nowait(_Abort())

    def get(self) -> bytes | memoryview | None:
        chunk = self.chunks.get()
        if isinstance(chunk, _Abort):
            raise Aborted("upload aborted by its producer")
        return chunk


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
    """An anonymous mapping, not a bytearray: unmapped when the upload ends, so the process goes back to its idle
    size at once (freed bytearrays of this size stay in the worker threads' malloc arenas)."""
    return mmap.mmap(-1, PART_SIZE)


class PartWriter:
    """Assembles the stream into parts and sends each full one; blocking, one thread (`upload`)."""

    def __init__(self, client: Minio, bucket: str, key: str, *, content_type: str) -> None:
        self.client, self.bucket, self.key, self.content_type = client, bucket, key, content_type
        self.hash = hashlib.sha256()
        self.size = 0
        self._buffer = _part_buffer()
        self._filled = 0
        self._buffers = [self._buffer]
        self._spare: list[mmap.mmap] = []
        self._upload_id: str | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._sending: dict[Future[tuple[str, str]], tuple[int, mmap.mmap]] = {}
        self._etags: dict[int, tuple[str, str]] = {}  # part number: (ETag, CRC32)

    def upload(self, feed: ChunkFeed) -> StoredStream:
        try:
            while (chunk := feed.get()) is not None:
                self.write(chunk)
            return self.finish()
        except BaseException:
            self.abort()
            raise
        finally:
            if self._pool is not None:
                self._pool.shutdown(wait=True)
            for buffer in self._buffers:
                with contextlib.suppress(BufferError):  # a view still held (a failed part's traceback): GC unmaps it
                    buffer.close()

    def write(self, chunk: bytes | memoryview) -> None:
        self.hash.update(chunk)
        self.size += len(chunk)
        view = memoryview(chunk)
        while view:
            if self._filled == PART_SIZE:
                # Sent only once a byte follows it: the last part is never empty.
                self._send_part()
            count = min(len(view), PART_SIZE - self._filled)
            self._buffer[self._filled:self._filled + count] = view[:count]
            self._filled += count
            view = view[count:]

    def finish(self) -> StoredStream:
        if self._upload_id is None:  # one part at most: a plain PUT
            self.client.put_object(self.bucket, self.key, io.BytesIO(self._buffer[:self._filled]), self._filled,
                                   content_type=self.content_type)
        else:
            self._send_part()
            while self._sending:
                self._collect(block=True)
            self._complete()
        return StoredStream(size=self.size, sha256=self.hash.hexdigest())

    def abort(self) -> None:
        """Wait for the parts in flight (a part landing after the abort would outlive it), then abort."""
        for future in self._sending:
            future.cancel()
        wait(self._sending)
        if self._upload_id is not None:
            with contextlib.suppress(Exception):  # what stays is the store's to expire; the first error matters
                self.client._abort_multipart_upload(self.bucket, self.key, self._upload_id)

    def _send_part(self) -> None:
        if self._upload_id is None:
            self._upload_id = self.client._create_multipart_upload(
                self.bucket, self.key, {"Content-Type": self.content_type, "x-amz-checksum-algorithm": "CRC32"})
            self._pool = ThreadPoolExecutor(PARALLEL_PARTS, thread_name_prefix="evidence-part")
        assert self._pool is not None
        number = len(self._etags) + len(self._sending) + 1
        # A view of the buffer, not a copy: the client only takes its length and hands it to urllib3, which sends
        # any buffer (its annotation says bytes).
        future = self._pool.submit(self._upload_part, number, memoryview(self._buffer)[:self._filled])
        self._sending[future] = (number, self._buffer)
        self._buffer, self._filled = self._free_buffer(), 0

    def _upload_part(self, number: int, body: memoryview) -> tuple[str, str]:
        """One part, in a pool thread: its CRC32, then the PUT; returns (ETag, CRC32)."""
        assert self._upload_id is not None
        crc = crc32_header(body)
        headers = {"x-amz-content-sha256": UNSIGNED_PAYLOAD, "x-amz-checksum-crc32": crc}
        etag = self.client._upload_part(self.bucket, self.key, body, headers,  # type: ignore[arg-type]
                                        self._upload_id, number)
        return etag, crc

    def _complete(self) -> None:
        """CompleteMultipartUpload naming each part's CRC32 (the upload was created with the algorithm; the minio
        client's own call lists ETags only)."""
        assert self._upload_id is not None
        root = ElementTree.Element("CompleteMultipartUpload", xmlns=S3_XMLNS)
        for number, (etag, crc) in sorted(self._etags.items()):
            part = ElementTree.SubElement(root, "Part")
            ElementTree.SubElement(part, "PartNumber").text = str(number)
            ElementTree.SubElement(part, "ETag").text = f'"{etag}"'
            ElementTree.SubElement(part, "ChecksumCRC32").text = crc
        body = ElementTree.tostring(root)
        response = self.client._execute(
            "POST", self.bucket, self.key, body=body, query_params={"uploadId": self._upload_id},
            headers={"Content-Type": "application/xml", "Content-MD5": md5sum_hash(body) or ""})
        if b"<Error>" in response.data:  # S3 may answer 200 with an error in the body (a key's "<" is escaped)
            raise S3Error.fromxml(response)

    def _free_buffer(self) -> mmap.mmap:
        """A buffer whose part has been sent; a new one while fewer than PARALLEL_PARTS + 1 exist; else wait."""
        self._collect(block=False)
        if not self._spare and len(self._buffers) <= PARALLEL_PARTS:
            self._buffers.append(_part_buffer())
            return self._buffers[-1]
        while not self._spare:
            self._collect(block=True)
        return self._spare.pop()

    def _collect(self, *, block: bool) -> None:
        """Record the parts sent (a failed part raises its error here)."""
        done = [future for future in self._sending if future.done()]
        if not done and block:
            done = list(wait(self._sending, return_when=FIRST_COMPLETED).done)
        for future in done:
            number, buffer = self._sending.pop(future)
            self._spare.append(buffer)
            self._etags[number] = future.result()
