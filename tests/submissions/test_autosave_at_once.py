"""An autosave in one statement (PostgreSQL) merges the answers and counts the draft's completeness in SQL: both
must be what the ordinary save computes in Python, for every kind of answer a draft may hold (wrong ones too), and
it must refuse exactly what the ordinary save refuses."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from edudx_common.auth import Role
from submissions.outlines.schemas import OutlineDefinition
from submissions.outlines.validation import WHITESPACE
from submissions.workflow.models import Submission
from submissions.workflow.service.drafts import completeness
from tests.identity.builders import make_province, make_user
from tests.submissions.builders import API, make_campaign, make_school_year, open_submission, save
from tests.support import on_postgres

# Eight required answers (so that 1 and 3 of them missing give 87.5 and 62.5: rounded as Python rounds) of every
# kind, and one optional.
OUTLINE: dict[str, Any] = {"sections": [{"number": "1", "title": "Tổng hợp", "fields": [
    {"id": "summary", "label": "Tóm tắt", "kind": "rich_text", "required": True},
    {"id": "site", "label": "Cổng thông tin", "kind": "url", "required": True},
    {"id": "posts", "label": "Số tin bài", "kind": "integer", "required": True},
    {"id": "share", "label": "Tỉ lệ", "kind": "number", "required": True},
    {"id": "fibre", "label": "Cáp quang", "kind": "boolean", "required": True},
    {"id": "software", "label": "Phần mềm", "kind": "choice", "multiple": True, "options": ["a", "b"],
     "required": True},
    {"id": "rooms", "label": "Phòng máy", "kind": "table", "min_rows": 2, "required": True,
     "columns": [{"id": "item", "label": "Hạng mục", "kind": "text", "required": True},
                 {"id": "quantity", "label": "Số lượng", "kind": "integer"}]},
    {"id": "plan", "label": "Kế hoạch", "kind": "table", "required": True,
     "columns": [{"id": "step", "label": "Bước", "kind": "text"}]},
    {"id": "note", "label": "Ghi chú", "kind": "text"},
]}]}

ROW = {"item": "Phòng máy", "quantity": 2}
# Each save's answers, in turn: every way an answer can be empty or not, as Python's `is_empty` judges it.
SAVES: list[dict[str, Any]] = [
    {"summary": "Đã hoàn thành", "posts": 40},
    {"site": "https://thcs.edu.vn", "share": 0, "fibre": False, "software": ["a"], "rooms": [ROW, ROW],
     "plan": [{"step": None}]},
    {"summary": "   "},
    {"summary": "\u3000\u00a0\t\n\x1c\u2028"},  # whitespace to `str.strip()`
    {"summary": "\u200b"},  # a zero-width space is not whitespace to Python
    {"summary": "😀", "site": ""},
    {"rooms": [ROW]},  # fewer rows than the table needs
    {"rooms": [], "software": []},
    {"rooms": {}, "software": {"a": None}},  # wrong but stored: an empty object is empty, a non-empty one not
    {"posts": None, "share": None},  # cleared
    {"note": "tùy chọn", "fibre": None, "plan": []},
    {"posts": "nhiều", "share": 1e300, "fibre": True, "note": None},  # wrong types stored as typed
    {"summary": "Xong", "site": "https://x.vn", "posts": 3, "share": 2.5, "software": ["b"],
     "rooms": [ROW, {**ROW, "item": None}], "plan": [{}]},
    # A string PostgreSQL's JSON functions cannot read (NUL; a lone surrogate too, which no response can carry):
    # merged by the ordinary save, and so are the saves while the draft holds it.
    {"summary": "\x00"},
    {"summary": " \x00 ", "site": ""},
    {"summary": "Xong"},
    {"site": "https://x.vn"},
    {"posts": 4},
]


def _unreadable_by_json_functions(values: dict[str, Any]) -> bool:
    return "\\u0000" in json.dumps(values)


async def test_an_autosave_at_once_merges_and_counts_as_python_does(  # type: ignore[no-untyped-def]
        client: httpx.AsyncClient, id_session: AsyncSession, sign_in, submissions_app) -> None:
    units = await make_province(id_session)
    so_admin = await sign_in(await make_user(id_session, units["so"], Role.AUTHORITY_ADMIN))
    officer = await sign_in(await make_user(id_session, units["s11"], Role.SCHOOL_IT_OFFICER))
    campaign = await make_campaign(client, so_admin, school_year_id=await make_school_year(client, so_admin),
                                   outline=OUTLINE)
    outline = OutlineDefinition.model_validate(OUTLINE)
    saved = await open_submission(client, officer, campaign["id"])
    statements: list[str] = []

    def count(_conn, _cursor, statement: str, *_args) -> None:  # type: ignore[no-untyped-def]
        if "bulk_actions" not in statement:
            statements.append(statement)

    engine = submissions_app.state.engine.sync_engine
    expected: dict[str, Any] = {}
    found, wanted, sent, refused_at_once = [], [], [], []
    event.listen(engine, "before_cursor_execute", count)
    try:
        for values in SAVES:
            statements[:] = []
            answer = await save(client, officer, saved, values)
            sent.append(len(statements))
            assert answer.status_code == 200, answer.text
            saved = answer.json()
            refused_at_once.append(_unreadable_by_json_functions(expected) or _unreadable_by_json_functions(values))
            expected = {k: v for k, v in {**expected, **values}.items() if v is not None}
            found.append((list(saved["content"].items()), await _stored_completeness(submissions_app, saved)))
            wanted.append((list(expected.items()), completeness(outline, expected)))
    finally:
        event.remove(engine, "before_cursor_execute", count)
    stored = (await client.get(f"{API}/submissions/{saved['id']}", headers=officer)).json()

    assert found == wanted  # the same answers, in the same order, and the same completeness
    assert {share for _, share in found} >= {25, 50, 62, 88, 100}  # 62.5 and 87.5 rounded to even
    assert stored == saved
    if on_postgres():
        # The first save reads, then writes; every other is one statement, or that statement writing nothing,
        # the read and the write.
        assert sent == [2] + [3 if refused else 1 for refused in refused_at_once[1:]]
        assert sent.count(1) >= 12 and sent.count(3) == 3


async def _stored_completeness(app: Any, submission: dict[str, Any]) -> int | None:
    async with AsyncSession(app.state.engine) as session:
        return await session.scalar(select(col(Submission.completeness)).where(
            col(Submission.id) == uuid.UUID(submission["id"])))


@pytest.mark.parametrize("who", ["other_school", "phong_admin_elsewhere", "reviewer_above"])
async def test_an_autosave_at_once_refuses_whom_the_ordinary_save_refuses(  # type: ignore[no-untyped-def]
        client: httpx.AsyncClient, id_session: AsyncSession, sign_in, who: str) -> None:
    units = await make_province(id_session)
    so_admin = await sign_in(await make_user(id_session, units["so"], Role.AUTHORITY_ADMIN))
    officer = await sign_in(await make_user(id_session, units["s11"], Role.SCHOOL_IT_OFFICER))
    campaign = await make_campaign(client, so_admin, school_year_id=await make_school_year(client, so_admin),
                                   outline=OUTLINE)
    draft = await open_submission(client, officer, campaign["id"])
    first = await save(client, officer, draft, {"posts": 1})  # this process now knows the draft's campaign
    unit, role = {"other_school": ("s12", Role.PRINCIPAL), "phong_admin_elsewhere": ("p2", Role.AUTHORITY_ADMIN),
                  "reviewer_above": ("p1", Role.REVIEWER)}[who]
    stranger = await sign_in(await make_user(id_session, units[unit], role))

    refused = await save(client, stranger, first.json(), {"posts": 2})
    by_so = await save(client, so_admin, first.json(), {"posts": 3})  # above the school: on its behalf
    history = (await client.get(f"{API}/submissions/{draft['id']}/history", headers=so_admin)).json()["items"]

    expected = (404, "submission_not_found") if who != "reviewer_above" else (403, "not_allowed")
    assert (refused.status_code, refused.json()["code"]) == expected
    assert by_so.status_code == 200 and by_so.json()["content"]["posts"] == 3
    assert [(e["action"], e["on_behalf"], (e["detail"] or {}).get("saves")) for e in history] == [
        ("created", False, None), ("edited", False, 1), ("edited", True, 1)]


def test_whitespace_is_every_character_python_strips() -> None:
    assert WHITESPACE == "".join(character for character in map(chr, range(0x110000)) if character.isspace())
    assert all(not (character * 2).strip() for character in WHITESPACE)
