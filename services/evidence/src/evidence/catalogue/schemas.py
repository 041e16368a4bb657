from __future__ import annotations

import uuid

from pydantic import Field

from edudx_common.sync import CursorPage
from evidence.files.schemas import EvidenceRead


class Catalogue(CursorPage[EvidenceRead]):
    """A page of a submission's evidence catalogue; with `updated_since` or `cursor` (mirroring) the items
    changed since then, in (updated_at, id) order, continued by `next_cursor`."""

    submission_id: uuid.UUID
    total_bytes: int = Field(description="Dung lượng mọi tệp của báo cáo (mọi trang)")
    quota_bytes: int
