from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, ForeignKey, Index, Numeric, UniqueConstraint, Uuid, event, text
from sqlmodel import Field, SQLModel

from edudx_common.db import UTCDateTime, new_id, utcnow
from edudx_common.text import fold

POINTS = Numeric(8, 2)
TOTAL = Numeric(10, 2)  # a sum of points


class ScoreSheet(SQLModel, table=True):
    """The scores of one submission against its campaign's rubric.

    The submission's state is a copy kept up to date by the submissions service's events (and refreshed from
    its API whenever someone writes scores), so results for thousands of units need no call per unit.
    """

    __tablename__ = "score_sheets"
    # Results of a campaign: ranked by final total in SQL (rank() OVER …, ORDER BY … LIMIT).
    # The results page's figures and ranked page read only these columns of a campaign's submitted sheets: on
    # PostgreSQL an index-only scan, without the summaries' pages (migrations h24c_0005, s8b_0001: the group;
    # s9c_0001: the self and review totals, which the summary export shows).
    __table_args__ = (Index("ix_score_sheets_campaign_final_total", "campaign_id", "final_total"),
                      Index("ix_score_sheets_campaign_level_rank", "campaign_id", "level_rank", "final_total"),
                      Index("ix_score_sheets_results", "campaign_id", "submit_count", postgresql_include=[
                          "final_total", "classification", "level_rank", "submission_status", "unit_path",
                          "unit_name", "unit_name_folded", "unit_id", "commune_id", "id", "group_hex", "self_total",
                          "review_total"]),
                      # A page by name walks this index instead of sorting every sheet before it: the last page of
                      # 50,000 by name read backwards, a middle page by offset (s10d_0001). On PostgreSQL the migration
                      # gives both names COLLATE "C", the code-point order `_CodePointOrder` sorts by (reflection shows
                      # plain columns, as here); SQLite's own order already is by code point.
                      Index("ix_score_sheets_campaign_name", "campaign_id", "unit_name_folded", "unit_name",
                            postgresql_include=["submit_count", "final_total", "classification", "level_rank",
                                                "group_hex", "unit_id", "id"]),
                      # The figures' (sub-authority, class) aggregate: a GROUP BY on stored columns (s8b_0001).
                      Index("ix_score_sheets_campaign_group", "campaign_id", "group_hex"),
                      # The sheets not yet given their campaign's issuer (stored before s8b_0001): found by a probe.
                      Index("ix_score_sheets_unstamped", "campaign_id", postgresql_where=text("issuer_unit_id IS NULL"),
                            sqlite_where=text("issuer_unit_id IS NULL")))

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    submission_id: uuid.UUID = Field(unique=True)
    campaign_id: uuid.UUID = Field(index=True)
    unit_id: uuid.UUID = Field(index=True)
    unit_name: str = Field(max_length=300)
    # The name without case and diacritics (edudx_common.text.fold), kept by the ORM on every write: results
    # search and order by name in SQL.
    unit_name_folded: str = Field(default="", max_length=300)
    unit_path: str = Field(max_length=2000)
    # What results group by besides the sub-authority on `unit_path` — the school's commune (UBND xã/phường), the
    # Sở's clusters, its education levels and type — as the submission's target holds them (submission events and
    # identity's answer), refreshed on `unit.changed`; and the paths it had before a reorganisation moved it.
    commune_id: uuid.UUID | None = Field(default=None, index=True)
    commune_name: str | None = Field(default=None, max_length=255)
    cluster_codes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    cluster_names: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    education_levels: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    unit_type: str | None = Field(default=None, max_length=20)
    former_unit_paths: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # The campaign's issuer (fixed per campaign) and the id (hex) of the unit directly under it on `unit_path`: the
    # sub-authority results group by, kept with the path on every ORM write (the listener below) and on the bulk
    # path moves (sheets.repository.move_paths) so that the figures are a GROUP BY on a column, not a cut of every
    # path per request. NULL group: the unit sits directly under the issuer or outside its tree. A sheet written
    # before these columns existed gets its issuer on its next event or score write, or from the operator step
    # `python -m scoring.cli stamp-issuers` (sheets.repository.stamp_issuer); until then results cut its
    # campaign's groups out of the paths (results.repository.group_key), never writing on a read.
    issuer_unit_id: uuid.UUID | None = None
    group_hex: str | None = Field(default=None, max_length=32)
    rubric_id: uuid.UUID = Field(index=True)
    submission_status: str = Field(max_length=20)
    submit_count: int = 0
    # When the copied state was true at the producer: an older event never overwrites a newer state.
    status_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    # The outcome of the scores (totals, class, levels, flags), refreshed on every score change: results of a
    # campaign read one row per unit. None until the first score.
    summary: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    # The figures results rank, filter and count by, copied from `summary` in the same write (refresh_summary) so
    # that results at national scale are SQL aggregates and a ranked page, not every summary decoded per request.
    # None, like the summary, until the first score. The unit's group under an issuer is read from `unit_path`.
    final_total: Decimal | None = Field(default=None, sa_column=Column(TOTAL))
    classification: str | None = Field(default=None, max_length=200)
    # The rank of that class or overall level among the rubric's bands (0: the lowest): a level-mode rubric's
    # results rank by it first, then by points (a Mức 1 school never above a Mức 2 one).
    level_rank: int | None = None
    # The self-assessed and reviewed totals (None: no criterion review-scored), from the summary too: the results
    # export of 50,000 units reads them beside the rank instead of parsing every summary's JSON twice (s9c_0001).
    self_total: Decimal | None = Field(default=None, sa_column=Column(TOTAL))
    review_total: Decimal | None = Field(default=None, sa_column=Column(TOTAL))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))


