"""The one layout of every e-mail: the same content as plain text and as simple, inline-styled HTML.

Messages are built from a `Content` (see delivery.compose for each kind's words), so every e-mail reads the
same way: who it is for, what happened, the facts (deadline, how long is left), a table when there is a list,
one button into the SPA, and why the reader gets it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape

BRAND = "EduDX – Hệ thống báo cáo ứng dụng CNTT và chuyển đổi số ngành Giáo dục"
AUTOMATIC = "Đây là thư tự động từ EduDX, vui lòng không trả lời thư này."


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
    lines = [content.greeting, ""]
    for paragraph in content.paragraphs:
        lines += [paragraph, ""]
    if content.facts:
        lines += [f"- {label}: {value}" for label, value in content.facts] + [""]
    if content.table is not None:
        lines.append(" | ".join(content.table.header))
        lines += [" | ".join(row) for row in content.table.rows]
        if content.table.more:
            lines.append(content.table.more)
        lines.append("")
    if content.action is not None:
        lines += [f"{content.action[0]}: {content.action[1]}", ""]
    lines += ["--", BRAND, AUTOMATIC]
    if content.feed_url:
        lines.append(f"Mọi thông báo của anh/chị: {content.feed_url}")
    if content.why:
        lines.append(content.why)
    return "\n".join(lines) + "\n"


def render_html(content: Content) -> str:
    parts = [
        '<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8">',
        f"<title>{escape(content.subject)}</title></head>",
        '<body style="margin:0;padding:16px;background:#f4f6f8;font-family:Arial,Helvetica,sans-serif;color:#1f2933">',
        '<div style="max-width:640px;margin:0 auto;background:#ffffff;border-radius:6px;padding:24px">',
        f'<p style="margin:0 0 16px;color:#52606d;font-size:13px">{escape(BRAND)}</p>',
        f"<p>{escape(content.greeting)}</p>",
    ]
    parts += [f"<p>{_lines(paragraph)}</p>" for paragraph in content.paragraphs]
    if content.facts:
        rows = "".join(f'<tr><td style="padding:4px 12px 4px 0;color:#52606d">{escape(label)}:</td>'
                       f'<td style="padding:4px 0"><strong> {escape(value)}</strong></td></tr>'
                       for label, value in content.facts)
        parts.append(f'<table role="presentation" style="border-collapse:collapse;margin:8px 0 16px">{rows}</table>')
    if content.table is not None:
        head = "".join(f'<th style="text-align:left;padding:6px;border-bottom:2px solid #cbd2d9">{escape(h)}</th>'
                       for h in content.table.header)
        body = "".join("<tr>" + "".join(f'<td style="padding:6px;border-bottom:1px solid #e4e7eb">{escape(cell)}</td>'
                                        for cell in row) + "</tr>" for row in content.table.rows)
        parts.append(f'<table style="border-collapse:collapse;width:100%;margin:8px 0 16px;font-size:14px">'
                     f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
        if content.table.more:
            parts.append(f"<p>{escape(content.table.more)}</p>")
    if content.action is not None:
        label, url = content.action
        parts.append(f'<p style="margin:24px 0"><a href="{escape(url, quote=True)}" style="background:#0b69a3;'
                     f'color:#ffffff;padding:10px 18px;border-radius:4px;text-decoration:none">{escape(label)}</a></p>')
    feed = (f'<br>Mọi thông báo của anh/chị: <a href="{escape(content.feed_url, quote=True)}">'
            f"{escape(content.feed_url)}</a>" if content.feed_url else "")
    parts.append(f'<p style="margin-top:24px;color:#7b8794;font-size:12px">{escape(AUTOMATIC)}{feed}'
                 + (f"<br>{escape(content.why)}" if content.why else "") + "</p>")
    parts.append("</div></body></html>")
    return "".join(parts)


def _lines(text: str) -> str:
    return "<br>".join(escape(line) for line in text.split("\n"))
