"""A submission as a printable document (PDF or DOCX) in the Vietnamese administrative layout.

A submitted version's PDF is the official one: rendered once, on its first download, and kept byte for byte
(signatures) so that the principal signs exactly what was downloaded.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Literal

import anyio
from sqlalchemy.ext.asyncio import AsyncSession

from edudx_common.auth import Principal
from submissions.clients.identity import IdentityClient
from submissions.errors import InvalidContent, SubmissionNotFound
from submissions.exports.docx import render_docx
from submissions.exports.pdf import render_pdf
from submissions.exports.report import printable_report
from submissions.signatures import service as signatures_service
from submissions.workflow import service as workflow_service

ExportFormat = Literal["pdf", "docx"]
MEDIA_TYPES: dict[ExportFormat, str] = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


@dataclass(frozen=True)
class Document:
    content: bytes
    media_type: str
    filename: str


async def export_document(session: AsyncSession, principal: Principal, identity: IdentityClient, *,
                          submission_id: uuid.UUID, format: ExportFormat, version: int | None,
                          pdf_limiter: anyio.CapacityLimiter) -> Document:
    """Version `version` of the report (default: the latest submitted one, or the draft if never submitted)."""
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
            pdf: bytes = await anyio.to_thread.run_sync(render_pdf, report, limiter=pdf_limiter)
            return pdf
        # A submitted version's PDF is the official one, kept from its first download: the file to sign.
        content = (await signatures_service.official_pdf(session, submission_id=ctx.submission.id,
                                                         version_number=submitted.number, render=render)
                   if submitted else await render())
    else:
        content = await anyio.to_thread.run_sync(render_docx, report)
    name = f"Báo cáo - {ctx.target.unit_name} - {ctx.campaign.title[:80]}.{format}"
    return Document(content, MEDIA_TYPES[format], name)
