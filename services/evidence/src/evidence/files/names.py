"""File names as people gave them, made safe to show and to put in a header."""

from __future__ import annotations

import unicodedata

MAX_NAME = 200
FALLBACK = "minh-chung"


def display_name(raw: str | None, extension: str) -> str:
    """The last path component, NFC, without control characters; `../../etc/passwd` becomes `passwd`."""
    name = unicodedata.normalize("NFC", raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = name.strip().lstrip(".").strip()
    if not name:
        name = f"{FALLBACK}.{extension}"
    if len(name) > MAX_NAME:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: MAX_NAME - len(ext) - 1] + "." + ext) if dot and len(ext) <= 10 else name[:MAX_NAME]
    return name
