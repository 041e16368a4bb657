"""The reviewer's mark on an evidence item."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from edudx_common.auth import CurrentUser
from edudx_common.db import SessionDep
from edudx_common.errors import PROBLEM_RESPONSES
from evidence.deps import SubmissionsDep, UnitTreeDep
from evidence.reviews import service
from evidence.reviews.schemas import EvidenceRead, ReviewCreate

router = APIRouter(tags=["evidence"], responses=PROBLEM_RESPONSES)


@router.post("/files/{item_id}/review", response_model=EvidenceRead)
async def review_file(item_id: uuid.UUID, payload: ReviewCreate, session: SessionDep, principal: CurrentUser,
                      tree: UnitTreeDep, submissions: SubmissionsDep) -> EvidenceRead:
    """Mark an item (file or link) accepted, insufficient or wrong; `reason` is required unless accepted.
    Reviewers and admins of an authority above the school, and a commune official the Sở granted `review` on the
    school's commune; the school sees the mark in the catalogue. A mark does not make the item editable: that
    follows the submission (returned → upload a replacement)."""
    return await service.review(session, principal, item_id, payload, submissions=submissions, tree=tree)
