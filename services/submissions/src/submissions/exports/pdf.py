"""The report as an A4 PDF, laid out as a Nghị định 30/2020/NĐ-CP administrative document (WeasyPrint).

The HTML comes from `templates/report.html` (Jinja2: every text is escaped before it reaches WeasyPrint), and
WeasyPrint may fetch nothing (no file, no network): a report can't inject markup or make the server read a file.
The fonts are embedded (subset) and the text stays extractable, so the PDF can be searched and copied.

Rendering is CPU-bound (here: 0.3 s for a 3-page report, 5 s for 125 pages of text): call `render_pdf`
in a worker thread, one rendering at a time per process (see the package docstring).
"""

from __future__ import annotations

import weasyprint

from edudx_common.templates import template_environment

from .document import PrintableReport
from .fonts import pdf_font_family
from .formatting import clean, date_line, recipient_line, upper
from .layout import body_blocks

_STYLESHEET = """
@page {
  size: A4;
  margin: 2cm 2cm 2cm 3cm;
  @top-center { content: counter(page); font-family: FONT; font-size: 13pt; }
  @bottom-right { content: element(status-note); }
}
@page :first { @top-center { content: none; } }
html { font-family: FONT; font-size: 13pt; line-height: 1.3; color: #000; }
body { margin: 0; }
p, h1, h2, h3 { margin: 0 0 6pt 0; }
.status-note { position: running(status-note); font-size: 8.5pt; font-style: italic; color: #555;
  text-align: right; line-height: 1.2; }

/* As in Word templates, the masthead reaches 0.5 cm into each side margin, so that the national
   motto fits on one line (in DejaVu Serif it is wider than in Times New Roman). */
table.masthead { width: 17cm; margin: 0 -0.5cm 12pt -0.5cm; border-collapse: collapse; }
table.masthead td { vertical-align: top; text-align: center; padding: 0; }
table.masthead td.left { width: 40%; padding-right: 4pt; }
table.masthead td.right { width: 60%; }
.governing { font-size: 12pt; }
.unit { font-size: 12pt; font-weight: bold; }
.ruled { display: inline-block; }
.short-rule { display: block; width: 40%; margin: 4pt auto 0 auto; border-top: 0.75pt solid #000; }
.nation { font-size: 12pt; font-weight: bold; white-space: nowrap; }
.motto { font-size: 13pt; font-weight: bold; white-space: nowrap; }
.motto span { display: inline-block; border-bottom: 0.75pt solid #000; padding-bottom: 3pt; }
td.number { padding-top: 8pt; font-size: 13pt; white-space: pre-wrap; }
td.date { padding-top: 8pt; font-style: italic; }

h1.title { text-align: center; font-size: 14pt; font-weight: bold; margin: 6pt 0 0 0; }
p.subtitle { text-align: center; font-size: 14pt; font-weight: bold; margin: 0 0 14pt 0; bookmark-level: none; }
h2, h3 { font-size: 13pt; font-weight: bold; text-indent: 1cm; text-align: justify; margin-top: 8pt;
  break-after: avoid; }
p.legal, p.text { text-indent: 1cm; text-align: justify; }
p.item { padding-left: 1.5cm; text-indent: -0.5cm; text-align: justify; }
p.subitem { padding-left: 2cm; text-indent: -0.5cm; text-align: justify; }
p.keep { break-after: avoid; }
.unanswered { color: #6b6b6b; font-style: italic; }
a { color: inherit; text-decoration: none; }
p.address { text-align: left; }
.address { display: inline-block; max-width: 100%; text-indent: 0; overflow-wrap: anywhere; }
p, td, th { overflow-wrap: anywhere; }

/* Fixed layout, with the widths the DOCX uses too: auto layout measures every cell's every break
   opportunity, which takes seconds on long tables with long unbroken text. */
table.grid { width: 100%; table-layout: fixed; border-collapse: collapse; margin: 2pt 0 8pt 0;
  font-size: 12pt; line-height: 1.2; }
table.grid th, table.grid td { border: 0.75pt solid #000; padding: 3pt 4pt; vertical-align: top; text-align: left; }
table.grid th { font-weight: bold; text-align: center; background: #f0f0f0; }
table.grid td.numeric { text-align: right; }
table.grid tr { break-inside: avoid; }

/* Never alone on the last page: the decree wants text above the signature. */
table.signature { width: 100%; border-collapse: collapse; margin-top: 14pt; break-inside: avoid; break-before: avoid; }
table.signature td { vertical-align: top; padding: 0; }
td.recipients { width: 45%; font-size: 11pt; line-height: 1.2; }
td.recipients .caption { font-size: 12pt; font-weight: bold; font-style: italic; }
td.signer { width: 55%; text-align: center; }
.signer-title { font-weight: bold; }
.sign-hint { font-style: italic; margin-bottom: 3cm; }
.signer-name { font-weight: bold; }
"""


_TEMPLATES = template_environment("submissions.exports", "templates")


class _NoFetching(weasyprint.URLFetcher):
    """Refuses every URL: the document is self-contained, and nothing in it may reach a file or a host."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols=frozenset())


def render_pdf(report: PrintableReport, *, font_family: str | None = None) -> bytes:
    """The report as PDF bytes. Synchronous and CPU-bound: run it in a worker thread.

    `font_family` overrides the font chosen for this machine (`fonts.pdf_font_family`); it must cover
    Vietnamese.
    """
    family = font_family or pdf_font_family()
    stylesheet = _STYLESHEET.replace("FONT", f"'{_css_string(family)}', serif")
    html = weasyprint.HTML(string=report_html(report), base_url=None, url_fetcher=_NoFetching())
    pdf = html.write_pdf(stylesheets=[weasyprint.CSS(string=stylesheet)], pdf_tags=True)
    assert isinstance(pdf, bytes)
    return pdf


def report_html(report: PrintableReport) -> str:
    """The HTML WeasyPrint lays out (exposed for tests and previews), from `templates/report.html`."""
    recipients = [line for line in (recipient_line(text) for text in report.recipients) if line.strip("- ")]
    return _TEMPLATES.get_template("report.html").render(
        title=_text(f"{upper(report.title)} {clean(report.subtitle).strip()}"),
        author=_text(report.unit_name),
        status_note=_text(report.status_note or ""),
        governing=_text(upper(report.governing_body)),
        unit=_text(upper(report.unit_name)),
        number=clean(report.document_number),
        date=_text(date_line(report.place, report.date)),
        heading=_text(upper(report.title)),
        subtitle=_text(report.subtitle),
        blocks=body_blocks(report),
        recipients=[_text(line) for line in recipients],
        signer_titles=[_text(upper(line)) for line in clean(report.signer_title).split("\n") if line.strip()],
        signer_name=_text(report.signer_name or ""),
    )


def _text(value: str) -> str:
    """A text as printed: cleaned and stripped (the template escapes it)."""
    return clean(value).strip()


def _css_string(value: str) -> str:
    return "".join(char for char in value if char.isalnum() or char in " -_")
