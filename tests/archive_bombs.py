"""ZIP bombs built in the test, in constant memory: an honest one (its sizes declared) and a lying one."""

from __future__ import annotations

import io
import struct
import zipfile

_CHUNK = b"A" * (1024 * 1024)


def xlsx_bomb(inflated_mb: int, *, base: bytes, member: str = "xl/sharedStrings.xml") -> bytes:
    """`base` (a real workbook) with `member` replaced by one shared string of `inflated_mb` MB."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename != member:
                target.writestr(info.filename, source.read(info))
        with target.open(member, "w", force_zip64=False) as part:
            part.write(b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/'
                       b'spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>')
            for _ in range(inflated_mb):
                part.write(_CHUNK)
            part.write(b"</t></si></sst>")
    return out.getvalue()


def lying_zip(inflated_mb: int, *, declared: int = 1000, name: str = "xl/sharedStrings.xml") -> bytes:
    """One member whose headers declare `declared` bytes while its data inflates to `inflated_mb` MB."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target, target.open(name, "w") as part:
        for _ in range(inflated_mb):
            part.write(_CHUNK)
    data = bytearray(out.getvalue())
    local = data.index(b"PK\x03\x04")
    struct.pack_into("<I", data, local + 22, declared)
    central = data.index(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, declared)
    return bytes(data)
