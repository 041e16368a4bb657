"""The services' HTML from template files: every value escaped in `.html`, written as it is in `.txt`, and the
files installed with their package (the runtime has no source tree)."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from jinja2 import UndefinedError

from edudx_common.templates import template_environment
from tests.support import REPO

HOSTILE = '<img src=x onerror="alert(1)"> & Trường \'A\''
ESCAPED = "&lt;img src=x onerror=&#34;alert(1)&#34;&gt; &amp; Trường &#39;A&#39;"


def test_identity_mails_escape_the_html_and_keep_the_text() -> None:
    templates = template_environment("identity.auth", "mail_templates")
    values = {"full_name": HOSTILE, "intro": HOSTILE, "link": 'https://edudx.example.vn/dat-mat-khau?token=a"b',
              "validity": "60 phút"}

    html = templates.get_template("password_link.html").render(values)
    text = templates.get_template("password_link.txt").render(values)

    assert html.count(ESCAPED) == 2 and "<img" not in html
    assert 'href="https://edudx.example.vn/dat-mat-khau?token=a&#34;b"' in html
    assert text == (f"Xin chào {HOSTILE},\n\n{HOSTILE}\nMở liên kết sau để đặt mật khẩu (hiệu lực 60 phút):\n"
                    'https://edudx.example.vn/dat-mat-khau?token=a"b\n\nNếu bạn không yêu cầu, hãy bỏ qua thư này.\n')


def test_the_public_badge_escapes_what_a_school_named() -> None:
    row = SimpleNamespace(unit_name=HOSTILE, classification=HOSTILE, campaign_title=HOSTILE, school_year=HOSTILE,
                          published_at=datetime(2026, 6, 1, tzinfo=UTC))
    page = template_environment("scoring.public", "templates").get_template("badge.html").render(
        row=row, groups=[(HOSTILE, HOSTILE)], published="01/06/2026")

    assert "<img" not in page and page.count(ESCAPED) == 8


def test_the_results_document_escapes_names_and_writes_numbers_the_vietnamese_way() -> None:
    from scoring.results.document import results_html

    rows = [SimpleNamespace(unit_name=HOSTILE, final_total=87.5, max_total=100, classification=HOSTILE, rank=None,
                            school_year=HOSTILE)]
    page = results_html(rows, issuer_name=HOSTILE, campaign_title=HOSTILE,  # type: ignore[arg-type]
                        published_at=datetime(2026, 6, 1, 3, tzinfo=UTC))

    assert "<img" not in page and page.count(ESCAPED) == 6
    assert '<td class="num">87,5</td><td class="num">100</td>' in page and "Thứ hạng" not in page
    assert "Công bố lúc 01/06/2026 10:00; 1 đơn vị." in page


def test_a_value_the_caller_forgot_is_an_error_not_an_empty_string() -> None:
    templates = template_environment("identity.auth", "mail_templates")
    with pytest.raises(UndefinedError):
        templates.get_template("password_link.html").render(full_name="A")


def test_every_template_file_is_declared_package_data() -> None:
    """A wheel (the images, `make install`) holds only the package data pyproject.toml names: a template missing
    there would exist in the tests' editable install and not in production."""
    templates = 0
    for pyproject in (REPO / "services").glob("*/pyproject.toml"):
        source = pyproject.parent / "src"
        declared = tomllib.loads(pyproject.read_text()).get("tool", {}).get("setuptools", {}).get("package-data", {})
        globs = [source.joinpath(*package.split(".")) / pattern
                 for package, patterns in declared.items() for pattern in patterns]
        for file in source.rglob("*.*"):
            if file.suffix in {".html", ".txt"} and "templates" in file.parent.name:
                templates += 1
                assert any(file.match(str(pattern)) for pattern in globs), file
    assert templates >= 5
