"""Bounding what a ZIP container (XLSX, DOCX, PPTX) unpacks to, before any parser inflates it.

A 300 KB workbook can hold a 300 MB shared string: parsers (openpyxl, python-docx) inflate whole parts in
memory, so the compressed size says nothing about the memory a file costs. Every reader of an uploaded
Office file calls `check_archive` first; it refuses an archive whose members *declare* too much, then (with
`inflate=True`) inflates each member in small chunks, counting the bytes really produced, so a member that
lies about its size or is corrupt is refused too — in constant memory.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

_CHUNK = 64 * 1024


class UnsafeArchive(ValueError):
    """The archive is refused; `str(exc)` is a Vietnamese sentence for the person who sent it."""


@dataclass(frozen=True)
class ArchiveLimits:
    max_total: int  # bytes all members may unpack to together
    max_entries: int = 10_000
    max_ratio: int = 200  # unpacked bytes per compressed byte, over the whole archive


def check_archive(source: bytes | Path | IO[bytes], limits: ArchiveLimits, *, inflate: bool = True) -> int:
    """Return the total unpacked size of a ZIP archive within `limits`, or raise `UnsafeArchive`."""
    opened = io.BytesIO(source) if isinstance(source, bytes | bytearray) else source
    try:
        with zipfile.ZipFile(opened) as archive:
            entries = archive.infolist()
            if len(entries) > limits.max_entries:
                raise UnsafeArchive("Tệp nén chứa quá nhiều thành phần.")
            declared = sum(e.file_size for e in entries)
            compressed = sum(e.compress_size for e in entries)
            if declared > limits.max_total:
                raise UnsafeArchive(f"Tệp giải nén ra quá lớn (trên {_megabytes(limits.max_total)} MB): "
                                    "hãy chia thành nhiều tệp nhỏ hơn.")
            if declared > limits.max_ratio * max(compressed, 1):
                raise UnsafeArchive("Tệp có tỷ lệ nén bất thường (nghi ngờ “bom nén”).")
            if not inflate:
                return declared
            inflated = 0
            for entry in entries:
                inflated += _inflate(archive, entry, limits.max_total - inflated)
            return inflated
    except UnsafeArchive:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError, EOFError, RuntimeError,
            ValueError) as exc:
        raise UnsafeArchive("Tệp nén bị hỏng hoặc không đọc được.") from exc


def _inflate(archive: zipfile.ZipFile, entry: zipfile.ZipInfo, budget: int) -> int:
    """Inflate one member chunk by chunk, counting; zipfile checks the CRC at its end."""
    count = 0
    with archive.open(entry) as member:
        while chunk := member.read(_CHUNK):
            count += len(chunk)
            if count > entry.file_size or count > budget:
                raise UnsafeArchive("Tệp có thành phần giải nén ra lớn hơn kích thước khai báo (nghi ngờ “bom nén”).")
    if count != entry.file_size:
        raise UnsafeArchive("Tệp nén bị hỏng: một thành phần ngắn hơn kích thước khai báo.")
    return count


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g}"
