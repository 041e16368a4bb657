from __future__ import annotations

from datetime import datetime

import pytest

from edudx_common.db import UTCDateTime
from edudx_common.text import fold, like_pattern


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Trường THCS Hòa Bình", "truong thcs hoa binh"),
        ("ĐỨC THÀNH", "duc thanh"),
        ("Trường  Mầm non\tHoa   Sen", "truong mam non hoa sen"),
        ("Nguyễn Thị Ánh Tuyết", "nguyen thi anh tuyet"),
    ],
)
def test_fold_removes_diacritics_case_and_extra_spaces(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_like_pattern_escapes_wildcards() -> None:
    assert like_pattern("Hòa  Bình") == "%hoa%binh%"
    assert like_pattern("100%_x") == "%100\\%\\_x%"


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        UTCDateTime().process_bind_param(datetime(2025, 1, 1), dialect=None)  # type: ignore[arg-type]
