"""The reviewer's mark on an evidence item (accepted, insufficient, wrong) and its reason."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from edudx_common.auth import Principal
from edudx_common.db import utcnow
from edudx_common.scope import UnitTree
from evidence.clients.submissions import SubmissionsClient
from evidence.errors import ReviewReasonRequired
from evidence.files import service as files_service
from evidence.files.models import EvidenceItem, ReviewState
from evidence.files.schemas import EvidenceRead
from evidence.reviews.schemas import ReviewCreate


async def review(session: AsyncSession, principal: Principal, item_id: uuid.UUID, payload: ReviewCreate, *,
                 submissions: SubmissionsClient, tree: UnitTree) -> EvidenceRead:
    item = await files_service.item_to_review(session, principal, item_id, submissions=submissions, tree=tree)
    await review_item(session, principal, item, state=payload.state, reason=payload.reason)
    return await files_service.read_item(session, item)


async def review_item(session: AsyncSession, principal: Principal, item: EvidenceItem, *, state: str,
                      reason: str | None) -> EvidenceItem:
    """Mark an item accepted, insufficient or wrong; `files.service.item_to_review` found the caller may (the
    authority above the school, or a commune official the Sở granted `review`). A mark changes nothing about who
    may edit the item (that follows the submission's state)."""
    text = (reason or "").strip() or None
    if state != ReviewState.ACCEPTED and text is None:
        raise ReviewReasonRequired("Hãy ghi lý do khi đánh giá minh chứng chưa đủ hoặc không đúng "
                                   "(ví dụ: sai tài liệu, hết hiệu lực, sai cơ quan ban hành).")
    item.review_state = ReviewState(state).value
    item.review_reason = text
    item.reviewed_by = principal.subject
    item.reviewed_at = utcnow()
    await session.flush()
    return item
