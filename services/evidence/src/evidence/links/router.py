"""Links as evidence."""

from __future__ import annotations

from fastapi import APIRouter

from edudx_common.auth import CurrentUser
from edudx_common.db import SessionDep
from edudx_common.errors import PROBLEM_RESPONSES
from evidence.deps import SubmissionsDep, UnitTreeDep
from evidence.links import service
from evidence.links.schemas import EvidenceRead, LinkCreate

router = APIRouter(tags=["evidence"], responses=PROBLEM_RESPONSES)


@router.post("/links", response_model=EvidenceRead, status_code=201)
async def create_link(payload: LinkCreate, session: SessionDep, principal: CurrentUser, submissions: SubmissionsDep,
                      tree: UnitTreeDep) -> EvidenceRead:
    """Add a link as evidence (portal article, LMS course, TEMIS or CSDL ngành record): an http(s) URL of at
    most 2000 characters, a title and an optional note. Same rules as a file: school users of the unit (or an
    authority admin above it), only while the submission is a draft or returned. `attributes` carry what a
    rubric asks of the link, e.g. the solution's name and whether it was built, rented or bought."""
    return await service.add_link(session, principal, payload, submissions=submissions, tree=tree)
