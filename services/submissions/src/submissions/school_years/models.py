from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Column
from sqlmodel import Field, SQLModel

from edudx_common.db import UTCDateTime, new_id, utcnow


class SchoolYear(SQLModel, table=True):
    """'2024-2025': runs roughly from 1 September to 31 August."""

    __tablename__ = "school_years"
    __table_args__ = (CheckConstraint("starts_on < ends_on", name="ck_school_years_order"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    name: str = Field(max_length=9, unique=True)
    starts_on: date
    ends_on: date
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
