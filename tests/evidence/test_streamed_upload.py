"""A multipart upload goes straight on into the store while it arrives (no spool file, never whole in memory), at
the key its item will have, and is checked there before any row names it; the object is removed whenever no item
is written (refused, cut off, too large, duplicate), and the sweeper removes what a failed removal or a crash
leaves. Against the real SeaweedFS the tests start: after each upload the bucket holds exactly the objects of the
items, nothing under `staging/`."""

from __future__ import annotations

import os
import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest

import evidence.files.service as files_service
from edudx_common.db import utcnow
from evidence.files.sweeper import sweep_orphans
from tests.evidence.conftest import S3Server, World
from tests.evidence.samples import API, BOUNDARY, large_pdf, multipart_stream, pdf_bytes

MB = 1000 * 1000
MULTIPART = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}


async def _post(client: httpx.AsyncClient, world: World, chunks: Any, **options: Any) -> httpx.Response:
    body = multipart_stream({"submission_id": world.s11_submission["id"], "title": "Minh chứng lớn"}, chunks,
                            **options)
    return await client.post(f"{API}/files", content=body, headers={**world.s11_officer, **MULTIPART},
                             timeout=600)


@pytest.fixture
def large_limits(evidence_app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = evidence_app.state.settings
    monkeypatch.setattr(settings, "max_file_bytes", 250 * MB)
    monkeypatch.setattr(settings, "submission_quota_bytes", 500 * MB)


@pytest.mark.usefixtures("large_limits")
async def test_a_200_mb_pdf_is_stored_and_nothing_else_stays(client: httpx.AsyncClient, world: World,
                                                             s3: S3Server) -> None:
    response = await _post(client, world, large_pdf(200 * MB))

    assert response.status_code == 201, response.text
    item = response.json()
    assert item["content_type"] == "application/pdf" and item["size"] > 199 * MB
    keys = s3.keys()  # the item's own object, nothing staged left
    assert len(keys) == 1 and keys[0].startswith(world.s11_submission["id"] + "/")
    assert s3.client().stat_object("evidence-test", keys[0]).size == item["size"]


async def test_refused_and_broken_uploads_leave_no_object(client: httpx.AsyncClient, world: World,
                                                          s3: S3Server) -> None:
    # The right magic and 150 kB more, but no PDF structure: refused once it was staged whole.
    fake = await _post(client, world, [b"%PDF-1.7\n", os.urandom(150_000)])
    after_fake = s3.keys()
    # Over the 200 kB limit of these tests: refused while it streams.
    too_large = await _post(client, world, [os.urandom(64 * 1024) for _ in range(8)])
    after_too_large = s3.keys()
    # Cut off: the closing boundary never comes.
    cut = await _post(client, world, [pdf_bytes()], complete=False)
    after_cut = s3.keys()
    # A good one, then the same bytes again: one object, the second answer names the first item.
    content = pdf_bytes("Kế hoạch năm học")
    first = await _post(client, world, [content])
    again = await _post(client, world, [content])

    assert fake.status_code == 422 and fake.json()["code"] == "unsupported_file"
    assert too_large.status_code == 413
    assert cut.status_code == 400
    assert after_fake == after_too_large == after_cut == []
    assert first.status_code == 201 and again.status_code == 200 and again.json()["duplicate"] is True
    assert again.json()["id"] == first.json()["id"]
    assert len(s3.keys()) == 1 and s3.keys(prefix="staging/") == []


async def test_the_file_is_checked_at_its_final_key_before_any_row_names_it(
        client: httpx.AsyncClient, world: World, s3: S3Server, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}
    inspect_content = files_service.inspect_content

    def inspecting(head: bytes, size: int, open_file: Any) -> Any:
        seen["keys"] = s3.keys()  # what the store holds while the check runs (worker thread: a blocking call)
        return inspect_content(head, size, open_file)

    monkeypatch.setattr(files_service, "inspect_content", inspecting)
    response = await _post(client, world, [pdf_bytes("Kế hoạch kiểm tra tại chỗ")])

    assert response.status_code == 201, response.text
    # One object during the check, already under the submission (no staging key), and it is the one stored.
    [checked] = seen["keys"]
    assert checked.startswith(world.s11_submission["id"] + "/")
    assert s3.keys() == [checked]


async def test_an_object_left_by_a_failed_removal_is_swept_and_the_items_stay(
        client: httpx.AsyncClient, world: World, s3: S3Server, evidence_app: Any,
        monkeypatch: pytest.MonkeyPatch) -> None:
    state = evidence_app.state
    kept = await _post(client, world, [pdf_bytes("Minh chứng giữ lại")])
    # The store refuses every delete (as a crash between storing and the row would leave it): the refused file's
    # object stays behind, under the submission like an item's.
    with monkeypatch.context() as patch:
        async def failing_delete(key: str) -> None:
            raise OSError("store unreachable")

        patch.setattr(state.storage, "delete", failing_delete)
        refused = await _post(client, world, [b"%PDF-1.7\n", os.urandom(150_000)])
    keys_after_refusal = s3.keys()

    young = await sweep_orphans(state.session_factory, state.storage, older_than=timedelta(minutes=30))
    swept = await sweep_orphans(state.session_factory, state.storage, older_than=timedelta(minutes=30),
                                now=utcnow() + timedelta(hours=1))

    assert kept.status_code == 201 and refused.status_code == 422
    assert len(keys_after_refusal) == 2
    [orphan] = swept
    assert orphan in keys_after_refusal and orphan.startswith(world.s11_submission["id"] + "/")
    uuid.UUID(orphan.rsplit("/", 1)[1])
    assert young == []
    assert len(s3.keys()) == 1 and orphan not in s3.keys()
    content = await client.get(f"{API}/files/{kept.json()['id']}/content", headers=world.s11_officer)
    assert content.status_code == 200 and content.content.startswith(b"%PDF")
