"""One formatter for every time shown to a person: `edudx_common.timezone.format_vn` (dd/mm/yyyy HH:mm, Vietnam).

The services are scanned for the ways a time leaks into text otherwise: an `isoformat()` or a `strftime`/`%`-format
inside text (a problem's detail, an e-mail, an export cell). What remains is machine text (keys, file names,
calendar fields), each listed here with the reason. A new use fails until it goes through `format_vn` or is added
here with its reason. The runtime side: problems, e-mails and exports are checked with
`tests.user_facing_times.iso_timestamps` in the tests that produce them.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.support import REPO

FORMATTER = Path("services/common/src/edudx_common/timezone.py")
# (file, a piece of the line) → why it is not a time shown to a person.
MACHINE_TEXT = {
    ("services/common/src/edudx_common/tables/audit.py", "nhat-ky-"): "a download's file name",
    ("services/notifications/src/notifications/campaigns/schedule.py", "%Y%m%dT%H%M%SZ"): "a de-duplication key",
    ("services/notifications/src/notifications/reminders/planner.py", "escalation:"): "a de-duplication key",
    ("services/notifications/src/notifications/reminders/planner.py", "digest:"): "a de-duplication key (a date)",
    ("services/notifications/src/notifications/campaigns/service.py", "%H:%M"): "a time of day, not a moment",
    ("services/submissions/src/submissions/status/export.py", "Tình hình nộp báo cáo"): "a file name (a date)",
    ("services/submissions/src/submissions/exports/formatting.py", "%d/%m/%Y"): "a date typed in a report",
    ("services/identity/src/identity/imports/spreadsheet.py", "%d/%m/%Y"): "a spreadsheet cell echoed back",
    ("services/evidence/src/evidence/storage/presign.py", "%Y%m%d"): "an S3 request signature (SigV4 dates)",
    ("services/scoring/src/scoring/results/streamed_xlsx.py", "%Y-%m-%dT%H:%M:%SZ"): "a workbook's creation date",
}


def _formats_time(node: ast.AST) -> bool:
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.attr in {"isoformat", "strftime"}
    return False


def _time_spec(node: ast.FormattedValue) -> bool:
    spec = node.format_spec
    return isinstance(spec, ast.JoinedStr) and any(
        isinstance(v, ast.Constant) and "%" in str(v.value) for v in spec.values)


def leaks(source: str) -> list[tuple[int, str]]:
    """(line, code) of each time formatted into text: `strftime` anywhere, `isoformat()` or a `%` spec inside an
    f-string."""
    found = []
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "strftime":
            found.append(node.lineno)
        elif isinstance(node, ast.JoinedStr):
            found += [v.lineno for v in node.values
                      if isinstance(v, ast.FormattedValue) and (_formats_time(v.value) or _time_spec(v))]
    lines = source.splitlines()
    return [(n, lines[n - 1].strip()) for n in sorted(set(found))]


def test_times_reach_people_only_through_the_one_formatter() -> None:
    unexplained = []
    used = set()
    for path in sorted((REPO / "services").glob("*/src/**/*.py")):
        relative = path.relative_to(REPO)
        if relative == FORMATTER:
            continue
        for line, code in leaks(path.read_text(encoding="utf-8")):
            allowed = [key for key in MACHINE_TEXT if key[0] == str(relative) and key[1] in code]
            used.update(allowed)
            if not allowed:
                unexplained.append(f"{relative}:{line}: {code}")

    assert unexplained == [], "format times for people with edudx_common.timezone.format_vn"
    assert set(MACHINE_TEXT) - used == set(), "an exception no longer needed: remove it"


def test_the_scan_finds_what_it_looks_for() -> None:
    source = '''
def a(due):
    return f"Hạn nộp là {due.isoformat()}"
def b(due):
    return f"Hạn {due:%H:%M %d/%m/%Y}"
def c(due):
    return due.strftime("%d/%m")
def d(due):
    return f"Hạn nộp là {format_vn(due)}"
'''
    assert [line for line, _ in leaks(source)] == [3, 5, 7]
