from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, File, Query, Request, Response, UploadFile

from edudx_common.auth import CurrentPrincipal
from edudx_common.db import SessionDep
from edudx_common.downloads import content_disposition
from edudx_common.errors import PROBLEM_RESPONSES
from submissions.deps import ClockDep
from submissions.errors import SignedFileTooLarge
from submissions.signatures import service
from submissions.signatures.schemas import SignatureStatusRead, SignedReportRead

router = APIRouter(tags=["signatures"], responses=PROBLEM_RESPONSES)


async def _policy(request: Request) -> service.SignaturePolicy:
    policy: service.SignaturePolicy = request.app.state.signature_policy
    return policy


PolicyDep = Annotated[service.SignaturePolicy, Depends(_policy)]


def _read(status: service.SignatureStatus, required: bool) -> SignatureStatusRead:
    return SignatureStatusRead(
        state=status.state, label=status.label, reason=status.reason, required=required,
        current_version=status.current_version,
        signature=SignedReportRead.model_validate(status.signature) if status.signature else None)


@router.get("/submissions/{submission_id}/signature", response_model=SignatureStatusRead)
async def get_signature(submission_id: uuid.UUID, session: SessionDep,
                        principal: CurrentPrincipal) -> SignatureStatusRead:
    """Whether the latest submitted version carries the principal's valid digital signature ("Đã ký số"), with
    what was verified: signer (certificate subject, issuing CA), signing time and timestamp, the organisation's
    seal signature if any, and warnings (e.g. the certificate's name differs from the principal's)."""
    return _read(*await service.status_for(session, principal, submission_id))


@router.post("/submissions/{submission_id}/signature", response_model=SignatureStatusRead,
             responses={413: {"description": "Tệp quá lớn"}})
async def upload_signed_report(
    submission_id: uuid.UUID, request: Request, session: SessionDep, principal: CurrentPrincipal,
    clock: ClockDep, policy: PolicyDep,
    file: Annotated[UploadFile, File(description="Bản PDF EduDX xuất cho phiên bản, đã ký số (ký nối tiếp)")],
    version: Annotated[int | None, Query(ge=1, le=10_000,
                                         description="Phiên bản đã nộp; mặc định bản mới nhất")] = None,
) -> SignatureStatusRead:
    """Upload the signed PDF of a submitted version (principal of the school, or an authority acting for it).

    The file must be the PDF downloaded from `GET /submissions/{id}/export?version=N`, signed in the CA's
    signing tool (USB token or remote signing) as an incremental signature. Refused with 422
    `signature_refused` and `extra.reason` — nothing is recorded — when: the file is not a PDF, has no
    signature or is too damaged to check (`not_a_pdf`, `no_signature`, `unreadable`); the signed bytes were
    changed (`modified_after_signing`); the signed document is another version (`other_version`) or another
    document, or was changed while signing (`other_document`); content was added after signing
    (`not_whole_file`); the certificate is expired, not yet valid, revoked or not issued by a CA of the trust
    list (`expired_certificate`, `certificate_not_yet_valid`, `revoked_certificate`, `untrusted_certificate`).
    409 when the version's official PDF was never downloaded (sign that file)."""
    limit = request.app.state.settings.signed_report_max_bytes
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise SignedFileTooLarge(f"Tệp đã ký lớn hơn {limit // (1024 * 1024)} MB.")
    return _read(*await service.accept_upload(session, principal, policy, submission_id, version, data, clock()))


@router.get("/submissions/{submission_id}/signature/file", response_class=Response,
            responses={200: {"content": {"application/pdf": {}}, "description": "Bản PDF đã ký số"}})
async def download_signed_report(submission_id: uuid.UUID, session: SessionDep,
                                 principal: CurrentPrincipal) -> Response:
    """The latest accepted signed PDF, byte for byte as uploaded (open it in a PDF reader to see the
    signatures); 409 `not_signed` while there is none."""
    signed = await service.signed_download(session, principal, submission_id)
    return Response(signed.content, media_type="application/pdf", headers={
        "Content-Disposition": content_disposition(signed.filename), "Cache-Control": "private, no-store"})
