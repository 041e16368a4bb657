"""Limit/offset pagination shared by every list endpoint: one envelope, `{items, total, limit, offset, next}`.

`next` is the link to the following page (None on the last): the request's own path and query with `offset`
moved on, relative to the API's origin (`/api/submissions/campaigns?status=published&limit=50&offset=50`), so it
names no internal address behind the gateway. `PageLinkMiddleware` (every service app has it) notes the request
a page is answering.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextvars import ContextVar
from typing import Annotated, Generic, TypeVar
from urllib.parse import parse_qsl, urlencode

from fastapi import Depends, Query
from pydantic import BaseModel, Field, model_validator
from starlette.types import ASGIApp, Receive, Scope, Send

T = TypeVar("T")

# Far beyond any list here, and well inside a 64-bit SQL integer (2^63 used to reach the database: 500).
MAX_OFFSET = 10_000_000


class PageParams(BaseModel):
    limit: int = 50
    offset: int = 0


async def _page_params(
    limit: Annotated[int, Query(ge=1, le=500, description="Số bản ghi tối đa mỗi trang")] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Bỏ qua bao nhiêu bản ghi")] = 0,
) -> PageParams:
    return PageParams(limit=limit, offset=offset)


PageParamsDep = Annotated[PageParams, Depends(_page_params)]


# (path, query string) of the request being answered.
_request_target: ContextVar[tuple[str, str] | None] = ContextVar("request_target", default=None)


class PageLinkMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        token = _request_target.set((str(scope.get("path", "")), scope.get("query_string", b"").decode("latin-1")))
        try:
            await self.app(scope, receive, send)
        finally:
            _request_target.reset(token)


def next_link(total: int, limit: int, offset: int) -> str | None:
    target = _request_target.get()
    if target is None or offset + limit >= total:
        return None
    path, query = target
    params = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k not in ("limit", "offset")]
    return f"{path}?{urlencode([*params, ('limit', str(limit)), ('offset', str(offset + limit))])}"


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int
    next: str | None = Field(default=None, description="Đường dẫn tới trang sau (cùng bộ lọc); null ở trang cuối")

    @model_validator(mode="after")
    def _link_next(self) -> Page[T]:
        if self.next is None:
            self.next = next_link(self.total, self.limit, self.offset)
        return self


M = TypeVar("M", bound=BaseModel)


def make_page(model: type[M], items: Sequence[object], total: int, params: PageParams) -> Page[M]:
    """A page of `model` built from ORM rows (or anything with matching attributes)."""
    return Page[model].model_validate(  # type: ignore[valid-type]
        {"items": list(items), "total": total, "limit": params.limit, "offset": params.offset},
        from_attributes=True,
    )
