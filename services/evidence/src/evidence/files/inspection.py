"""What a file really is, from its bytes: magic numbers first, then a structure check per type.

The client's name and Content-Type are never trusted. Anything not positively recognised is refused.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import filetype

from edudx_common.archives import ArchiveLimits, UnsafeArchive, check_archive
from evidence.errors import EmptyFile, StorageUnavailable, UnsupportedFile

HEAD_BYTES = 8192
ZIP_MAX_ENTRIES = 10_000
ZIP_MAX_TOTAL_UNCOMPRESSED = 500 * 1000 * 1000
ZIP_MAX_RATIO = 100
CONTENT_TYPES_MAX = 1_000_000

PDF = "application/pdf"
OFFICE_MAIN_TYPES = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml":
        ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml":
        ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml":
        ("application/vnd.openxmlformats-officedocument.presentationml.presentation", "pptx"),
}
SIMPLE_TYPES = {
    "image/jpeg": "jpg", "image/png": "png", "image/heic": "heic", "image/heif": "heif", "video/mp4": "mp4",
}
ALLOWED_TEXT = "PDF, JPEG, PNG, HEIC/HEIF, DOCX, XLSX, PPTX hoặc MP4"
INLINE_TYPES = frozenset({PDF, "image/jpeg", "image/png"})


@dataclass(frozen=True)
class FileType:
    mime: str
    extension: str

    @property
    def inline(self) -> bool:
        return self.mime in INLINE_TYPES


def _refuse(reason: str) -> UnsupportedFile:
    return UnsupportedFile(f"{reason} Chỉ chấp nhận tệp {ALLOWED_TEXT}.")


def sniff(head: bytes) -> str | None:
    """The provisional type from the first bytes (cheap, done while the upload streams)."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"PK\x03\x04"):
        return "application/zip"
    kind = filetype.guess(head)
    return kind.mime if kind is not None and kind.mime in SIMPLE_TYPES else None


# Opens the complete file for reading (seekable): a spooled file on disk, or an object in the store read by ranges.
Opener = Callable[[], AbstractContextManager[BinaryIO]]


def inspect_file(path: Path, size: int) -> FileType:
    """Decide the type of a complete spooled file, or raise a Vietnamese problem. Blocking: run in a thread."""
    with path.open("rb") as file:
        head = file.read(HEAD_BYTES)
    return inspect_content(head, size, lambda: path.open("rb"))


def inspect_content(head: bytes, size: int, open_file: Opener) -> FileType:
    """Decide the type from the first `HEAD_BYTES` and, for PDF and Office files, their structure read through
    `open_file` (it seeks as it needs: the whole file is never read into memory). Blocking: run in a thread."""
    if size == 0:
        raise EmptyFile("Tệp tải lên không có nội dung (0 byte).")
    mime = sniff(head)
    if mime == PDF:
        _check_pdf(open_file)
        return FileType(PDF, "pdf")
    if mime == "application/zip":
        return _check_office(open_file)
    if mime in SIMPLE_TYPES:
        return FileType(mime, SIMPLE_TYPES[mime])
    raise _refuse("Nội dung tệp không thuộc loại được phép (tên tệp hay phần mở rộng không được dùng để xét).")


def _check_pdf(open_file: Opener) -> None:
    from pypdf import PdfReader

    try:
        # An open file, not a path: given a path, pypdf reads the whole file into memory (+200 MB for a
        # 200 MB upload, measured in bench/evidence_upload.py); given a file it seeks as it needs.
        with open_file() as file:
            if len(PdfReader(file, strict=False).pages) < 1:
                raise ValueError("no pages")
    except StorageUnavailable:  # the store failed us, not the file
        raise
    except Exception as exc:
        raise _refuse("Tệp có phần đầu giống PDF nhưng không phải tài liệu PDF hợp lệ.") from exc


def _check_office(open_file: Opener) -> FileType:
    try:
        with open_file() as file:
            # Declared sizes only: evidence stores the document for people to open, it never parses its parts.
            try:
                check_archive(file, ArchiveLimits(max_total=ZIP_MAX_TOTAL_UNCOMPRESSED, max_entries=ZIP_MAX_ENTRIES,
                                                  max_ratio=ZIP_MAX_RATIO), inflate=False)
            except UnsafeArchive as exc:
                raise _refuse(str(exc)) from exc
            file.seek(0)
            with zipfile.ZipFile(file) as archive:
                try:
                    types_entry = archive.getinfo("[Content_Types].xml")
                except KeyError:
                    raise _refuse("Tệp nén không phải tài liệu Office (DOCX, XLSX, PPTX).") from None
                if types_entry.file_size > CONTENT_TYPES_MAX:
                    raise _refuse("Tệp Office có cấu trúc không hợp lệ.")
                with archive.open(types_entry) as member:
                    content_types = member.read(CONTENT_TYPES_MAX + 1).decode("utf-8", errors="replace")
    except (UnsupportedFile, StorageUnavailable):
        raise
    except Exception as exc:
        raise _refuse("Tệp nén bị hỏng hoặc không hợp lệ.") from exc
    for main_type, (mime, extension) in OFFICE_MAIN_TYPES.items():
        if f'ContentType="{main_type}"' in content_types:
            return FileType(mime, extension)
    raise _refuse("Tệp nén không phải tài liệu DOCX, XLSX hoặc PPTX (tệp có macro không được chấp nhận).")
