"""Time as people here read it: stored in UTC, entered and shown in Asia/Ho_Chi_Minh, dates as dd/mm/yyyy."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, PlainSerializer, WithJsonSchema

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


def assume_vietnam(value: datetime) -> datetime:
    """A time without an offset was typed by someone in Vietnam; any time is then kept in UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=VIETNAM)
    return value.astimezone(UTC)


def in_vietnam(value: datetime) -> datetime:
    return value.astimezone(VIETNAM)


def format_vn(value: datetime, *, with_time: bool = True) -> str:
    """The one way a time is shown to a person — in problems, e-mails, the feed, calendars and exports alike:
    '15/12/2026 17:00' in Vietnam time ('15/12/2026' without the time). Never an ISO string, never UTC: someone in
    Vietnam reads '2026-12-06T17:40:22+00:00' as 17:40 of the wrong day (tests/contract/test_user_facing_times.py
    scans the services for such leaks)."""
    local = in_vietnam(value)
    return local.strftime("%d/%m/%Y %H:%M") if with_time else local.strftime("%d/%m/%Y")


def describe_delay(seconds: float) -> str:
    """'2 ngày 3 giờ', '45 phút' — how late, in words a principal reads."""
    minutes = int(seconds // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = [f"{days} ngày"] if days else []
    if hours:
        parts.append(f"{hours} giờ")
    if mins and not days:
        parts.append(f"{mins} phút")
    return " ".join(parts) or "dưới 1 phút"


def to_wire(value: datetime) -> str:
    """The one convention of every timestamp the API sends: RFC 3339 in UTC with `Z` ('2026-12-15T10:00:00Z').
    Clients show it in Asia/Ho_Chi_Minh; `format_vn` is the server's own way of doing so."""
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


# For API schemas: accepts RFC 3339 times with or without an offset (without: Vietnam time); sends UTC `Z`.
LocalDateTime = Annotated[
    datetime,
    AfterValidator(assume_vietnam),
    PlainSerializer(to_wire, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]
