from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, Connection, Index, UniqueConstraint, event, select
from sqlmodel import Field, SQLModel

from edudx_common.db import UTCDateTime, new_id, utcnow
from edudx_common.vocabulary import CampaignKind as CampaignKind  # re-exported: submissions names it here


class LatePolicy(StrEnum):
    ACCEPT_LATE = "accept_late"  # accepted and flagged with how late
    HARD_CUTOFF = "hard_cutoff"  # refused after the deadline (unless the unit has an extension)


class CampaignStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CLOSED = "closed"
    ARCHIVED = "archived"


class Campaign(SQLModel, table=True):
    __tablename__ = "campaigns"
    __table_args__ = (
        CheckConstraint("opens_at < due_at", name="ck_campaigns_window"),
        CheckConstraint("late_until IS NULL OR late_until > due_at", name="ck_campaigns_late_until"),
        CheckConstraint("status IN ('draft', 'published', 'closed', 'archived')", name="ck_campaigns_status"),
        CheckConstraint("revision_days BETWEEN 1 AND 90", name="ck_campaigns_revision_days"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    issuer_unit_id: uuid.UUID = Field(index=True)
    # "/<root hex>/…/<issuer hex>/": who may see and manage the campaign, without asking identity.
    issuer_path: str = Field(max_length=2000, index=True)
    issuer_name: str = Field(max_length=255)
    school_year_id: uuid.UUID = Field(foreign_key="school_years.id", index=True)
    title: str = Field(max_length=500)
    title_folded: str = Field(max_length=500)
    kind: str = Field(max_length=30)
    legal_reference: str | None = Field(default=None, max_length=500)
    instructions: str | None = None
    attachments: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    opens_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    due_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    late_policy: str = Field(max_length=20, default=LatePolicy.ACCEPT_LATE.value)
    # With `accept_late`: late reports are accepted until this cut-off (none: until the campaign closes).
    late_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    rubric_id: uuid.UUID | None = None  # a rubric of the scoring service
    outline_id: uuid.UUID | None = None  # where the outline was copied from
    outline: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    # {"unit_types": [...], "education_levels": [...]} or {"unit_ids": [...]}
    target_rule: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # Schools' submissions pass the managing authority between issuer and school first (historically a Phòng),
    # which accepts them for the issuer (Sở).
    two_level_review: bool = False
    # Approval needs a valid digital signature of the principal on the version being approved.
    require_signature: bool = False
    # A returned report's default resubmission period (days); the deadline never falls before the campaign's own.
    revision_days: int = Field(default=7, sa_column_kwargs={"server_default": "7"})
    status: str = Field(max_length=20, default=CampaignStatus.DRAFT.value, index=True)
    version: int = 1
    copied_from_id: uuid.UUID | None = None
    created_by: str | None = Field(default=None, max_length=80)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    published_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    closed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    archived_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))


class CampaignTarget(SQLModel, table=True):
    """A unit that must submit, with what identity told us about it when it became a target."""

    __tablename__ = "campaign_targets"
    __table_args__ = (
        UniqueConstraint("campaign_id", "unit_id", name="uq_campaign_targets_unit"),
        Index("ix_campaign_targets_campaign_active", "campaign_id", "withdrawn_at"),
        # The status view's list, by name, a page at a time: no sort of every target (bench/RESULTS.md).
        Index("ix_campaign_targets_campaign_name", "campaign_id", "unit_name_folded", "unit_code"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    campaign_id: uuid.UUID = Field(foreign_key="campaigns.id")
    unit_id: uuid.UUID = Field(index=True)
    unit_code: str = Field(max_length=40)
    unit_name: str = Field(max_length=255)
    unit_name_folded: str = Field(max_length=300)
    unit_type: str = Field(max_length=20)
    education_levels: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # "/<root hex>/…/<unit hex>/": scope checks and roll-ups by sub-authority are string prefix work.
    unit_path: str = Field(max_length=2000, index=True)
    # The administrative owner (UBND xã/phường) and the Sở's clusters when the target was frozen, refreshed on
    # `unit.changed`: status and exports group by them in SQL, and the commune's officials read its schools' rows.
    commune_id: uuid.UUID | None = Field(default=None, index=True)
    commune_name: str | None = Field(default=None, max_length=255)
    cluster_codes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    cluster_names: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # Paths the unit had before a reorganisation moved it: their managers keep reading what they reviewed.
    former_unit_paths: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # The target's group in its campaign issuer's status view (`issuer_group_of`), written with the path (on
    # targeting, on every move): that view, the one a national campaign's 50,000 targets are counted in, groups by
    # this column instead of cutting every path per request (status.expressions.group_expression).
    issuer_group_hex: str | None = Field(default=None, max_length=32)
    added_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    withdrawn_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    extension_due_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    extension_reason: str | None = Field(default=None, max_length=500)


_HEX = 32  # a unit id on a path: "/" then 32 hex digits


def issuer_group_of(path: str, issuer_id: uuid.UUID) -> str:
    """The group of a target under the campaign's issuer, as status.expressions.group_expression computes it in SQL:
    the id (hex) of the issuer's child on the path, the issuer itself if the path ends there, the path's last id if
    the issuer is not on it (a school that left the issuer's tree is its own group)."""
    issuer = issuer_id.hex
    at = path.find(issuer)
    if at < 0:
        return path[len(path) - _HEX - 1:len(path) - 1]
    return path[at + _HEX + 1:at + 2 * _HEX + 1] or issuer


@event.listens_for(CampaignTarget, "before_insert")
def _stamp_issuer_group(_mapper: object, connection: Connection, target: CampaignTarget) -> None:
    """A target written without its group under the issuer (targeting sets it) gets it from its campaign."""
    if target.issuer_group_hex is None:
        issuer = connection.execute(select(Campaign.issuer_unit_id).where(  # type: ignore[call-overload]
            Campaign.id == target.campaign_id)).scalar()
        if issuer is not None:
            target.issuer_group_hex = issuer_group_of(target.unit_path, issuer)
