from __future__ import annotations

from urllib.parse import unquote

from edudx_common.downloads import content_disposition


def test_ascii_fallback_and_rfc5987_name() -> None:
    header = content_disposition("Đề án chuyển đổi số.pdf")

    assert header.startswith('attachment; filename="De an chuyen doi so.pdf"; ')
    assert unquote(header.split("filename*=UTF-8''")[1]) == "Đề án chuyển đổi số.pdf"


def test_inline_and_hostile_names() -> None:
    header = content_disposition('a"b\\c;\r\nd.pdf', inline=True)

    assert header.startswith('inline; filename="a-b-c-d.pdf"; ')
    assert "\r" not in header and "\n" not in header
