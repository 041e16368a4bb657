"""Direct (presigned PUT) uploads for phones: ask, PUT straight to the real S3 server, confirm."""

from __future__ import annotations

import asyncio
import hashlib
import io
import uuid
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from pydantic import ValidationError

from edudx_common.db import utcnow
from evidence.config import Settings
from evidence.files.sweeper import sweep_orphans
from evidence.main import make_storage
from tests.evidence.conftest import S3Server, World
from tests.evidence.samples import API, elf_bytes, pdf_bytes

VIETNAMESE = set("ảạăắằẳẵặâấầẩẫậđẻẽẹêếềểễệỉĩịỏọôốồổỗộơớờởỡợủũụưứừửữựỳỷỹỵáàãéèíìóòõúùýÁÀẢÃẠĐ")


async def request_upload(client: httpx.AsyncClient, headers: dict[str, str], submission_id: str, size: int,
                         **fields: Any) -> httpx.Response:
    body = {"submission_id": submission_id, "file_name": "Biên bản họp.pdf", "size": size,
            "content_type": "application/pdf", **fields}
    return await client.post(f"{API}/uploads", json=body, headers=headers)


async def put(ticket: dict[str, Any], content: bytes) -> httpx.Response:
    """PUT the bytes to the presigned URL, as a phone would (no credentials)."""
    async with httpx.AsyncClient() as http:
        return await http.request(ticket["method"], ticket["url"], content=content, headers=ticket["headers"])


def staged_sizes(s3: S3Server) -> list[int]:
    """Sizes of the objects under staging/: a settled upload leaves an empty one that closes its URL."""
    return [o.size or 0 for o in s3.client().list_objects("evidence-test", prefix="staging/", recursive=True)]


def stored_keys(s3: S3Server) -> list[str]:
    return [k for k in s3.keys() if not k.startswith("staging/")]


async def complete(client: httpx.AsyncClient, headers: dict[str, str], upload_id: str) -> httpx.Response:
    return await client.post(f"{API}/uploads/{upload_id}/complete", headers=headers)


