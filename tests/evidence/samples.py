"""Files to upload: real small documents and the hostile ones the service must refuse."""

from __future__ import annotations

import base64
import io
import zipfile
from typing import Any

import httpx
from pypdf import PdfWriter

API = "/api/evidence"
DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
PNG_1X1 = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9aw"
                           "AAAABJRU5ErkJggg==")


def pdf_bytes(title: str = "Kế hoạch ứng dụng CNTT") -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_metadata({"/Title": title})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def elf_bytes() -> bytes:
    return b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + b"\x00" * 200


def pe_bytes() -> bytes:
    return b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 50 + b"PE\x00\x00" + b"\x00" * 200


def fake_pdf_bytes() -> bytes:
    return b"%PDF-1.7\n" + bytes(range(256)) * 4  # the right magic, no PDF structure


def _content_types(main: str) -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            f'content-types"><Override PartName="/word/document.xml" ContentType="{main}"/></Types>')


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _content_types(DOCX_MAIN))
        archive.writestr("word/document.xml", "<w:document>Báo cáo</w:document>")
    return buffer.getvalue()


def zip_bomb_docx() -> bytes:
    """A valid-looking DOCX whose one part inflates 100 MB of zeros from ~100 KB."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", _content_types(DOCX_MAIN))
        with archive.open("word/document.xml", "w", force_zip64=True) as part:
            zeros = b"\x00" * (1024 * 1024)
            for _ in range(100):
                part.write(zeros)
    return buffer.getvalue()


async def upload(client: httpx.AsyncClient, headers: dict[str, str], submission_id: str, content: bytes,
                 name: str = "minh-chung.pdf", mime: str = "application/pdf", **fields: Any) -> httpx.Response:
    data = {"submission_id": submission_id, **fields}
    return await client.post(f"{API}/files", data=data, files={"file": (name, content, mime)}, headers=headers)


async def fetch(url: str) -> httpx.Response:
    """GET a presigned URL straight from the S3 server, as a browser would."""
    async with httpx.AsyncClient() as http:
        return await http.get(url)
