"""Files to upload: real small documents and the hostile ones the service must refuse."""

from __future__ import annotations

import base64
import io
import os
import zipfile
from collections.abc import AsyncIterator, Iterable, Iterator
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


def large_pdf(target_bytes: int) -> Iterator[bytes]:
    """A valid one-page PDF of about `target_bytes`, produced piece by piece (never whole in memory): its page
    shows one uncompressed RGB image of random, incompressible bytes."""
    width = 4000
    height = max(1, (target_bytes - 1000) // (width * 3))
    image_len = width * height * 3
    content = b"q 595 0 0 842 0 0 cm /Im0 Do Q\n"
    bodies = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
              b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Im0 5 0 R >> >> "
              b"/Contents 4 0 R >>", f"<< /Length {len(content)} >>\nstream\n".encode() + content + b"endstream"]
    offsets: list[int] = []
    position = 0
    head = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
    position += len(head)
    yield head
    for number, body in enumerate(bodies, start=1):
        offsets.append(position)
        piece = f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
        position += len(piece)
        yield piece
    offsets.append(position)
    piece = (f"5 0 obj\n<< /Type /XObject /Subtype /Image /Width {width} /Height {height} /ColorSpace /DeviceRGB "
             f"/BitsPerComponent 8 /Length {image_len} >>\nstream\n").encode()
    position += len(piece)
    yield piece
    left = image_len
    while left:
        count = min(left, 1024 * 1024)
        position += count
        left -= count
        yield os.urandom(count)
    piece = b"\nendstream\nendobj\n"
    position += len(piece)
    yield piece
    table = f"xref\n0 {len(offsets) + 1}\n0000000000 65535 f \n" + "".join(f"{o:010d} 00000 n \n" for o in offsets)
    yield (table + f"trailer\n<< /Size {len(offsets) + 1} /Root 1 0 R >>\nstartxref\n{position}\n%%EOF\n").encode()


BOUNDARY = "edudx-test-boundary-7d3f"


async def multipart_stream(fields: dict[str, str], file_chunks: Iterable[bytes], *, name: str = "minh-chung.pdf",
                           mime: str = "application/pdf", complete: bool = True) -> AsyncIterator[bytes]:
    """A multipart/form-data body (boundary `BOUNDARY`) streamed: the fields, then the file as it is produced;
    `complete=False` leaves out the closing boundary (a body cut off)."""
    for key, value in fields.items():
        yield (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{key}\"\r\n\r\n{value}\r\n").encode()
    yield (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
           f"Content-Type: {mime}\r\n\r\n").encode()
    for chunk in file_chunks:
        yield chunk
    if complete:
        yield f"\r\n--{BOUNDARY}--\r\n".encode()


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
