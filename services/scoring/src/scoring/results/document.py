"""The published results as an A4 PDF document of the issuing authority, signed with its certificate.

The table is what was published (a snapshot): unit, score, class and, where the campaign publishes it, rank.
The HTML comes from `templates/results.html` (Jinja2, every text escaped); WeasyPrint may fetch nothing. The PDF
is then signed (PAdES, an incremental signature) with the organisation's certificate the server holds, so anyone
can check in a PDF reader that the document comes from the authority and is unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import weasyprint

from edudx_common.templates import template_environment
from edudx_common.timezone import format_vn
from scoring.results.models import PublishedResult

_STYLESHEET = """
@page { size: A4 landscape; margin: 1.5cm; @bottom-right { content: counter(page) "/" counter(pages); } }
html { font-family: 'DejaVu Serif', 'Noto Serif', serif; font-size: 11pt; color: #000; }
.issuer { font-weight: bold; text-transform: uppercase; }
h1 { text-align: center; font-size: 14pt; margin: 12pt 0 4pt 0; }
p.sub { text-align: center; margin: 0 0 12pt 0; }
table { width: 100%; border-collapse: collapse; }
th, td { border: 0.75pt solid #000; padding: 3pt 5pt; text-align: left; vertical-align: top; }
th { background: #f0f0f0; text-align: center; }
td.num { text-align: right; }
tr { break-inside: avoid; }
p.note { font-style: italic; font-size: 9pt; margin-top: 10pt; }
"""


class _NoFetching(weasyprint.URLFetcher):
    def __init__(self) -> None:
        super().__init__(allowed_protocols=frozenset())


def _number(value: object) -> str:
    text = f"{float(value):.2f}".rstrip("0").rstrip(".")  # type: ignore[arg-type]
    return text.replace(".", ",")


_TEMPLATES = template_environment("scoring.results", "templates")
_TEMPLATES.filters["number"] = _number


def results_html(rows: Sequence[PublishedResult], *, issuer_name: str, campaign_title: str,
                 published_at: datetime) -> str:
    ordered = sorted(rows, key=lambda r: (r.rank is None, r.rank or 0, r.unit_name))
    return _TEMPLATES.get_template("results.html").render(
        rows=ordered, ranked=any(r.rank is not None for r in rows), issuer_name=issuer_name,
        campaign_title=campaign_title, year=next((r.school_year for r in rows if r.school_year), None),
        published=format_vn(published_at))


def results_pdf(rows: Sequence[PublishedResult], *, issuer_name: str, campaign_title: str,
                published_at: datetime) -> bytes:
    """Synchronous and CPU-bound: run it in a worker thread."""
    html = weasyprint.HTML(string=results_html(rows, issuer_name=issuer_name, campaign_title=campaign_title,
                                               published_at=published_at),
                           base_url=None, url_fetcher=_NoFetching())
    pdf = html.write_pdf(stylesheets=[weasyprint.CSS(string=_STYLESHEET)])
    assert isinstance(pdf, bytes)
    return pdf
