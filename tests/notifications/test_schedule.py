"""The reminder schedule and the way deadlines are put into words: pure rules, no database."""

from __future__ import annotations

from datetime import date, time

from edudx_common.timezone import format_vn
from notifications.campaigns.schedule import (
    DEFAULT_POLICY,
    Policy,
    SlotKind,
    escalation_times,
    last_passed,
    next_after,
    reminder_slots,
)
from notifications.timing import QuietHours, countdown_text
from tests.notifications.builders import vn

DUE = vn(date(2026, 12, 15), 17)


def test_default_schedule_in_vietnam_time() -> None:
    slots = reminder_slots(DUE, DEFAULT_POLICY)

    assert [(s.kind, s.days) for s in slots] == [
        (SlotKind.BEFORE, 7), (SlotKind.BEFORE, 3), (SlotKind.BEFORE, 1), (SlotKind.DUE_DAY, 0),
        *[(SlotKind.OVERDUE, d) for d in (1, 3, 5, 7, 9, 11, 13)]]
    assert [s.at for s in slots][:4] == [vn(date(2026, 12, d), 8) for d in (8, 12, 14, 15)]
    assert slots[-1].at == vn(date(2026, 12, 28), 8)
    assert escalation_times(DUE, DEFAULT_POLICY) == [vn(date(2026, 12, d), 8) for d in (16, 18, 20, 22, 24, 26, 28)]


def test_a_deadline_before_the_send_time_has_no_reminder_on_the_day_and_keys_follow_the_deadline() -> None:
    early = vn(date(2026, 12, 15), 7)
    slots = reminder_slots(early, DEFAULT_POLICY)
    moved = reminder_slots(vn(date(2026, 12, 16), 17), DEFAULT_POLICY)

    assert SlotKind.DUE_DAY not in {s.kind for s in slots}
    assert slots[3].kind == SlotKind.OVERDUE and slots[3].at == vn(date(2026, 12, 16), 8)
    assert slots[0].key(early) != moved[0].key(vn(date(2026, 12, 16), 17))  # a moved deadline is reminded again


def test_custom_policy_and_picking_slots() -> None:
    policy = Policy(days_before=(5, 2), on_due_day=False, overdue_every_days=0, send_time=time(13, 30),
                    escalate=True)
    slots = reminder_slots(DUE, policy)
    times = [s.at for s in slots]

    assert times == [vn(date(2026, 12, 10), 13, 30), vn(date(2026, 12, 13), 13, 30)]
    assert escalation_times(DUE, policy) == [vn(date(2026, 12, 16), 13, 30)]  # still told once
    assert escalation_times(DUE, Policy(escalate=False)) == []
    assert last_passed(slots, vn(date(2026, 12, 12), 9)) == slots[0]
    assert last_passed(slots, vn(date(2026, 12, 9), 9)) is None
    assert next_after(times, vn(date(2026, 12, 10), 13, 30)) == times[1]
    assert next_after(times, vn(date(2026, 12, 14), 0)) is None


def test_deadlines_in_words() -> None:
    assert format_vn(DUE) == "15/12/2026 17:00"
    assert countdown_text(DUE, vn(date(2026, 12, 12), 8)) == "còn 3 ngày"
    assert countdown_text(DUE, vn(date(2026, 12, 15), 8)) == "còn 9 giờ"
    assert countdown_text(DUE, vn(date(2026, 12, 15), 19, 30)) == "quá hạn 2 giờ 30 phút"
    assert countdown_text(DUE, vn(date(2026, 12, 17), 8)) == "quá hạn 2 ngày"


def test_quiet_hours_across_midnight() -> None:
    quiet = QuietHours(time(21), time(7))

    assert quiet.contains(vn(date(2026, 12, 15), 22)) and quiet.contains(vn(date(2026, 12, 15), 6, 59))
    assert not quiet.contains(vn(date(2026, 12, 15), 7)) and not quiet.contains(vn(date(2026, 12, 15), 20, 59))
    assert quiet.next_allowed(vn(date(2026, 12, 15), 22)) == vn(date(2026, 12, 16), 7)
    assert quiet.next_allowed(vn(date(2026, 12, 16), 3)) == vn(date(2026, 12, 16), 7)
    assert quiet.next_allowed(vn(date(2026, 12, 16), 9)) == vn(date(2026, 12, 16), 9)
