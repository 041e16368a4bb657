from __future__ import annotations

import uuid
from typing import Annotated, Literal

import anyio
from fastapi import APIRouter, Query, Request, Response

from edudx_common.auth import CurrentPrincipal
from edudx_common.db import SessionDep
from edudx_common.downloads import content_disposition
from edudx_common.errors import PROBLEM_RESPONSES
from submissions.deps import IdentityDep
from submissions.errors import InvalidContent, SubmissionNotFound
from submissions.exports.docx import render_docx
from submissions.exports.pdf import render_pdf
from submissions.exports.report import printable_report
from submissions.signatures import service as signatures_service
from submissions.workflow import service as workflow_service

router = APIRouter(tags=["submissions"], responses=PROBLEM_RESPONSES)

MEDIA_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


@router.get("/submissions/{submission_id}/export", response_class=Response,
            responses={200: {"content": {t: {} for t in MEDIA_TYPES.values()},
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
    ctx = await workflow_service.load(session, principal, submission_id)
    if not ctx.campaign.outline:
        raise InvalidContent("Đợt báo cáo không có đề cương để in.")
    number = version or (ctx.submission.submit_count or None)
    submitted = await workflow_service.submitted_version(session, ctx, number)
    if number is not None and submitted is None:
        raise SubmissionNotFound(f"Không có phiên bản {number}.")
    report = await printable_report(identity, ctx, submitted)
    if format == "pdf":
        async def render() -> bytes:
            # WeasyPrint is CPU-bound and not thread-safe: one render at a time per process, off the event loop.
            pdf: bytes = await anyio.to_thread.run_sync(render_pdf, report, limiter=request.app.state.pdf_limiter)
            return pdf
        # A submitted version's PDF is the official one, kept from its first download: the file to sign.
        body = (await signatures_service.official_pdf(session, submission_id=ctx.submission.id,
                                                      version_number=submitted.number, render=render)
                if submitted else await render())
    else:
        body = await anyio.to_thread.run_sync(render_docx, report)
    name = f"Báo cáo - {ctx.target.unit_name} - {ctx.campaign.title[:80]}.{format}"
    return Response(body, media_type=MEDIA_TYPES[format], headers={"Content-Disposition": content_disposition(name)})
