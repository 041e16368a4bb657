"""How values read on paper in a Vietnamese administrative document (Nghị định 30/2020/NĐ-CP).

Numbers use "." for thousands and "," for decimals (1.234,5), dates dd/mm/yyyy, booleans Có/Không.
"""

from __future__ import annotations

import datetime
import math
import re
from decimal import Decimal

UNANSWERED = "(chưa trả lời)"
BLANK = "……"

# Characters XML 1.0 forbids (python-docx refuses them) and lone surrogates; text pasted from other
# programs sometimes carries them (vertical tab, form feed, NUL).
_INVALID_XML_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_MAX_DECIMALS = 6


def clean(text: str) -> str:
    """Text safe to put in a document: forbidden control characters dropped, line ends normalised."""
    return _INVALID_XML_CHARS.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def format_number(value: int | float | Decimal) -> str:
    """1234.5 → "1.234,5"; 1234 → "1.234"; at most six decimals, trailing zeros dropped."""
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        # repr is the shortest text that reads back as the same float: 0.1 stays "0.1".
        number = Decimal(repr(value))
    else:
        number = Decimal(value)
    if number.as_tuple().exponent < -_MAX_DECIMALS:  # type: ignore[operator]
        number = number.quantize(Decimal(1).scaleb(-_MAX_DECIMALS))
    sign = "-" if number < 0 else ""
    whole, _, fraction = format(abs(number), "f").partition(".")
    fraction = fraction.rstrip("0")
    grouped = f"{int(whole):,}".replace(",", ".")
    return f"{sign}{grouped},{fraction}" if fraction else f"{sign}{grouped}"


def format_date(value: datetime.date) -> str:
    return value.strftime("%d/%m/%Y")


def format_boolean(value: bool) -> str:
    return "Có" if value else "Không"


def with_unit(text: str, unit: str | None) -> str:
    unit = clean(unit or "").strip()
    if not unit:
        return text
    return f"{text}{unit}" if unit in {"%", "‰"} else f"{text} {unit}"


def format_cell(value: object) -> str:
    """A table cell as printed; None is an empty cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return format_boolean(value)
    if isinstance(value, int | float | Decimal):
        return format_number(value)
    if isinstance(value, datetime.date):
        return format_date(value)
    if isinstance(value, list | tuple):
        return "; ".join(format_cell(item) for item in value)
    return clean(str(value)).strip()


def is_numeric(value: object) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def date_line(place: str, date: datetime.date | None) -> str:
    """"Long Hồ, ngày 05 tháng 02 năm 2022", or blanks to fill by hand.

    Nghị định 30 pads days below 10 and the months 1 and 2 with a zero ("ngày 05 tháng 02"), not the
    other months ("tháng 6"), so that nobody can add a digit in front of them.
    """
    place = clean(place).strip() or BLANK
    if date is None:
        return f"{place}, ngày {BLANK} tháng {BLANK} năm {BLANK}"
    month = f"{date.month:02d}" if date.month < 3 else str(date.month)
    return f"{place}, ngày {date.day:02d} tháng {month} năm {date.year}"


def recipient_line(text: str) -> str:
    text = clean(text).strip()
    return text if text.startswith(("-", "–", "+")) else f"- {text}"


def upper(text: str) -> str:
    return clean(text).strip().upper()
