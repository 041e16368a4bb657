"""The storage adapter against the real S3 server, and the migrations against the models."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterator

import pytest
from minio.error import S3Error

from evidence.config import Settings
from evidence.main import make_storage
from evidence.storage import multipart
from evidence.storage.multipart import PART_SIZE
from tests.evidence.conftest import BUCKET, S3Server


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

    result = await storage.put_stream(key, chunks(12), content_type="application/octet-stream")
    stored = await storage.stat(key)
    read_back = b"".join([c async for c in storage.get_stream(key)])
    with pytest.raises(RuntimeError):
        await storage.put_stream(f"{key}-broken", chunks(3, fail=True), content_type="application/octet-stream")
    await storage.delete(key)

    assert result.size == 12 * len(chunk) and stored is not None and stored.size == result.size
    assert result.sha256 == hashlib.sha256(chunk * 12).hexdigest()
    assert read_back == chunk * 12
    assert await storage.stat(f"{key}-broken") is None
    assert await storage.stat(key) is None
    assert s3.keys("stream-test/") == []


@pytest.mark.parametrize("sizes", [
    [],  # an empty object (how a direct upload's URL is closed)
    [1, 0, 1000],  # smaller than one part: a plain PUT
    [PART_SIZE],  # exactly one part
    [777 * 1024] * 13 + [PART_SIZE * 2 - 777 * 1024 * 13],  # exactly two parts, chunks across their edge
    [3 * 1024 * 1024 + 1] * 7,  # parts of 5 MiB and a short last one
], ids=["empty", "small", "one-part", "two-parts", "short-last-part"])
async def test_a_stream_is_stored_byte_for_byte_whatever_its_part_edges(
        evidence_settings: Settings, s3: S3Server, sizes: list[int]) -> None:
    storage = make_storage(evidence_settings)
    key = f"stream-test/{uuid.uuid4()}"
    pieces = [bytes([i % 251]) * size for i, size in enumerate(sizes)]

    async def chunks() -> AsyncIterator[bytes | memoryview]:
        for i, piece in enumerate(pieces):
            yield memoryview(piece) if i % 2 else piece

    result = await storage.put_stream(key, chunks(), content_type="application/octet-stream")
    read_back = b"".join([c async for c in storage.get_stream(key)])
    await storage.delete(key)

    assert read_back == b"".join(pieces)
    assert result.size == sum(sizes) and result.sha256 == hashlib.sha256(read_back).hexdigest()


async def test_a_stream_that_fails_after_parts_were_sent_leaves_no_object_and_no_open_upload(
        evidence_settings: Settings, s3: S3Server) -> None:
    storage = make_storage(evidence_settings)
    key = f"stream-test/{uuid.uuid4()}"

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(4):
            yield b"x" * PART_SIZE
        raise RuntimeError("client went away")

    with pytest.raises(RuntimeError):
        await storage.put_stream(key, chunks(), content_type="application/octet-stream")
    open_uploads = s3.client()._list_multipart_uploads(BUCKET, prefix=key).uploads

    assert await storage.stat(key) is None
    assert open_uploads == []


async def test_a_part_whose_bytes_do_not_match_its_checksum_is_refused_by_the_store_and_nothing_stays(
        evidence_settings: Settings, s3: S3Server, monkeypatch: pytest.MonkeyPatch) -> None:
    # Parts go out as UNSIGNED-PAYLOAD: the CRC32 each names is what the store checks the bytes against.
    storage = make_storage(evidence_settings)
    key = f"stream-test/{uuid.uuid4()}"
    real_crc32 = multipart.crc32_header
    monkeypatch.setattr(multipart, "crc32_header", lambda data: real_crc32(b"other bytes"))

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(3):
            yield b"y" * PART_SIZE

    with pytest.raises(S3Error) as refused:
        await storage.put_stream(key, chunks(), content_type="application/octet-stream")
    open_uploads = s3.client()._list_multipart_uploads(BUCKET, prefix=key).uploads

    assert refused.value.code == "BadDigest"
    assert await storage.stat(key) is None
    assert open_uploads == []


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
