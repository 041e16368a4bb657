"""Signed reports: the official PDF of each submitted version, the principal's signed copy, and what
approval requires.

A submitted version's PDF is rendered once, on its first download, and kept byte for byte: the principal signs
that file in the CA's signing tool (an incremental signature), and the uploaded file must start with exactly
those bytes. Rendering at submit time instead would put a WeasyPrint rendering on every submission of deadline
day, when most versions are never signed. A refused upload stores nothing.
"""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

import anyio
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from edudx_common.auth import Principal, Role
from edudx_common.tables import audit
from submissions.access import acts_for_school
from submissions.errors import (
    NotAllowed,
    NotSigned,
    SignatureRefused,
    SignatureRequired,
    SubmissionNotFound,
    SubmissionStateConflict,
)
from submissions.signatures import repository
from submissions.signatures.models import OfficialDocument, SignedReport
from submissions.signatures.pki import TrustList
from submissions.signatures.schemas import SIGNATURE_LABELS_VI, SignatureState
from submissions.workflow import service as workflow
from submissions.workflow.models import SubmissionStatus, SubmissionVersion
from submissions.workflow.service import Context


@dataclass(frozen=True)
class SignaturePolicy:
    trust: TrustList
    revocation_fetching: bool
    # Verification is CPU work (hashing, difference analysis of every revision): a worker thread, two at a time.
    limiter: anyio.CapacityLimiter = field(default_factory=lambda: anyio.CapacityLimiter(2))


@dataclass(frozen=True)
class SignatureStatus:
    state: SignatureState
    reason: str | None
    current_version: int | None
    signature: SignedReport | None

    @property
    def label(self) -> str:
        return SIGNATURE_LABELS_VI[self.state]


# --- the official PDF ----------------------------------------------------------------------------------


async def official_pdf(session: AsyncSession, *, submission_id: uuid.UUID, version_number: int,
                       render: Callable[[], Awaitable[bytes]]) -> bytes:
    """The version's official PDF: the stored one, or rendered now and stored (the first download wins when two
    race: both get the stored bytes)."""
    stored = await repository.official(session, submission_id, version_number)
    if stored is not None:
        return stored.content
    content = await render()
    try:
        async with session.begin_nested():
            session.add(OfficialDocument(submission_id=submission_id, version_number=version_number,
                                         sha256=hashlib.sha256(content).hexdigest(), size=len(content),
                                         content=content))
    except IntegrityError:
        stored = await repository.official(session, submission_id, version_number)
        if stored is None:
            raise
        return stored.content
    return content


# --- uploading the signed file -------------------------------------------------------------------------


async def accept_signed(session: AsyncSession, principal: Principal, policy: SignaturePolicy, ctx: Context,
                        version: SubmissionVersion | None, data: bytes, now: datetime) -> SignedReport:
    """Verify `data` as the signed PDF of `version` and keep it; `SignatureRefused` (422) names why not."""
    # pyHanko is imported on the first upload, not at start-up (it takes a few seconds to import under load).
    from submissions.signatures.verification import SignatureRefused as Refusal
    from submissions.signatures.verification import verify_signed_report

    target = ctx.target
    on_behalf = acts_for_school(principal, target.unit_id, target.unit_path)
    is_principal = principal.has_any(Role.PRINCIPAL) and principal.unit_id == target.unit_id
    if not (is_principal or on_behalf):
        raise NotAllowed("Chỉ Hiệu trưởng (hoặc cấp quản lý thay mặt trường) được tải lên báo cáo đã ký số.")
    if ctx.submission.status == SubmissionStatus.DRAFT or ctx.submission.submit_count == 0:
        raise SubmissionStateConflict("Báo cáo chưa nộp: hãy nộp, tải bản PDF của phiên bản đã nộp, ký số rồi "
                                      "tải lên.")
    if version is None:
        raise SubmissionNotFound("Không có phiên bản đã nộp này.")
    official = await repository.official(session, ctx.submission.id, version.number)
    if official is None:
        raise SubmissionStateConflict(f"Bản PDF của phiên bản {version.number} chưa được tải về lần nào: hãy tải "
                                      "bản PDF từ EduDX, ký số trên chính tệp đó rồi tải lên.")
    others = await repository.officials(session, ctx.submission.id)
    if is_principal:
        expected_name = principal.name
    else:
        expected_name = None if version.on_behalf else version.submitted_by_name
    check = verify_signed_report(
        data, expected=official.content, version_number=version.number, other_versions=others,
        trust=policy.trust, allow_fetching=policy.revocation_fetching, principal_name=expected_name,
        unit_name=target.unit_name, now=now)
    try:
        # Its own event loop in a worker thread: the service's loop keeps serving meanwhile.
        verified = await anyio.to_thread.run_sync(asyncio.run, check, limiter=policy.limiter)
    except Refusal as refusal:
        raise SignatureRefused(refusal.message, extra={"reason": refusal.code}) from refusal
    signer, seal = verified.principal, verified.seal
    name_matches = not any(w.startswith("Tên trên chứng thư số") for w in verified.warnings)
    signed = SignedReport(
        submission_id=ctx.submission.id, version_number=version.number,
        sha256=hashlib.sha256(data).hexdigest(), size=len(data), content=data,
        signer_name=signer.common_name[:500], signer_subject=signer.subject[:2000],
        signer_issuer=signer.issuer[:2000], signer_serial=signer.serial_number[:100],
        certificate_valid_until=signer.valid_until, signing_time=signer.signing_time,
        timestamp_time=signer.timestamp_time,
        seal_name=seal.common_name[:500] if seal else None, seal_subject=seal.subject[:2000] if seal else None,
        name_matches=name_matches, warnings=verified.warnings, uploaded_by=principal.subject,
        uploaded_by_name=principal.name, uploaded_at=now)
    session.add(signed)
    await session.flush()
    audit.record(session, action="submission.signed", actor=principal, target_type="submission",
                 target_id=ctx.submission.id, unit_id=target.unit_id, unit_path=target.unit_path,
                 after={"version_number": version.number, "signer": signer.common_name, "sha256": signed.sha256},
                 changes={"on_behalf": on_behalf, "seal": seal.common_name if seal else None,
                          "warnings": verified.warnings})
    return signed


