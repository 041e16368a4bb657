"""Collecting row errors and the verdict every import ends with."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from edudx_common.auth import Principal
from edudx_common.errors import FieldError, ProblemError
from edudx_common.tables import audit
from identity.errors import ImportRejected
from identity.imports.schemas import ImportMode, ImportReport, RowError
from identity.imports.spreadsheet import Sheet


class RowErrors:
    """Errors by row, each naming the column as the file's header writes it."""

    def __init__(self, sheet: Sheet) -> None:
        self._sheet = sheet
        self._items: list[RowError] = []
        self.rows: set[int] = set()

    def add(self, row: int, column: str, message: str) -> None:
        """`message` says what is wrong with the cell; the row and the column are fields of their own (whoever
        shows the error prefixes them once), so the message never repeats them."""
        self._items.append(RowError(row=row, column=self._sheet.header(column), message=_sentence(message)))
        self.rows.add(row)

    def check(self, row: int, column: str, rule: Callable[..., None], *args: Any) -> None:
        """Run one of a service's rules: its problem becomes this row's error instead of the request's."""
        try:
            rule(*args)
        except ProblemError as exc:
            self.add(row, column, (exc.detail or exc.title).rstrip("."))

    def __contains__(self, row: int) -> bool:
        return row in self.rows

    @property
    def items(self) -> list[RowError]:
        return sorted(self._items, key=lambda e: e.row)  # stable: a row's errors keep their order


def _sentence(message: str) -> str:
    return message[:1].upper() + message[1:]


def reject_if_needed(errors: RowErrors, *, mode: ImportMode, total_rows: int) -> None:
    """All-or-nothing with an invalid row: refuse the whole file, listing every bad row (dry run or not)."""
    if mode is not ImportMode.ALL_OR_NOTHING or not errors.rows:
        return
    bad = len(errors.rows)
    raise ImportRejected(
        f"{bad}/{total_rows} dòng không hợp lệ, chưa ghi dữ liệu nào. Sửa các dòng được liệt kê rồi nhập lại, "
        "hoặc chọn nhập các dòng hợp lệ và bỏ qua các dòng lỗi.",
        errors=[FieldError(row=e.row, field=e.column, message=e.message) for e in errors.items],
        extra={"total_rows": total_rows, "invalid_rows": bad},
    )


def make_report(errors: RowErrors, outcomes: Counter[str], *, mode: ImportMode, dry_run: bool,
                total_rows: int) -> ImportReport:
    return ImportReport(
        dry_run=dry_run, mode=mode, total_rows=total_rows, created=outcomes["created"],
        updated=outcomes["updated"], unchanged=outcomes["unchanged"], skipped=len(errors.rows),
        errors=errors.items,
    )


class ImportRoot(Protocol):
    """The unit an import was applied under (a units.models.Unit): the toolkit needs only its id and path."""

    id: uuid.UUID
    path: str


def record_import(session: AsyncSession, principal: Principal, root: ImportRoot | None, action: str,
                  report: ImportReport) -> None:
    """One audit record per applied import, with its counts (each created or changed unit has its own too)."""
    audit.record(session, action=action, actor=principal, target_type="import",
                 unit_id=root.id if root else None, unit_path=root.path if root else None,
                 changes={"mode": report.mode, "total_rows": report.total_rows, "created": report.created,
                          "updated": report.updated, "unchanged": report.unchanged, "skipped": report.skipped})
