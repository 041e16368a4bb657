"""Text folding for search that ignores Vietnamese diacritics and case."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """'Trường THCS Hòa Bình' → 'truong thcs hoa binh'. `đ` has no decomposition, so it is mapped by hand."""
    lowered = text.lower().replace("đ", "d")
    decomposed = unicodedata.normalize("NFD", lowered)
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return _SPACES.sub(" ", stripped).strip()


def like_pattern(query: str) -> str:
    """A LIKE pattern matching every folded word of `query` in order, with LIKE wildcards escaped."""
    words = [w.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") for w in fold(query).split(" ") if w]
    return "%" + "%".join(words) + "%"


# A rubric criterion's code as rubrics write it and evidence refers to it: '1', '1.2', '4a', 'I.3', 'II.3.1', and
# the provinces' own styles 'DH.1', 'QT.2', 'II.1.a': one to five parts of Latin letters and digits (at most 8 each)
# joined by dots, 20 characters at most. Scoring defines criteria with it and evidence tags items with it, so both
# must accept the same codes.
CRITERION_CODE_PATTERN = r"^[0-9A-Za-z]{1,8}(\.[0-9A-Za-z]{1,8}){0,4}$"
CRITERION_CODE = re.compile(CRITERION_CODE_PATTERN)
CRITERION_CODE_EXAMPLES = "1.1, 4a, I.3, II.1.a, DH.1, QT.2"