async def test_direct_upload_becomes_evidence_and_downloads_back(client: httpx.AsyncClient, world: World,
                                                                 s3: S3Server) -> None:
    content = pdf_bytes("Biên bản họp hội đồng")
    submission_id = world.s11_submission["id"]
    asked = await request_upload(client, world.s11_officer, submission_id, len(content), criterion_codes=["1.1"],
                                 title="Biên bản họp hội đồng trường")
    ticket = asked.json()
    staged_keys = s3.keys()
    first_put = await put(ticket, content[: len(content) // 2])  # not the declared size: S3 refuses it
    second_put = await put(ticket, content)
    twice = await put(ticket, content)  # the answer was lost: the file is there, confirm it
    done = await complete(client, world.s11_officer, ticket["upload_id"])
    again = await complete(client, world.s11_officer, ticket["upload_id"])
    reused = await put(ticket, content)
    catalogue = await client.get(f"{API}/submissions/{submission_id}/files", headers=world.s11_officer)
    stored = await client.get(f"{API}/files/{done.json()['id']}/content", headers=world.s11_officer)

    assert asked.status_code == 201, asked.text
    assert ticket["method"] == "PUT" and ticket["url"].startswith(f"http://{s3.endpoint}/")
    assert staged_keys == []  # nothing is stored before the phone sends it
    assert first_put.status_code == 403 and second_put.status_code == 200
    assert twice.status_code == 412
    assert done.status_code == 201, done.text
    assert reused.status_code == 412  # the URL stores nothing once the upload is confirmed
    item = done.json()
    assert item["sha256"] == hashlib.sha256(content).hexdigest() and item["size"] == len(content)
    assert item["content_type"] == "application/pdf" and item["original_name"] == "Biên bản họp.pdf"
    assert item["title"] == "Biên bản họp hội đồng trường" and item["codes"] == ["H1.1-01"]
    assert again.status_code == 200 and again.json()["id"] == item["id"]
    assert [i["id"] for i in catalogue.json()["items"]] == [item["id"]]
    assert stored.status_code == 200 and stored.content == content
    assert staged_sizes(s3) == [0] and stored_keys(s3) == [f"{submission_id}/{stored_keys(s3)[0].split('/')[1]}"]


async def test_an_executable_put_directly_is_refused_and_removed(client: httpx.AsyncClient, world: World,
                                                                s3: S3Server) -> None:
    content = elf_bytes()
    submission_id = world.s11_submission["id"]
    ticket = (await request_upload(client, world.s11_officer, submission_id, len(content))).json()
    uploaded = await put(ticket, content)
    refused = await complete(client, world.s11_officer, ticket["upload_id"])
    after = await complete(client, world.s11_officer, ticket["upload_id"])
    catalogue = await client.get(f"{API}/submissions/{submission_id}/files", headers=world.s11_officer)

    assert uploaded.status_code == 200
    assert refused.status_code == 422 and refused.json()["code"] == "unsupported_file"
    assert refused.headers["content-type"] == "application/problem+json"
    assert VIETNAMESE & set(refused.json()["detail"])
    assert after.status_code == 404 and after.json()["code"] == "upload_not_found"
    assert catalogue.json()["items"] == [] and stored_keys(s3) == [] and staged_sizes(s3) == [0]
    assert (await put(ticket, content)).status_code == 412


async def test_wrong_size_and_limits_are_refused(client: httpx.AsyncClient, world: World, s3: S3Server) -> None:
    submission_id = world.s11_submission["id"]
    too_large = await request_upload(client, world.s11_officer, submission_id, 250_000)
    content = pdf_bytes()
    ticket = (await request_upload(client, world.s11_officer, submission_id, 1000)).json()
    smaller = await put(ticket, content)
    larger = await put(ticket, content + b"0" * 60 * 1024)  # a ticket for 1,000 bytes took 60 KiB and more
    not_there = await complete(client, world.s11_officer, ticket["upload_id"])

    assert too_large.status_code == 413 and too_large.json()["code"] == "file_too_large"
    assert smaller.status_code == 403 and larger.status_code == 403
    assert not_there.status_code == 404 and not_there.json()["code"] == "upload_not_found"
    assert s3.keys() == []
    assert parse_qs(urlsplit(ticket["url"]).query)["X-Amz-SignedHeaders"] == ["content-length;host;if-none-match"]


async def test_upload_urls_live_at_most_15_minutes(client: httpx.AsyncClient, world: World) -> None:
    ticket = (await request_upload(client, world.s11_officer, world.s11_submission["id"], 1000)).json()

    assert int(parse_qs(urlsplit(ticket["url"]).query)["X-Amz-Expires"][0]) <= 900
    with pytest.raises(ValidationError):
        Settings(upload_presign_seconds=3600)


async def test_complete_before_the_put_is_404_and_the_upload_stays_open(client: httpx.AsyncClient,
                                                                        world: World) -> None:
    content = pdf_bytes()
    ticket = (await request_upload(client, world.s11_officer, world.s11_submission["id"], len(content))).json()
    early = await complete(client, world.s11_officer, ticket["upload_id"])
    unknown = await complete(client, world.s11_officer, str(uuid.uuid4()))
    await put(ticket, content)
    late = await complete(client, world.s11_officer, ticket["upload_id"])

    assert early.status_code == 404 and early.json()["code"] == "upload_not_found"
    assert early.headers["content-type"] == "application/problem+json" and VIETNAMESE & set(early.json()["detail"])
    assert unknown.status_code == 404
    assert late.status_code == 201, late.text


async def test_same_bytes_as_an_existing_item_answer_that_item(client: httpx.AsyncClient, world: World,
                                                               s3: S3Server) -> None:
    content = pdf_bytes()
    submission_id = world.s11_submission["id"]
    tickets = [(await request_upload(client, world.s11_officer, submission_id, len(content))).json()
               for _ in range(2)]
    for ticket in tickets:
        await put(ticket, content)
    first = await complete(client, world.s11_officer, tickets[0]["upload_id"])
    second = await complete(client, world.s11_officer, tickets[1]["upload_id"])

    assert first.status_code == 201 and second.status_code == 200
    assert second.json()["duplicate"] is True and second.json()["id"] == first.json()["id"]
    assert len(stored_keys(s3)) == 1 and staged_sizes(s3) == [0, 0]


async def test_an_expired_upload_url_is_refused_by_s3(client: httpx.AsyncClient, world: World,
                                                      evidence_app: Any) -> None:
    settings = evidence_app.state.settings
    evidence_app.state.settings = settings.model_copy(update={"upload_presign_seconds": 1})
    try:
        ticket = (await request_upload(client, world.s11_officer, world.s11_submission["id"], 100)).json()
    finally:
        evidence_app.state.settings = settings
    await asyncio.sleep(2.5)
    expired = await put(ticket, b"%PDF" + b"0" * 96)

    assert expired.status_code == 403 and b"expired" in expired.content


async def test_another_school_can_neither_start_nor_complete_an_upload(client: httpx.AsyncClient, world: World,
                                                                       s3: S3Server) -> None:
    content = pdf_bytes()
    submission_id = world.s11_submission["id"]
    foreign = await request_upload(client, world.s21_officer, submission_id, len(content))
    ticket = (await request_upload(client, world.s11_officer, submission_id, len(content))).json()
    await put(ticket, content)
    hijack = await complete(client, world.s21_officer, ticket["upload_id"])
    reviewer = await request_upload(client, world.p1_reviewer, submission_id, len(content))
    own = await complete(client, world.s11_officer, ticket["upload_id"])

    assert foreign.status_code == 404 and foreign.json()["code"] == "submission_not_found"
    assert hijack.status_code == 404 and hijack.json()["code"] == "upload_not_found"
    assert reviewer.status_code == 403 and reviewer.json()["code"] == "not_allowed"
    assert own.status_code == 201, own.text


async def test_sweeper_closes_expired_uploads_and_removes_their_staging_objects(
        client: httpx.AsyncClient, world: World, evidence_app: Any, s3: S3Server) -> None:
    content = pdf_bytes()
    submission_id = world.s11_submission["id"]
    ticket = (await request_upload(client, world.s11_officer, submission_id, len(content))).json()
    await put(ticket, content)
    [staged] = s3.keys("staging/")
    stray = f"staging/{submission_id}/{uuid.uuid4()}"  # a staging object without a pending row
    s3.client().put_object("evidence-test", stray, io.BytesIO(b"left behind"), 11)
    state = evidence_app.state

    while_valid = await sweep_orphans(state.session_factory, state.storage, older_than=timedelta(minutes=30),
                                      now=utcnow() + timedelta(minutes=40))
    kept = s3.keys("staging/")
    swept = await sweep_orphans(state.session_factory, state.storage, older_than=timedelta(minutes=30),
                                now=utcnow() + timedelta(hours=3))
    closed = await complete(client, world.s11_officer, ticket["upload_id"])

    assert while_valid == [stray] and kept == [staged]
    assert swept == [staged] and s3.keys() == []
    assert closed.status_code == 404 and closed.json()["code"] == "upload_not_found"


async def test_urls_are_signed_for_the_public_endpoint(evidence_settings: Any) -> None:
    storage = make_storage(evidence_settings.model_copy(
        update={"s3_public_endpoint": "https://tep.edudx.example.vn"}))

    put_url = await storage.presigned_put("staging/x/y", seconds=60, size=10)
    get_url = await storage.presigned_get("a/b", seconds=60, content_type="application/pdf",
                                          disposition="inline")

    assert put_url.startswith("https://tep.edudx.example.vn/") and "X-Amz-Signature=" in put_url
    assert get_url.startswith("https://tep.edudx.example.vn/")


async def test_conditional_read_and_copy_refuse_a_replaced_object(evidence_settings: Any, s3: S3Server) -> None:
    from evidence.storage.base import ObjectChanged

    storage = make_storage(evidence_settings)
    key = f"staging/cond/{uuid.uuid4()}"
    s3.client().put_object("evidence-test", key, io.BytesIO(b"first"), 5)
    stale = await storage.stat(key)
    s3.client().put_object("evidence-test", key, io.BytesIO(b"second!"), 7)
    try:
        copied = await storage.copy(key, f"{key}-copy", content_type="application/pdf",
                                    match_etag=stale.etag if stale else None)
        read_error = None
        try:
            _ = [c async for c in storage.get_stream(key, match_etag=stale.etag if stale else None)]
        except ObjectChanged as exc:
            read_error = exc
    finally:
        await storage.delete(key)
        await storage.delete(f"{key}-copy")

    assert stale is not None and stale.etag
    assert copied is False and read_error is not None


async def test_the_empty_object_closing_a_confirmed_upload_is_swept_once_its_url_expired(
        client: httpx.AsyncClient, world: World, evidence_app: Any, s3: S3Server) -> None:
    content = pdf_bytes()
    ticket = (await request_upload(client, world.s11_officer, world.s11_submission["id"], len(content))).json()
    await put(ticket, content)
    done = await complete(client, world.s11_officer, ticket["upload_id"])
    state = evidence_app.state
    await sweep_orphans(state.session_factory, state.storage, older_than=timedelta(minutes=30))
    still_closed = staged_sizes(s3)
    await sweep_orphans(state.session_factory, state.storage, older_than=timedelta(minutes=30),
                        now=utcnow() + timedelta(hours=3))

    assert done.status_code == 201 and still_closed == [0]
    assert staged_sizes(s3) == [] and len(stored_keys(s3)) == 1
