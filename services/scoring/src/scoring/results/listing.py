"""Which rows of a results table a request shows: filters a reviewer uses (search without diacritics, class,
sub-authority), the order (rank or name) and the page. Ranks, distributions and summaries are computed over
every row before this; only the page is turned into JSON."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, TypeVar

from fastapi import Depends, Query

from edudx_common.pagination import PageParams
from edudx_common.text import fold

NOT_CLASSIFIED = "Chưa xếp loại"

T = TypeVar("T")


class ResultsSort(StrEnum):
    RANK = "rank"
    NAME = "name"


class GroupBy(StrEnum):
    """What the results' groups are."""

    CHILD = "child"  # the units directly under the issuer (sub-authorities)
    COMMUNE = "commune"  # the schools' administrative owner (UBND xã/phường)
    CLUSTER = "cluster"  # the Sở's clusters of schools (cụm trường)
    LEVEL = "level"  # the schools' education levels


@dataclass(frozen=True)
class ResultsFilter:
    q: str | None = None
    classification: str | None = None
    group_id: uuid.UUID | None = None
    sort: ResultsSort = ResultsSort.RANK
    group_by: GroupBy = GroupBy.CHILD
    group_key: str | None = None  # a group's `key` (any grouping)


SearchQuery = Annotated[str | None, Query(max_length=200, description="Tìm theo tên đơn vị, không phân biệt dấu")]
ClassQuery = Annotated[str | None, Query(
    max_length=100, description=f"Chỉ đơn vị có xếp loại/mức này; '{NOT_CLASSIFIED}' cho đơn vị chưa có")]
SortQuery = Annotated[ResultsSort, Query(description="rank: theo thứ hạng (mặc định); name: theo tên")]


async def _results_filter(
    q: SearchQuery = None,
    classification: ClassQuery = None,
    group_id: Annotated[uuid.UUID | None, Query(description="Chỉ đơn vị thuộc đơn vị quản lý này")] = None,
    sort: SortQuery = ResultsSort.RANK,
    group_by: Annotated[GroupBy, Query(
        description="Nhóm theo: child (đơn vị trực thuộc, mặc định), commune (xã/phường), cluster (cụm trường), "
                    "level (cấp học)")] = GroupBy.CHILD,
    group_key: Annotated[str | None, Query(max_length=500, description="Chỉ đơn vị thuộc nhóm này "
                                                                        "(`groups[].key`)")] = None,
) -> ResultsFilter:
    return ResultsFilter(q=q.strip() or None if q else None, classification=classification, group_id=group_id,
                         sort=sort, group_by=group_by, group_key=group_key)


ResultsFilterDep = Annotated[ResultsFilter, Depends(_results_filter)]


async def _published_filter(
    q: SearchQuery = None,
    classification: ClassQuery = None,
    sort: SortQuery = ResultsSort.RANK,
) -> ResultsFilter:
    """The published snapshot keeps no sub-authority, so it is not filtered by one."""
    return await _results_filter(q=q, classification=classification, group_id=None, sort=sort)


PublishedFilterDep = Annotated[ResultsFilter, Depends(_published_filter)]


def select_page(rows: Sequence[T], chosen: ResultsFilter, page: PageParams, *, name: Callable[[T], str],
                rank: Callable[[T], int | None], classification: Callable[[T], str | None],
                group_id: Callable[[T], uuid.UUID | None] | None = None) -> tuple[list[T], int]:
    """The page of `rows` matching `chosen`, and how many match in all."""
    found: list[T] = list(rows)
    if chosen.q:
        words = fold(chosen.q).split(" ")
        found = [r for r in found if _has_words(fold(name(r)), words)]
    if chosen.classification is not None:
        wanted = None if chosen.classification == NOT_CLASSIFIED else chosen.classification
        found = [r for r in found if classification(r) == wanted]
    if chosen.group_id is not None and group_id is not None:
        found = [r for r in found if group_id(r) == chosen.group_id]
    if chosen.sort is ResultsSort.NAME:
        found.sort(key=lambda r: (fold(name(r)), name(r)))
    else:
        found.sort(key=lambda r: (rank(r) or 0, name(r)))
    return found[page.offset:page.offset + page.limit], len(found)


def _has_words(text: str, words: Sequence[str]) -> bool:
    """Every word in order, as the project's LIKE search matches them."""
    at = 0
    for word in words:
        at = text.find(word, at)
        if at < 0:
            return False
        at += len(word)
    return True
