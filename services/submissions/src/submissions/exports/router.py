from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response

from edudx_common.auth import CurrentPrincipal
from edudx_common.db import SessionDep
from edudx_common.downloads import content_disposition
from edudx_common.errors import PROBLEM_RESPONSES
from submissions.deps import IdentityDep
from submissions.exports import service

router = APIRouter(tags=["submissions"], responses=PROBLEM_RESPONSES)


@router.get("/submissions/{submission_id}/export", response_class=Response,
            responses={200: {"content": {t: {} for t in service.MEDIA_TYPES.values()},
                             "description": "Văn bản để in, ký, đóng dấu"}})
async def export_submission(
    submission_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    identity: IdentityDep,
    format: Annotated[Literal["pdf", "docx"], Query(description="pdf hoặc docx")] = "pdf",
    version: Annotated[int | None, Query(ge=1, le=1_000_000,
                                         description="Phiên bản đã nộp; mặc định bản mới nhất")] = None,
) -> Response:
    """The report as a printable document in the Vietnamese administrative layout (Quốc hiệu, tiêu ngữ, unit,
    số/ký hiệu, place and date, sections, signature block for the Hiệu trưởng), to print, sign, stamp and
    upload as evidence. Without `version`: the latest submitted version, or the draft if never submitted.

    A submitted version's PDF is rendered once, on its first download, and the same bytes are returned ever
    after: it is the official document the principal signs digitally (`POST /submissions/{id}/signature`)."""
    document = await service.export_document(session, principal, identity, submission_id=submission_id,
                                             format=format, version=version,
                                             pdf_limiter=request.app.state.pdf_limiter)
    return Response(document.content, media_type=document.media_type,
                    headers={"Content-Disposition": content_disposition(document.filename)})
