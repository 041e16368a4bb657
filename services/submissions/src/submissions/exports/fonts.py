"""Which fonts the exports name.

The DOCX names Times New Roman, the official font (Nghị định 30): Word on the school's computer has it,
and the file carries only the name. The PDF embeds the font it was drawn with, so it must be one that
is installed on the server *and* has every Vietnamese letter: a font without them makes Pango borrow
the missing letters ("ệ", "ữ") from another font, and words come out in two typefaces. Liberation Serif
is the usual trap: version 1 (Debian's fonts-liberation) lacks them, version 2 (fonts-liberation2) has
them, under the same family name. So the family is chosen by asking fontconfig which installed families
cover Vietnamese, preferring the Times-like ones.

Debian packages for the server image: fonts-liberation2 (Times-metric, all four styles) is the best;
fonts-dejavu-core alone has DejaVu Serif upright and bold only (italics are then slanted by the
renderer), fonts-dejavu-extra adds the italics and the condensed faces.
"""

from __future__ import annotations

import functools
import shutil
import subprocess

DOCX_FONT = "Times New Roman"

PDF_FONT_PREFERENCE = (
    "Times New Roman",
    "Liberation Serif",  # metric-compatible with Times New Roman (version 2 only has Vietnamese)
    "Tinos",  # the same design as Liberation Serif 2 (fonts-croscore)
    "Noto Serif",
    "DejaVu Serif Condensed",  # about as wide as Times New Roman; DejaVu Serif is ~20 % wider
    "DejaVu Serif",
)
PDF_FALLBACK_FONT = "DejaVu Serif"  # fonts-dejavu-core: the font package fontconfig-config prefers


def choose_pdf_font(vietnamese_families: set[str]) -> str:
    """The first preferred family among those that cover Vietnamese, else the fallback."""
    for family in PDF_FONT_PREFERENCE:
        if family in vietnamese_families:
            return family
    return PDF_FALLBACK_FONT


def vietnamese_font_families() -> set[str]:
    """Installed families whose fonts cover Vietnamese, as fontconfig reports them (empty if unknown)."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return set()
    try:
        listing = subprocess.run(  # noqa: S603 - fixed arguments, no user input
            [fc_list, ":lang=vi", "family"], capture_output=True, text=True, timeout=10, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return set()
    # One line per font; a font may have several family names: "DejaVu Serif,DejaVu Serif Condensed".
    return {name.strip().replace("\\-", "-") for line in listing.splitlines() for name in line.split(",")}


@functools.cache
def pdf_font_family() -> str:
    """The family the PDF is drawn with on this machine (asked once per process: fonts don't change)."""
    return choose_pdf_font(vietnamese_font_families())
