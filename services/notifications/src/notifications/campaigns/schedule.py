"""When reminders go out: pure functions of a deadline and a policy (no database, no clock).

Default policy: 7, 3 and 1 days before the deadline and on the day, at 08:00 Vietnam time; then, while the
unit has not submitted, on the 1st, 3rd, 5th … day after the deadline (every 2 days) up to the 14th. The
supervising authority is told about its overdue units on those same overdue days.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum

from notifications.timing import at_local, local_date

MAX_DAYS_BEFORE = 60


class SlotKind(StrEnum):
    BEFORE = "before"
    DUE_DAY = "due_day"
    OVERDUE = "overdue"


@dataclass(frozen=True)
class Policy:
    days_before: tuple[int, ...] = (7, 3, 1)
    on_due_day: bool = True
    overdue_every_days: int = 2  # 0: no reminders after the deadline
    overdue_for_days: int = 14
    send_time: time = time(8, 0)  # local
    escalate: bool = True

    def overdue_days(self) -> list[int]:
        if self.overdue_every_days <= 0:
            return []
        return list(range(1, self.overdue_for_days + 1, self.overdue_every_days))


DEFAULT_POLICY = Policy()


@dataclass(frozen=True, order=True)
class Slot:
    at: datetime
    kind: SlotKind
    days: int  # before the deadline (BEFORE), after it (OVERDUE), 0 on the day

    def key(self, due: datetime) -> str:
        """Unique for this reminder of this deadline: a moved deadline gets new keys, so it is reminded again."""
        label = {SlotKind.BEFORE: f"before{self.days}", SlotKind.DUE_DAY: "dueday",
                 SlotKind.OVERDUE: f"overdue{self.days}"}[self.kind]
        return f"{label}@{due.astimezone(UTC):%Y%m%dT%H%M%SZ}"


def reminder_slots(due: datetime, policy: Policy) -> list[Slot]:
    """Every reminder of a deadline, in time order. A 'before' or 'on the day' reminder whose time is not before
    the deadline itself (a deadline at 07:00) is left out."""
    due_day = local_date(due)
    slots = [Slot(at_local(due_day - timedelta(days=n), policy.send_time), SlotKind.BEFORE, n)
             for n in sorted(set(policy.days_before), reverse=True)]
    if policy.on_due_day:
        slots.append(Slot(at_local(due_day, policy.send_time), SlotKind.DUE_DAY, 0))
    slots = [s for s in slots if s.at < due]
    slots += [Slot(at_local(due_day + timedelta(days=n), policy.send_time), SlotKind.OVERDUE, n)
              for n in policy.overdue_days()]
    return sorted(s for s in slots if s.kind != SlotKind.OVERDUE or s.at > due)


def escalation_times(due: datetime, policy: Policy) -> list[datetime]:
    """When the supervising authorities get their list of overdue units: the overdue reminder days (or the day
    after the deadline when the policy sends no overdue reminders)."""
    if not policy.escalate:
        return []
    days = policy.overdue_days() or [1]
    due_day = local_date(due)
    return [t for t in (at_local(due_day + timedelta(days=n), policy.send_time) for n in days) if t > due]


def last_passed(slots: list[Slot], now: datetime) -> Slot | None:
    """The latest slot whose time has come (earlier ones that were missed are not sent late)."""
    index = bisect.bisect_right([s.at for s in slots], now)
    return slots[index - 1] if index else None


def next_after(times: list[datetime], now: datetime) -> datetime | None:
    index = bisect.bisect_right(times, now)
    return times[index] if index < len(times) else None
