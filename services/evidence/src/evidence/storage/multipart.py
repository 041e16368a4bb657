"""A stream of unknown length written to S3 as a multipart upload, from one worker thread fed by the event loop.

Not `Minio.put_object(length=-1)`: for a stream of unknown length it reads one byte past each part and copies the
part twice more (the byte kept is prepended, the byte read ahead cut off), each part a fresh 5 MiB allocation;
with our reader joining the chunks, every byte was copied three times on its way to the socket. Here each byte is
copied once, into one of a few part buffers reused for the whole upload, and hashed (the SHA-256 of the whole
stream, which the item's row keeps) in this thread, beside the event loop that reads the request rather than in
it, while the pool threads send the parts already filled. Each part's own SHA-256, which signs its request
(SigV4 on plain HTTP), is still computed by the minio client in the pool thread that sends it: on 2 cores the two
hashes of a byte run side by side (hashlib releases the GIL).

The minio client's multipart calls used here (`_create_multipart_upload`, `_upload_part`,
`_complete_multipart_upload`, `_abort_multipart_upload`) are private: the client is pinned (requirements.txt)
and tests/evidence/test_storage.py stores and aborts streams against a real S3 server.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import mmap
import queue
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

import anyio
from minio import Minio
from minio.datatypes import Part

from evidence.storage.base import StoredStream

# S3's smallest part (but the last). The memory an upload holds is (PARALLEL_PARTS + 1) part buffers.
PART_SIZE = 5 * 1024 * 1024
PARALLEL_PARTS = 3  # parts sent at once, as the minio client does
FEED_CHUNKS = 8  # bounded: the event loop waits when the uploading thread falls behind


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
        self._sending: dict[Future[str], tuple[int, mmap.mmap]] = {}
        self._etags: dict[int, str] = {}

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
            parts = [Part(number, etag) for number, etag in sorted(self._etags.items())]
            self.client._complete_multipart_upload(self.bucket, self.key, self._upload_id, parts)
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
            self._upload_id = self.client._create_multipart_upload(self.bucket, self.key,
                                                                   {"Content-Type": self.content_type})
            self._pool = ThreadPoolExecutor(PARALLEL_PARTS, thread_name_prefix="evidence-part")
        assert self._pool is not None
        number = len(self._etags) + len(self._sending) + 1
        # A view of the buffer, not a copy: the client only takes its length, hashes it and hands it to urllib3,
        # which sends any buffer (its annotation says bytes).
        body = memoryview(self._buffer)[:self._filled]
        future = self._pool.submit(self.client._upload_part, self.bucket, self.key,
                                   body, None, self._upload_id, number)  # type: ignore[arg-type]
        self._sending[future] = (number, self._buffer)
        self._buffer, self._filled = self._free_buffer(), 0

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
