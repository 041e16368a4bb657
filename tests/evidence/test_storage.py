"""The storage adapter against the real S3 server, and the migrations against the models."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest

from evidence.config import Settings
from evidence.main import make_storage
from tests.evidence.conftest import S3Server


async def test_streams_of_unknown_length_are_stored_in_parts_and_aborted_cleanly(
        evidence_settings: Settings, s3: S3Server) -> None:
    storage = make_storage(evidence_settings)
    key = f"stream-test/{uuid.uuid4()}"
    chunk = bytes(range(256)) * 4096  # 1 MiB

    async def chunks(count: int, fail: bool = False) -> AsyncIterator[bytes]:
        for _ in range(count):
            yield chunk
        if fail:
            raise RuntimeError("client went away")

    size = await storage.put_stream(key, chunks(12), content_type="application/octet-stream")
    stored = await storage.stat(key)
    read_back = b"".join([c async for c in storage.get_stream(key)])
    with pytest.raises(RuntimeError):
        await storage.put_stream(f"{key}-broken", chunks(3, fail=True), content_type="application/octet-stream")
    await storage.delete(key)

    assert size == 12 * len(chunk) and stored is not None and stored.size == size
    assert read_back == chunk * 12
    assert await storage.stat(f"{key}-broken") is None
    assert await storage.stat(key) is None
    assert s3.keys("stream-test/") == []


async def test_sweeper_removes_old_objects_without_a_row_and_keeps_the_rest(
        client: object, world: object, evidence_app: object, s3: S3Server) -> None:
    import io
    from datetime import timedelta

    from edudx_common.db import utcnow
    from evidence.files.sweeper import sweep_orphans
    from tests.evidence.samples import pdf_bytes, upload

    item = (await upload(client, world.s11_officer, world.s11_submission["id"], pdf_bytes())).json()  # type: ignore[arg-type, attr-defined]
    orphan = f"{item['submission_id']}/{uuid.uuid4()}"
    s3.client().put_object("evidence-test", orphan, io.BytesIO(b"left behind"), 11)
    state = evidence_app.state  # type: ignore[attr-defined]

    too_young = await sweep_orphans(state.session_factory, state.storage, older_than=timedelta(minutes=30))
    kept_while_young = orphan in s3.keys()
    swept = await sweep_orphans(state.session_factory, state.storage, older_than=timedelta(minutes=30),
                                now=utcnow() + timedelta(hours=1))

    assert too_young == [] and kept_while_young
    assert swept == [orphan]
    assert len(s3.keys()) == 1 and s3.keys()[0] != orphan


def test_the_queue_reader_hands_out_exactly_the_bytes_asked_in_order() -> None:
    from evidence.storage.s3 import _QueueReader

    reader = _QueueReader()
    pieces = [bytes([i]) * size for i, size in enumerate([3, 0, 7, 1, 10, 2])]
    for piece in pieces:
        reader.chunks.put_nowait(piece)
    reader.chunks.put_nowait(None)

    reads = [reader.read(4), reader.read(0), reader.read(9), reader.read(100), reader.read(5)]

    assert [len(r) for r in reads] == [4, 0, 9, 10, 0]
    assert b"".join(reads) == b"".join(pieces)
