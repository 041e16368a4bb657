"""Time as this service needs it: an injectable clock, quiet hours, and deadlines in words people read.

Everything is stored in UTC and judged in Asia/Ho_Chi_Minh (no daylight saving time there, so a local day is
always 24 hours).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from edudx_common.timezone import VIETNAM, describe_delay, format_vn, in_vietnam

# Every function that judges time takes `now`; the app and the workers get it from a Clock, which tests move.
Clock = Callable[[], datetime]


def local_date(value: datetime) -> date:
    return in_vietnam(value).date()


def at_local(day: date, at: time) -> datetime:
    """The instant of local time `at` on local day `day`."""
    return datetime.combine(day, at, tzinfo=VIETNAM)


@dataclass(frozen=True)
class QuietHours:
    """Local hours without e-mail, e.g. 21:00–07:00 (a window that crosses midnight)."""

    start: time
    end: time

    def contains(self, value: datetime) -> bool:
        local = in_vietnam(value).time()
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def next_allowed(self, value: datetime) -> datetime:
        """`value` itself when e-mail may go out then; otherwise the end of the quiet hours."""
        if not self.contains(value):
            return value
        local = in_vietnam(value)
        end = at_local(local.date(), self.end)
        if end <= local:
            end = at_local(local.date() + timedelta(days=1), self.end)
        return end


def countdown_text(due: datetime, now: datetime) -> str:
    """How the deadline stands, as people say it: 'còn 3 ngày', 'còn 5 giờ', 'quá hạn 2 ngày', 'quá hạn 9 giờ'.

    Days count calendar days in Vietnam (on the 12th a deadline on the 15th is 'còn 3 ngày', whatever the hour).
    """
    if now < due:
        days = (local_date(due) - local_date(now)).days
        return f"còn {days} ngày" if days >= 1 else f"còn {describe_delay((due - now).total_seconds())}"
    days = (local_date(now) - local_date(due)).days
    return f"quá hạn {days} ngày" if days >= 1 else f"quá hạn {describe_delay((now - due).total_seconds())}"


def date_text(value: datetime) -> str:
    """'15/12/2026'."""
    return format_vn(value, with_time=False)
