"""Download headers: Vietnamese file names survive every browser."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

_NOT_SAFE_ASCII = re.compile(r"[^A-Za-z0-9 ._()-]+")


def content_disposition(name: str, *, inline: bool = False) -> str:
    """RFC 6266 with the real name in RFC 5987 `filename*` and an ASCII fallback for old clients
    ('Báo cáo - Trường Hòa Bình.pdf' → filename="Bao cao - Truong Hoa Binh.pdf")."""
    plain = unicodedata.normalize("NFKD", name.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch))
    fallback = _NOT_SAFE_ASCII.sub("-", plain).strip(" -.") or "tep"
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
