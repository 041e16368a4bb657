"""Limit/offset pagination shared by every list endpoint: one envelope, `{items, total, limit, offset, next}`.

Every list answers this envelope, never a bare array (tests/contract/test_list_envelope.py checks the public
document): `limit` is 1–500, 50 unless an operation says otherwise. The schema of `Page[X]` (and of
`CursorPage[X]`, edudx_common.sync) is named `XPage`, a trailing `Read` dropped (`CampaignSummaryPage`,
`UnitPage`), not pydantic's `Page_X_` (edudx_common.openapi renames them).

`next` is the link to the following page (None on the last): the request's own path and query with `offset`
moved on, relative to the API's origin (`/api/submissions/campaigns?status=published&limit=50&offset=50`), so it
names no internal address behind the gateway. Every service app notes the request a page is answering
(`note_request_target`, called by `edudx_common.hardening.ServiceLayers`).
"""

from __future__ import annotations

from collections.abc import Sequence
from contextvars import ContextVar, Token
from typing import Annotated, Any, Generic, TypeVar
from urllib.parse import parse_qsl, urlencode

from fastapi import Depends, Query
from pydantic import BaseModel, Field, model_validator
from starlette.types import Scope

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


# (path, query string) of the GET request being answered; None for other methods (a POST answering a page, like
# results after publishing, has no next page to link: its path is not a list's).
_request_target: ContextVar[tuple[str, str] | None] = ContextVar("request_target", default=None)


def note_request_target(scope: Scope) -> Token[tuple[str, str] | None]:
    """Notes the GET request being answered (its path and query), for the pages it builds; reset with the token
    when it is answered (`edudx_common.hardening.ServiceLayers`)."""
    return _request_target.set((str(scope.get("path", "")), scope.get("query_string", b"").decode("latin-1")))


def forget_request_target(token: Token[tuple[str, str] | None]) -> None:
    _request_target.reset(token)


def request_link(**moved: str) -> str | None:
    """The request being answered, with the query parameters in `moved` set (and `offset`, `cursor` dropped
    unless given)."""
    target = _request_target.get()
    if target is None:
        return None
    path, query = target
    dropped = {"limit", "offset", "cursor", *moved}
    params = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k not in dropped]
    return f"{path}?{urlencode([*params, *moved.items()])}"


def request_asks(*names: str) -> bool:
    """Whether the request being answered has one of these query parameters."""
    target = _request_target.get()
    return target is not None and any(k in names for k, _ in parse_qsl(target[1], keep_blank_values=True))


def next_link(total: int, limit: int, offset: int) -> str | None:
    if offset + limit >= total:
        return None
    return request_link(limit=str(limit), offset=str(offset + limit))


class Page(BaseModel, Generic[T]):
    """`total` counts every item matching the filters (all pages); `items` is the page asked for."""

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

    @classmethod
    def model_parametrized_name(cls, params: tuple[Any, ...]) -> str:
        """The class's name (in errors and reprs) follows the schemas' rule: `Page[CampaignSummary]` is
        `CampaignSummaryPage`."""
        return "".join(getattr(p, "__name__", str(p)) for p in params).removesuffix("Read") + "Page"


M = TypeVar("M", bound=BaseModel)


def make_page(model: type[M], items: Sequence[object], total: int, params: PageParams) -> Page[M]:
    """A page of `model` built from ORM rows (or anything with matching attributes)."""
    return Page[model].model_validate(  # type: ignore[valid-type]
        {"items": list(items), "total": total, "limit": params.limit, "offset": params.offset},
        from_attributes=True,
    )


def page_of(model: type[M], everything: Sequence[object], params: PageParams) -> Page[M]:
    """A page of a list held whole in memory (short lists: a unit's codes, a report's versions)."""
    return make_page(model, everything[params.offset:params.offset + params.limit], len(everything), params)
