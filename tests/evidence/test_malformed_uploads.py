"""Broken multipart bodies and absurd file names are the sender's error (4xx), never a 500."""

from __future__ import annotations

import httpx
import pytest

from tests.evidence.conftest import S3Server, World
from tests.evidence.samples import API, pdf_bytes, upload

BOUNDARY = "edudx-boundary"


def _multipart(submission_id: str, tail: bytes) -> bytes:
    return (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"submission_id\"\r\n\r\n{submission_id}\r\n"
            f"--{BOUNDARY}\r\n").encode() + tail


@pytest.mark.parametrize("tail", [
    b"Content-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\n\r\n%PDF-1.4\r\n--edudx-boundary-X-\r\n",
    b"\x00\x01garbage without headers\r\n\r\n",
    b"Content-Disposition: form-data; name=\"file\"\r\nX-Long: " + b"a" * 100_000 + b"\r\n\r\n%PDF",
], ids=["bad-boundary-end", "no-part-headers", "huge-part-header"])
async def test_a_malformed_multipart_body_is_400_and_nothing_is_stored(
        client: httpx.AsyncClient, world: World, s3: S3Server, tail: bytes) -> None:
    submission_id = world.s11_submission["id"]
    refused = await client.post(f"{API}/files", content=_multipart(submission_id, tail), headers={
        **world.s11_officer, "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"})

    assert refused.status_code == 400, refused.text
    assert refused.json()["code"] == "malformed_upload"
    assert s3.keys() == []


async def test_a_5000_character_file_name_is_422(client: httpx.AsyncClient, world: World, s3: S3Server) -> None:
    submission_id = world.s11_submission["id"]
    refused = await upload(client, world.s11_officer, submission_id, pdf_bytes(), name="a" * 4996 + ".pdf")
    ticket = await client.post(f"{API}/uploads", headers=world.s11_officer, json={
        "submission_id": submission_id, "file_name": "a" * 4996 + ".pdf", "size": 1000})

    assert (refused.status_code, refused.json()["code"]) == (422, "invalid_upload"), refused.text
    assert "tên tệp" in refused.json()["detail"].lower()
    assert ticket.status_code == 422
    assert s3.keys() == []