@event.listens_for(ScoreSheet, "before_insert")
@event.listens_for(ScoreSheet, "before_update")
def _fold_unit_name(_mapper: object, _connection: object, sheet: ScoreSheet) -> None:
    sheet.unit_name_folded = fold(sheet.unit_name)[:300]
    sheet.group_hex = group_under(sheet.unit_path, sheet.issuer_unit_id)


def group_under(path: str, issuer_id: uuid.UUID | None) -> str | None:
    """The id (hex) of the unit directly under `issuer_id` on `path` ("/<hex>/…/<unit hex>/"), when the path's unit
    lies below that one; else None (the unit is the issuer's direct child or outside its tree)."""
    if issuer_id is None:
        return None
    parts = [part for part in path.split("/") if part]
    if issuer_id.hex not in parts:
        return None
    below = parts[parts.index(issuer_id.hex) + 1:]
    return below[0] if len(below) > 1 else None


class SheetVersion(SQLModel, table=True):
    """A value that changes whenever any score sheet of the campaign is written (inserted, updated, deleted), set by
    triggers in the writing statement's own transaction (migration s11d_0001), so that no writer can forget it: the
    results figures a process keeps are keyed by it (scoring.results.figures_cache). A fresh value each time (a
    sequence on PostgreSQL, a random number on SQLite), never the old one plus one: figures computed in a
    transaction that then rolls back stay keyed by a value no one else sees."""

    __tablename__ = "score_sheet_versions"

    campaign_id: uuid.UUID = Field(primary_key=True)
    version: int = Field(sa_column=Column(BigInteger, nullable=False))


class CriterionScore(SQLModel, table=True):
    """A criterion's self-score (by the school) and review score (by the reviewer), side by side."""

    __tablename__ = "criterion_scores"
    __table_args__ = (UniqueConstraint("sheet_id", "criterion_code", name="uq_criterion_scores_sheet_code"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    sheet_id: uuid.UUID = Field(sa_column=Column(Uuid, ForeignKey("score_sheets.id", ondelete="CASCADE"),
                                                 nullable=False, index=True))
    criterion_code: str = Field(max_length=20)

    self_points: Decimal | None = Field(default=None, sa_column=Column(POINTS))
    self_passed: bool | None = None
    self_items: list[str] | None = Field(default=None, sa_column=Column(JSON))
    self_level_code: str | None = Field(default=None, max_length=20)
    self_note: str | None = Field(default=None, max_length=4000)
    evidence_item_ids: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    self_by: str | None = Field(default=None, max_length=80)
    self_by_name: str | None = Field(default=None, max_length=200)
    self_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))

    review_points: Decimal | None = Field(default=None, sa_column=Column(POINTS))
    review_passed: bool | None = None
    review_items: list[str] | None = Field(default=None, sa_column=Column(JSON))
    review_level_code: str | None = Field(default=None, max_length=20)
    review_comment: str | None = Field(default=None, max_length=4000)
    review_by: str | None = Field(default=None, max_length=80)
    review_by_name: str | None = Field(default=None, max_length=200)
    review_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))

