from __future__ import annotations

import uuid

from fastapi import APIRouter

from edudx_common.auth import CurrentPrincipal, CurrentUser
from edudx_common.db import SessionDep
from edudx_common.errors import PROBLEM_RESPONSES
from scoring.authority_index import service
from scoring.authority_index.schemas import AuthorityIndexRead
from scoring.deps import ClockDep, EventsDep, IdentityDep, SubmissionsDep, UnitTreeDep

router = APIRouter(prefix="/submissions/{submission_id}/authority-index", tags=["authority index"],
                   responses=PROBLEM_RESPONSES)


@router.get("", response_model=AuthorityIndexRead)
async def get_authority_index(submission_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal,
                              submissions: SubmissionsDep, tree: UnitTreeDep) -> AuthorityIndexRead:
    """The computed criteria of an authority's own report (QĐ 3806 kind) as they stand now: for each, the count
    or share of the units it manages at the criterion's levels in their latest published results, the points
    that gives, and the list of units behind the figure. Writes nothing."""
    ctx = await service.load_context(session, principal, submission_id, submissions=submissions, tree=tree)
    return AuthorityIndexRead(submission_id=ctx.info.id, unit_id=ctx.info.unit_id,
                              criteria=await service.authority_index(session, ctx), saved=False)


@router.post("", response_model=AuthorityIndexRead)
async def fill_authority_index(submission_id: uuid.UUID, session: SessionDep, principal: CurrentUser,
                               submissions: SubmissionsDep, identity: IdentityDep, tree: UnitTreeDep,
                               events: EventsDep, clock: ClockDep) -> AuthorityIndexRead:
    """Fill the computed criteria from EduDX's published school results: each figure becomes the criterion's
    self-score, its basis the note (those who prepare the report, while it is a draft or returned). Self-scores
    sent for a computed criterion are refused; this is the only way it is scored by the unit."""
    ctx = await service.load_context(session, principal, submission_id, submissions=submissions, tree=tree)
    return await service.fill(session, principal, ctx, identity=identity, events=events, clock=clock)