# --- reading -------------------------------------------------------------------------------------------


def _status(submit_count: int, signed_version: int | None,
            signature: SignedReport | None = None) -> SignatureStatus:
    current = submit_count or None
    if current is None:
        return SignatureStatus(SignatureState.NOT_SIGNED, "Báo cáo chưa nộp.", None, None)
    if signed_version == current:
        return SignatureStatus(SignatureState.SIGNED, None, current, signature)
    if signed_version is not None:
        return SignatureStatus(SignatureState.INVALID, f"Chữ ký số thuộc phiên bản {signed_version}; phiên bản "
                                                       f"{current} đã nộp sau đó chưa được ký.", current, signature)
    return SignatureStatus(SignatureState.NOT_SIGNED, f"Phiên bản {current} chưa có bản PDF đã ký số.", current,
                           None)


async def status_of(session: AsyncSession, ctx: Context) -> SignatureStatus:
    latest = await repository.latest_signed(session, ctx.submission.id)
    return _status(ctx.submission.submit_count, latest.version_number if latest else None, latest)


def state_of(submit_count: int, signed_version: int | None) -> SignatureStatus:
    """For the status board: the signature status of a submission submitted `submit_count` times whose highest
    signed version is `signed_version` (read with the board's page)."""
    return _status(submit_count, signed_version)


async def signed_file(session: AsyncSession, ctx: Context) -> SignedReport:
    latest = await repository.latest_signed(session, ctx.submission.id, with_content=True)
    if latest is None:
        raise NotSigned("Chưa có bản PDF đã ký số nào được chấp nhận cho báo cáo này.")
    return latest


async def ensure_signed_for_approval(session: AsyncSession, ctx: Context) -> None:
    """Under a campaign that requires it, approval needs a valid signature on the latest submitted version."""
    if not ctx.campaign.require_signature:
        return
    status = await status_of(session, ctx)
    if status.state != SignatureState.SIGNED:
        raise SignatureRequired(f"Đợt báo cáo yêu cầu chữ ký số hợp lệ của Hiệu trưởng trước khi phê duyệt: "
                                f"{status.reason}", extra={"signature_state": status.state.value})


# --- by submission id, for the API ---------------------------------------------------------------------


async def status_for(session: AsyncSession, principal: Principal,
                     submission_id: uuid.UUID) -> tuple[SignatureStatus, bool]:
    """The signature status of a submission the caller sees, and whether its campaign requires a signature."""
    ctx = await workflow.load(session, principal, submission_id)
    return await status_of(session, ctx), ctx.campaign.require_signature


async def accept_upload(session: AsyncSession, principal: Principal, policy: SignaturePolicy,
                        submission_id: uuid.UUID, version: int | None, data: bytes,
                        now: datetime) -> tuple[SignatureStatus, bool]:
    """Check and keep the signed PDF of submitted version `version` (default: the latest); the status after."""
    ctx = await workflow.load(session, principal, submission_id)
    submitted = await workflow.submitted_version(session, ctx, version or ctx.submission.submit_count)
    await accept_signed(session, principal, policy, ctx, submitted, data, now)
    return await status_of(session, ctx), ctx.campaign.require_signature


@dataclass(frozen=True)
class SignedDownload:
    content: bytes
    filename: str


async def signed_download(session: AsyncSession, principal: Principal, submission_id: uuid.UUID) -> SignedDownload:
    ctx = await workflow.load(session, principal, submission_id)
    signed = await signed_file(session, ctx)
    return SignedDownload(signed.content,
                          f"Báo cáo đã ký - {ctx.target.unit_name} - phiên bản {signed.version_number}.pdf")
