"""The same error in both languages (issue 19): Vietnamese by default, English with `Accept-Language: en`."""

from __future__ import annotations

from typing import Any

import httpx

from edudx_common.messages import TITLES_EN, is_vietnamese

ENGLISH = {"Accept-Language": "en"}


def assert_in_both_languages(vietnamese: httpx.Response, english: httpx.Response, status: int,
                             code: str) -> dict[str, Any]:
    """One error told twice: same status and code; Vietnamese title (and detail) by default, the code's English
    title and no Vietnamese anywhere on request. Returns the English body."""
    vi, en = vietnamese.json(), english.json()
    assert (vietnamese.status_code, english.status_code) == (status, status)
    assert vi["code"] == en["code"] == code
    assert vietnamese.headers["content-language"] == "vi" and english.headers["content-language"] == "en"
    assert is_vietnamese(vi["title"]) and (vi.get("detail") is None or is_vietnamese(vi["detail"]))
    assert en["title"] == TITLES_EN[code]
    told = [en["title"], en.get("detail") or ""] + [e["message"] for e in en.get("errors") or []]
    assert not any(is_vietnamese(text) for text in told), told
    return en
