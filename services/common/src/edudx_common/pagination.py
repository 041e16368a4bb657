"""Limit/offset pagination shared by every list endpoint."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel

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


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


M = TypeVar("M", bound=BaseModel)


def make_page(model: type[M], items: Sequence[object], total: int, params: PageParams) -> Page[M]:
    """A page of `model` built from ORM rows (or anything with matching attributes)."""
    return Page[model].model_validate(  # type: ignore[valid-type]
        {"items": list(items), "total": total, "limit": params.limit, "offset": params.offset},
        from_attributes=True,
    )
