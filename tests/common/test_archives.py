"""The shared ZIP bound: bombs are refused in constant memory, honest workbooks pass."""

from __future__ import annotations

import asyncio
import tracemalloc
from collections.abc import Callable
from typing import Any

import pytest

from edudx_common.archives import ArchiveLimits, UnsafeArchive, check_archive
from edudx_common.uploads import ConcurrencyLimit, ImportsBusy
from tests.archive_bombs import lying_zip, xlsx_bomb
from tests.identity.sheets import xlsx

LIMITS = ArchiveLimits(max_total=16 * 1024 * 1024)
WORKBOOK = xlsx([["Mã đơn vị", "Tên đơn vị"], ["T1", "Trường Tiểu học Hòa Bình"]])


def peak_of(call: Callable[[], Any]) -> tuple[Exception | None, int]:
    tracemalloc.start()
    try:
        try:
            call()
        except Exception as exc:
            return exc, tracemalloc.get_traced_memory()[1]
        return None, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_real_workbook_passes_and_its_size_is_counted() -> None:
    assert 0 < check_archive(WORKBOOK, LIMITS) < 100_000


def test_a_bomb_declaring_its_size_is_refused_before_inflating() -> None:
    bomb = xlsx_bomb(64, base=WORKBOOK)
    assert len(bomb) < 1_000_000
    error, peak = peak_of(lambda: check_archive(bomb, LIMITS))
    assert isinstance(error, UnsafeArchive)
    assert "quá lớn" in str(error)
    assert peak < 4 * 1024 * 1024  # 64 MB declared; the check holds a few buffers, not the part


def test_a_bomb_lying_about_its_size_is_refused_while_inflating_in_constant_memory() -> None:
    bomb = lying_zip(64)
    error, peak = peak_of(lambda: check_archive(bomb, LIMITS))
    assert isinstance(error, UnsafeArchive)
    assert peak < 4 * 1024 * 1024


def test_a_high_ratio_under_the_size_limit_is_refused() -> None:
    bomb = xlsx_bomb(8, base=WORKBOOK)  # 8 MB of one letter deflates ~1000:1
    with pytest.raises(UnsafeArchive, match="tỷ lệ nén"):
        check_archive(bomb, LIMITS)


def test_not_a_zip_is_refused_as_damaged() -> None:
    with pytest.raises(UnsafeArchive, match="hỏng"):
        check_archive(b"PK\x03\x04 not really", LIMITS)


async def test_the_concurrency_limit_refuses_beyond_its_slots_with_retry_after() -> None:
    limit = ConcurrencyLimit(2)
    entered = [asyncio.Event(), asyncio.Event()]
    release = asyncio.Event()

    async def hold(index: int) -> None:
        async with limit.slot():
            entered[index].set()
            await release.wait()

    holders = [asyncio.create_task(hold(i)) for i in range(2)]
    await asyncio.gather(*(e.wait() for e in entered))
    with pytest.raises(ImportsBusy) as refused:
        async with limit.slot():
            pass
    assert refused.value.status == 503 and refused.value.headers["Retry-After"]
    release.set()
    await asyncio.gather(*holders)
    assert limit.active == 0
    async with limit.slot():
        assert limit.active == 1
