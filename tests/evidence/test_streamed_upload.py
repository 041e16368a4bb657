"""A multipart upload goes straight on into a staging object in the store while it arrives (no spool file, never
whole in memory), is checked there, and only then copied to its final key; the staging object is removed in
every case. Against the real SeaweedFS the tests start: after each upload the bucket holds exactly the objects
of the items, nothing under `staging/`."""

from __future__ import annotations

import os
from typing import Any

import httpx
import pytest

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
