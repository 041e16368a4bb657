"""Uploading, listing and downloading evidence files through the real app, identity, submissions and S3."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, unquote, urlsplit

import httpx
import pytest

from evidence.files.names import display_name
from tests.evidence.conftest import S3Server, World
from tests.evidence.samples import (
    API,
    PNG_1X1,
    docx_bytes,
    elf_bytes,
    fake_pdf_bytes,
    fetch,
    pdf_bytes,
    pe_bytes,
    upload,
    zip_bomb_docx,
)
from tests.submissions.builders import FULL_ANSWERS, save, submit

VIETNAMESE = set("ảạăắằẳẵặâấầẩẫậđẻẽẹêếềểễệỉĩịỏọôốồổỗộơớờởỡợủũụưứừửữựỳỷỹỵáàãéèíìóòõúùýÁÀẢÃẠĐ")


async def test_pdf_uploads_lists_and_downloads_back(client: httpx.AsyncClient, world: World, s3: S3Server) -> None:
    content = pdf_bytes()
    submission_id = world.s11_submission["id"]

    created = await upload(client, world.s11_officer, submission_id, content, name="Kế hoạch CĐS 2024–2025.pdf",
                           criterion_codes="1.1, 2.3", title="Kế hoạch ứng dụng CNTT năm học 2024-2025")
    item = created.json()
    catalogue = await client.get(f"{API}/submissions/{submission_id}/files", headers=world.s11_officer)
    through_service = await client.get(f"{API}/files/{item['id']}/content", headers=world.s11_officer)
    link = await client.get(f"{API}/files/{item['id']}/download", headers=world.s11_officer)
    direct = await fetch(link.json()["url"])
    redirect = await client.get(f"{API}/files/{item['id']}/download", params={"redirect": True},
                                headers=world.s11_officer)

    assert created.status_code == 201, created.text
    assert item["sha256"] == hashlib.sha256(content).hexdigest() and item["size"] == len(content)
    assert item["content_type"] == "application/pdf" and item["original_name"] == "Kế hoạch CĐS 2024–2025.pdf"
    assert item["criterion_codes"] == ["1.1", "2.3"] and item["draft_number"] == 1 and item["duplicate"] is False
    assert s3.keys(f"{submission_id}/") != [] and len(s3.keys()) == 1
    assert "Kế hoạch" not in s3.keys()[0]
    assert catalogue.status_code == 200 and catalogue.json()["items"][0]["codes"] == ["H1.1-01", "H2.3-01"]
    assert item["codes"] == ["H1.1-01", "H2.3-01"]
    assert catalogue.json()["total_bytes"] == len(content)
    assert through_service.status_code == 200 and through_service.content == content
    disposition = through_service.headers["content-disposition"]
    assert disposition.startswith("inline;") and "filename*=UTF-8''" in disposition
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == "Kế hoạch CĐS 2024–2025.pdf"
    assert through_service.headers["x-content-type-options"] == "nosniff"
    assert link.status_code == 200 and direct.status_code == 200 and direct.content == content
    assert hashlib.sha256(direct.content).hexdigest() == item["sha256"]
    assert redirect.status_code == 307 and redirect.headers["location"].startswith(f"http://{s3.endpoint}/")


async def test_presigned_url_is_refused_by_s3_after_it_expires(client: httpx.AsyncClient, world: World,
                                                               evidence_app: object) -> None:
    item = (await upload(client, world.s11_officer, world.s11_submission["id"], pdf_bytes())).json()
    settings = evidence_app.state.settings  # type: ignore[attr-defined]
    # Long enough that a loaded CI machine still fetches it fresh; then wait until S3's clock says it expired.
    evidence_app.state.settings = settings.model_copy(update={"presign_seconds": 5})  # type: ignore[attr-defined]
    try:
        url = (await client.get(f"{API}/files/{item['id']}/download", headers=world.s11_officer)).json()["url"]
    finally:
        evidence_app.state.settings = settings  # type: ignore[attr-defined]
    fresh = await fetch(url)
    query = parse_qs(urlsplit(url).query)
    signed = datetime.strptime(query["X-Amz-Date"][0], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    expires = signed + timedelta(seconds=int(query["X-Amz-Expires"][0]))
    await asyncio.sleep(max(0.0, (expires - datetime.now(UTC)).total_seconds()) + 1.5)
    expired = await fetch(url)
    tampered = await fetch(url.replace(item["submission_id"], world.s21_submission["id"]))

    assert fresh.status_code == 200
    assert expired.status_code == 403 and b"expired" in expired.content
    assert tampered.status_code == 403


@pytest.mark.parametrize(("name", "make", "status", "code"), [
    ("bao-cao.pdf", elf_bytes, 422, "unsupported_file"),
    ("quyet-dinh.pdf", pe_bytes, 422, "unsupported_file"),
    ("gia-mao.pdf", fake_pdf_bytes, 422, "unsupported_file"),
    ("rong.pdf", lambda: b"", 422, "empty_file"),
    ("ke-hoach.docx", zip_bomb_docx, 422, "unsupported_file"),
    ("qua-lon.pdf", lambda: pdf_bytes() + b"%" * 250_000, 413, "file_too_large"),
])
async def test_hostile_or_invalid_files_are_refused_and_nothing_is_stored(
        client: httpx.AsyncClient, world: World, s3: S3Server, name: str, make: object, status: int,
        code: str) -> None:
    submission_id = world.s11_submission["id"]
    refused = await upload(client, world.s11_officer, submission_id, make(), name=name)  # type: ignore[operator]
    catalogue = await client.get(f"{API}/submissions/{submission_id}/files", headers=world.s11_officer)

    assert refused.status_code == status, refused.text
    problem = refused.json()
    assert problem["code"] == code and refused.headers["content-type"] == "application/problem+json"
    assert VIETNAMESE & set(problem["detail"]), problem["detail"]
    assert catalogue.json()["items"] == []
    assert s3.keys() == []


async def test_other_allowed_types_are_recognised_by_content(client: httpx.AsyncClient, world: World) -> None:
    submission_id = world.s11_submission["id"]
    docx = await upload(client, world.s11_officer, submission_id, docx_bytes(), name="bao-cao.pdf")
    png = await upload(client, world.s11_officer, submission_id, PNG_1X1, name="anh.jpg", mime="image/jpeg")

    assert docx.status_code == 201, docx.text
    assert docx.json()["content_type"].endswith("wordprocessingml.document")
    assert png.status_code == 201 and png.json()["content_type"] == "image/png"


@pytest.mark.parametrize(("raw", "shown"), [
    ("../../etc/passwd", "passwd"),
    ("..\\..\\Windows\\System32\\bien-ban.pdf", "bien-ban.pdf"),
    ("/etc/../..", "minh-chung.pdf"),
])
async def test_path_traversal_names_are_reduced_to_a_safe_base_name(client: httpx.AsyncClient, world: World,
                                                                     s3: S3Server, raw: str, shown: str) -> None:
    submission_id = world.s11_submission["id"]
    created = await upload(client, world.s11_officer, submission_id, pdf_bytes(), name=raw)

    assert created.status_code == 201, created.text
    assert created.json()["original_name"] == shown
    [key] = s3.keys()
    assert key.startswith(f"{submission_id}/") and ".." not in key and "passwd" not in key


async def test_another_school_gets_404_even_with_the_ids(client: httpx.AsyncClient, world: World) -> None:
    submission_id = world.s11_submission["id"]
    item = (await upload(client, world.s11_officer, submission_id, pdf_bytes())).json()
    other = world.s21_officer

    responses = {
        "list": await client.get(f"{API}/submissions/{submission_id}/files", headers=other),
        "metadata": await client.get(f"{API}/files/{item['id']}", headers=other),
        "download": await client.get(f"{API}/files/{item['id']}/download", headers=other),
        "content": await client.get(f"{API}/files/{item['id']}/content", headers=other),
        "delete": await client.delete(f"{API}/files/{item['id']}", headers=other),
        "upload": await upload(client, other, submission_id, pdf_bytes("khác")),
    }
    reviewer_above = await client.get(f"{API}/submissions/{submission_id}/files", headers=world.p1_reviewer)
    reviewer_elsewhere = await client.get(f"{API}/submissions/{world.s21_submission['id']}/files",
                                          headers=world.p1_reviewer)
    reviewer_upload = await upload(client, world.p1_reviewer, submission_id, pdf_bytes("thẩm định"))
    anonymous = await client.get(f"{API}/files/{item['id']}")

    assert {name: r.status_code for name, r in responses.items()} == dict.fromkeys(responses, 404)
    assert responses["metadata"].json()["code"] == "evidence_not_found"
    assert responses["list"].json()["code"] == "submission_not_found"
    assert reviewer_above.status_code == 200 and len(reviewer_above.json()["items"]) == 1
    assert reviewer_elsewhere.status_code == 404
    assert reviewer_upload.status_code == 403 and reviewer_upload.json()["code"] == "not_allowed"
    assert anonymous.status_code == 401


async def test_same_file_twice_in_one_submission_is_recognised(client: httpx.AsyncClient, world: World,
                                                               s3: S3Server) -> None:
    content = pdf_bytes()
    first = await upload(client, world.s11_officer, world.s11_submission["id"], content, name="a.pdf")
    second = await upload(client, world.s11_principal, world.s11_submission["id"], content, name="b.pdf")
    elsewhere = await upload(client, world.s21_officer, world.s21_submission["id"], content, name="a.pdf")

    assert first.status_code == 201 and second.status_code == 200
    assert second.json()["duplicate"] is True and second.json()["id"] == first.json()["id"]
    assert first.json()["codes"] == second.json()["codes"] == ["HC-01"]
    assert elsewhere.status_code == 201
    assert len(s3.keys()) == 2


async def test_delete_in_draft_and_immutability_once_submitted(client: httpx.AsyncClient, world: World,
                                                               s3: S3Server) -> None:
    submission_id = world.s11_submission["id"]
    kept = (await upload(client, world.s11_officer, submission_id, pdf_bytes("giữ"))).json()
    dropped = (await upload(client, world.s11_officer, submission_id, pdf_bytes("xóa"))).json()
    deleted = await client.delete(f"{API}/files/{dropped['id']}", headers=world.s11_officer)
    assert deleted.status_code == 204 and len(s3.keys()) == 1

    async with httpx.AsyncClient(base_url=world.submissions_url) as sub:
        saved = await save(sub, world.s11_officer, world.s11_submission, FULL_ANSWERS)
        submitted = await submit(sub, world.s11_principal, saved.json())
    assert submitted.status_code == 200, submitted.text

    late_upload = await upload(client, world.s11_officer, submission_id, pdf_bytes("muộn"))
    late_delete = await client.delete(f"{API}/files/{kept['id']}", headers=world.s11_officer)

    assert late_upload.status_code == 409 and late_upload.json()["code"] == "submission_locked"
    assert late_delete.status_code == 409
    assert len(s3.keys()) == 1
    assert (await client.get(f"{API}/files/{kept['id']}", headers=world.s11_officer)).status_code == 200


@pytest.mark.parametrize(("raw", "shown"), [
    ("Biên\x00bản\x1f họp.pdf", "Biênbản họp.pdf"),
    ("Bie\u0302n ba\u0309n.pdf", "Biên bản.pdf"),  # decomposed (macOS) becomes composed
    ("..", "minh-chung.pdf"),
    (None, "minh-chung.pdf"),
    ("C:\\Users\\a\\Tờ trình.docx", "Tờ trình.docx"),
])
def test_display_name_keeps_vietnamese_and_drops_paths_and_controls(raw: str | None, shown: str) -> None:
    assert display_name(raw, "pdf" if shown.endswith("pdf") else "docx") == shown


