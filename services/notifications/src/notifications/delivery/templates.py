"""The one layout of every e-mail: the same content as plain text and as simple, inline-styled HTML, from the
templates `mail_templates/email.txt` and `email.html` (Jinja2; the HTML one escapes every value).

Messages are built from a `Content` (see delivery.compose for each kind's words), so every e-mail reads the
same way: who it is for, what happened, the facts (deadline, how long is left), a table when there is a list,
one button into the SPA, and why the reader gets it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from edudx_common.templates import template_environment

BRAND = "EduDX – Hệ thống báo cáo ứng dụng CNTT và chuyển đổi số ngành Giáo dục"
AUTOMATIC = "Đây là thư tự động từ EduDX, vui lòng không trả lời thư này."
_TEMPLATES = template_environment("notifications.delivery", "mail_templates")


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: Sequence[tuple[str, ...]]
    more: str | None = None  # e.g. "… và 12 đơn vị khác"


@dataclass(frozen=True)
class Content:
    subject: str
    greeting: str  # "Kính gửi: Hiệu trưởng và cán bộ phụ trách CNTT Trường THCS Hòa Bình,"
    paragraphs: list[str]
    facts: list[tuple[str, str]] = field(default_factory=list)  # ("Hạn nộp", "17:00 ngày 15/12/2026")
    table: Table | None = None
    action: tuple[str, str] | None = None  # (button label, absolute URL)
    why: str = ""  # why the reader gets this mail and whether it can be turned off
    feed_title: str = ""
    feed_body: str = ""
    feed_url: str | None = None  # the SPA's notifications page


def render_text(content: Content) -> str:
    return _TEMPLATES.get_template("email.txt").render(content=content, brand=BRAND, automatic=AUTOMATIC)


def render_html(content: Content) -> str:
    return _TEMPLATES.get_template("email.html").render(content=content, brand=BRAND, automatic=AUTOMATIC)
