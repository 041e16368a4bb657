"""Bulk reads for systems that mirror a collection: `updated_since` and an opaque cursor over (updated_at, id).

An integrator asks once with `updated_since` (or nothing, for everything), then follows `next_cursor` until it is
null, and keeps the largest `updated_at` it saw for the next round. The order (updated_at, id) is total and stable:
a row changed while the integrator pages moves behind the cursor and comes again in a later page or round, never
skipped. Offsets are not used in this mode (a row changing would shift them).
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import AwareDatetime, BaseModel, Field
from sqlalchemy import and_, or_
from sqlalchemy.sql import Select

from edudx_common.errors import Unprocessable
from edudx_common.pagination import Page

T = TypeVar("T")


class InvalidCursor(Unprocessable):
    code = "invalid_cursor"
    title = "Con trỏ phân trang không hợp lệ"


class SyncParams(BaseModel):
    updated_since: datetime | None = None
    cursor: tuple[datetime, uuid.UUID] | None = None

    @property
    def active(self) -> bool:
        return self.updated_since is not None or self.cursor is not None


def encode_cursor(updated_at: datetime, row_id: uuid.UUID) -> str:
    raw = json.dumps({"u": updated_at.isoformat(), "i": str(row_id)}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
        return datetime.fromisoformat(data["u"]), uuid.UUID(data["i"])
    except (binascii.Error, ValueError, KeyError, TypeError) as exc:
        raise InvalidCursor("Hãy dùng đúng giá trị `next_cursor` của trang trước.") from exc


async def _sync_params(
    updated_since: Annotated[AwareDatetime | None, Query(
        description="Chỉ bản ghi thay đổi từ thời điểm này (RFC 3339); sắp xếp theo (updated_at, id)")] = None,
    cursor: Annotated[str | None, Query(max_length=200,
                                        description="`next_cursor` của trang trước (không dùng cùng offset)")] = None,
) -> SyncParams:
    return SyncParams(updated_since=updated_since, cursor=decode_cursor(cursor) if cursor else None)


SyncParamsDep = Annotated[SyncParams, Depends(_sync_params)]


class CursorPage(Page[T], Generic[T]):
    """A page; in sync mode (`updated_since` or `cursor` given) `next_cursor` continues it, null at the end."""

    next_cursor: str | None = Field(default=None, description="Trang tiếp theo ở chế độ đồng bộ; null: đã hết")


def filter_since(stmt: Select[Any], updated_at: Any, params: SyncParams) -> Select[Any]:
    """The rows changed since `updated_since` (what `total` counts)."""
    return stmt.where(updated_at >= params.updated_since) if params.updated_since is not None else stmt


def after_cursor(stmt: Select[Any], updated_at: Any, row_id: Any, params: SyncParams) -> Select[Any]:
    """The rows after the cursor, in (updated_at, id) order."""
    if params.cursor is not None:
        at, last_id = params.cursor
        stmt = stmt.where(or_(updated_at > at, and_(updated_at == at, row_id > last_id)))
    return stmt.order_by(updated_at, row_id)


def next_cursor(rows: list[Any], limit: int) -> str | None:
    """A cursor after the last row of a full page; None when the page was the last."""
    if len(rows) < limit or not rows:
        return None
    last = rows[-1]
    return encode_cursor(last.updated_at, last.id)
