from __future__ import annotations

import uuid

from pydantic import BaseModel, Field

from edudx_common.timezone import LocalDateTime
from edudx_common.vocabulary import CampaignKind


class PublicLevel(BaseModel):
    """What the authority published about a school: no scores, no ranks, no people."""

    campaign_title: str
    campaign_kind: CampaignKind
    school_year: str | None
    level: str | None = Field(description="Xếp loại hoặc mức độ chuyển đổi số đã công bố")
    group_levels: list[dict[str, str | None]] = Field(description="Mức của từng nhóm (đánh giá theo nhóm)")
    published_at: LocalDateTime


class PublicUnitLevel(BaseModel):
    unit_id: uuid.UUID
    unit_name: str
    current: PublicLevel
    history: list[PublicLevel]
