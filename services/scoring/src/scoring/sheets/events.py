"""The event the score sheets publish: `scores.changed`, whenever a sheet's totals may have changed (self-scores,
review scores, an authority index filled). Submissions keeps a copy of the totals for the reviewers' board, which
sorts and filters 1,000+ schools by them in one query."""

from __future__ import annotations

import uuid
from typing import ClassVar

from pydantic import Field

from edudx_common.tables.outbox import Event


class ScoresChanged(Event):
    event_type: ClassVar[str] = "scores.changed"
    submission_id: uuid.UUID
    self_total: float | None = Field(description="The school's self-assessed total")
    review_total: float | None = Field(description="The reviewers' points on the criteria they scored; null before "
                                                   "any review score")
    final_total: float | None = Field(description="Review score where given, the self-score otherwise")


PUBLISHED: tuple[type[Event], ...] = (ScoresChanged,)
