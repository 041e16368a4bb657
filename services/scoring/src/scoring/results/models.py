from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Column, Numeric, UniqueConstraint
from sqlmodel import Field, SQLModel

from edudx_common.db import UTCDateTime, new_id


class CampaignResults(SQLModel, table=True):
    """How a campaign's results are shown, and whether (and when) the authority published them."""

    __tablename__ = "campaign_results"

    campaign_id: uuid.UUID = Field(primary_key=True)
    # Some authorities publish classes only, never a ranking.
    ranking_enabled: bool = True
    published_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    published_by: str | None = Field(default=None, max_length=80)
    published_by_name: str | None = Field(default=None, max_length=200)
    publication_count: int = 0


class PublishedResult(SQLModel, table=True):
    """A unit's result as published: a snapshot, so later score changes never alter what was announced,
    and the public DX level can be served without personal data or a call to another service."""

    __tablename__ = "published_results"
    __table_args__ = (UniqueConstraint("campaign_id", "unit_id", name="uq_published_results_campaign_unit"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    campaign_id: uuid.UUID = Field(index=True)
    unit_id: uuid.UUID = Field(index=True)
    unit_name: str = Field(max_length=300)
    campaign_title: str = Field(max_length=500)
    campaign_kind: str = Field(max_length=40)
    school_year: str | None = Field(default=None, max_length=20)
    classification: str | None = Field(default=None, max_length=100)
    group_levels: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    final_total: Decimal = Field(sa_column=Column(Numeric(8, 2), nullable=False))
    max_total: Decimal = Field(sa_column=Column(Numeric(8, 2), nullable=False))
    rank: int | None = None
    published_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
