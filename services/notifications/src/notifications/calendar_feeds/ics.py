"""Deadline feeds as iCalendar (RFC 5545), written with `icalendar`: one VEVENT per deadline, times in
Asia/Ho_Chi_Minh.

The library escapes text (backslash, semicolon, comma, newline), folds lines at 75 octets without splitting a
UTF-8 character and ends them with CRLF, as calendar apps on phones expect.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from icalendar import Alarm, Calendar, Event, Timezone, TimezoneStandard

from edudx_common.timezone import in_vietnam

TZID = "Asia/Ho_Chi_Minh"
PRODID = "-//EduDX//Lich han nop bao cao//VI"
# Subscribed calendars ask again this often (Apple, Google and Outlook read one or the other).
REFRESH_INTERVAL = timedelta(hours=1)


@dataclass(frozen=True)
class CalendarEvent:
    uid: str
    summary: str
    description: str
    start: datetime
    end: datetime
    sequence: int = 0
    url: str | None = None
    alarms_minutes_before: tuple[int, ...] = field(default=(24 * 60,))


def _vietnam_timezone() -> Timezone:
    """Vietnam has kept UTC+7 without daylight saving time since 1975: one STANDARD part, not the zone's history."""
    standard = TimezoneStandard()
    standard.add("dtstart", datetime(1975, 6, 13))  # a VTIMEZONE part starts at a local (floating) time
    standard.add("tzoffsetfrom", timedelta(hours=7))
    standard.add("tzoffsetto", timedelta(hours=7))
    standard.add("tzname", "+07")
    timezone = Timezone()
    timezone.add("tzid", TZID)
    timezone.add_component(standard)
    return timezone


def _event(event: CalendarEvent, stamp: datetime) -> Event:
    vevent = Event()
    vevent.add("uid", event.uid)
    vevent.add("dtstamp", stamp.astimezone(UTC))
    vevent.add("dtstart", in_vietnam(event.start))
    vevent.add("dtend", in_vietnam(event.end))
    vevent.add("sequence", event.sequence)
    vevent.add("summary", event.summary)
    vevent.add("description", event.description)
    vevent.add("status", "CONFIRMED")
    vevent.add("transp", "TRANSPARENT")
    if event.url:
        vevent.add("url", event.url)
    for minutes in event.alarms_minutes_before:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", event.summary)
        alarm.add("trigger", timedelta(minutes=-minutes))
        vevent.add_component(alarm)
    return vevent


def calendar(name: str, events: Iterable[CalendarEvent], *, now: datetime) -> str:
    feed = Calendar()
    feed.add("version", "2.0")
    feed.add("prodid", PRODID)
    feed.add("calscale", "GREGORIAN")
    feed.add("method", "PUBLISH")
    feed.add("x-wr-calname", name)
    feed.add("x-wr-timezone", TZID)
    feed.add("refresh-interval", REFRESH_INTERVAL, parameters={"VALUE": "DURATION"})
    feed.add("x-published-ttl", "PT1H")
    feed.add_component(_vietnam_timezone())
    for event in events:
        feed.add_component(_event(event, now))
    return feed.to_ical().decode("utf-8")
