"""The e-mail layout from its template files: every value escaped in the HTML, written as it is in the text
(that they are package data: tests/common/test_templates.py)."""

from __future__ import annotations

from notifications.delivery.templates import Content, Table, render_html, render_text

HOSTILE = '<script>alert("x")</script> & Trường \'A\''


def hostile_content() -> Content:
    return Content(subject=HOSTILE, greeting=f"Kính gửi: {HOSTILE},", paragraphs=[f"Dòng một\n{HOSTILE}"],
                   facts=[(HOSTILE, HOSTILE)], table=Table((HOSTILE,), [(HOSTILE,)], more=HOSTILE),
                   action=(HOSTILE, 'https://edudx.example.vn/x?a=1&b="2"'), why=HOSTILE,
                   feed_url="https://edudx.example.vn/thong-bao?a=1&b=2")


def test_every_value_is_escaped_in_the_html() -> None:
    html = render_html(hostile_content())

    assert "<script>" not in html and '"2"' not in html
    assert html.count("&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Trường &#39;A&#39;") == 10
    assert 'href="https://edudx.example.vn/x?a=1&amp;b=&#34;2&#34;"' in html
    assert "Dòng một<br>&lt;script&gt;" in html  # a paragraph's own line breaks, and only those, become <br>


def test_the_text_is_written_as_it_is() -> None:
    text = render_text(hostile_content())

    assert text.startswith(f"Kính gửi: {HOSTILE},\n\nDòng một\n{HOSTILE}\n\n- {HOSTILE}: {HOSTILE}\n\n")
    assert f'{HOSTILE}: https://edudx.example.vn/x?a=1&b="2"\n' in text
    assert text.endswith(f"Mọi thông báo của anh/chị: https://edudx.example.vn/thong-bao?a=1&b=2\n{HOSTILE}\n")


def test_a_short_mail_has_only_its_parts() -> None:
    content = Content(subject="Thông báo", greeting="Kính gửi: Trường A,", paragraphs=["Một dòng."])

    assert render_text(content) == ("Kính gửi: Trường A,\n\nMột dòng.\n\n--\n"
                                    "EduDX – Hệ thống báo cáo ứng dụng CNTT và chuyển đổi số ngành Giáo dục\n"
                                    "Đây là thư tự động từ EduDX, vui lòng không trả lời thư này.\n")
    html = render_html(content)
    assert "<table" not in html and "<a " not in html

