"""The embedded run's DEMO certificate authority and one signed report, so the demo shows "Đã ký số" (demo data
like seed.py: it uses the workflow, exports and signatures features together, so it sits beside them).

The DEMO CA is made on the first embedded run, kept under var/keys, and is the embedded default's only trusted
CA: its name says it is for trying EduDX out and has no legal value. It signs nothing but the demo accounts'
certificates. Production configures the real CAs' roots instead (SUBMISSIONS_SIGNATURE_TRUST_FILES).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from edudx_common.auth import Principal, Role
from edudx_common.db import utcnow
from edudx_common.pdfsign import sign_pdf
from submissions.campaigns.models import Campaign
from submissions.clients.identity import IdentityClient
from submissions.clients.scoring import ScoringClient
from submissions.events import EventSink
from submissions.exports.pdf import render_pdf
from submissions.exports.report import printable_report
from submissions.signatures import service as signatures_service
from submissions.signatures.pki import (
    DEMO_CA_NAME,
    CertificateAuthority,
    TrustList,
    ensure_certificate_authority,
    to_asn1,
)
from submissions.workflow import repository as workflow_repository
from submissions.workflow import service as workflow_service
from submissions.workflow.service import drafts as workflow_drafts

DEMO_CA_FILE = "demo-ca"
YEAR = timedelta(days=365)

# A plausible year-end report for the seed-004 outline (the demo campaign's).
DEMO_ANSWERS: dict[str, Any] = {
    "s1_result": "Nhà trường tổ chức dạy học có ứng dụng CNTT ở tất cả các khối lớp.\n"
                 "- 100% giáo viên sử dụng bài giảng điện tử\n- Tổ chức kiểm tra trực tuyến cho khối 9",
    "s1_staff_it_share": 96,
    "s1_online_testing": True,
    "s2_result": "Sử dụng phần mềm quản lý trường học, sổ điểm điện tử, học bạ số.",
    "s2_database_complete": True,
    "s3_result": "Cổng thông tin điện tử của trường được cập nhật hằng tuần.",
    "s3_portal_url": "https://thcslochoa.vinhlong.edu.vn",
    "s3_posts": 48,
    "s4_infrastructure": [{"item": "Phòng máy tính", "quantity": 2, "note": "70 máy"},
                          {"item": "Màn hình tương tác", "quantity": 6, "note": None}],
    "s4_fibre": True,
    "s4a_result": "Hoàn thành các chỉ tiêu ứng dụng CNTT của kế hoạch năm học.",
    "s4b_result": "Thu học phí không dùng tiền mặt; triển khai học bạ số.",
    "s4c_result": "Tiếp tục chuyển đổi số, ưu tiên kho học liệu số dùng chung.",
}


def ensure_demo_ca(directory: Path) -> Path:
    """The DEMO CA's certificate file, made on first use."""
    return ensure_certificate_authority(directory, DEMO_CA_FILE, DEMO_CA_NAME)


async def seed_demo_draft(session: AsyncSession, *, campaign: Campaign, unit_id: uuid.UUID,
                          principal_name: str, now: datetime | None = None) -> uuid.UUID | None:
    """The school's report written (a draft, saved through the same checks as a person's save) for the signed demo
    report; None when it was submitted already. Its self-scores are scoring's to seed before `seed_signed_report`
    submits it: the submit checks them."""
    now = now or utcnow()
    principal = _demo_principal(unit_id, principal_name)
    draft = await workflow_drafts.open_draft(session, principal, lambda: now, campaign.id, unit_id)
    if draft.submit_count > 0:
        return None
    if draft.content != DEMO_ANSWERS:
        await workflow_drafts.save_draft(session, principal, lambda: now, draft.id, DEMO_ANSWERS, draft.version)
    return draft.id


async def seed_signed_report(session: AsyncSession, identity: IdentityClient, scoring: ScoringClient,
                             events: EventSink, *, submission_id: uuid.UUID, principal_name: str,
                             ca_directory: Path, now: datetime | None = None) -> bool:
    """The demo draft submitted by its principal (the checklist asks scoring, as for any submit) and signed with
    DEMO certificates (the principal's and the school's seal), accepted through the same checks as any upload.
    False when it already was."""
    now = now or utcnow()
    ca = CertificateAuthority.load(ca_directory, DEMO_CA_FILE)
    draft = await workflow_repository.get(session, submission_id)
    if draft is None or draft.submit_count > 0:
        return False
    principal = _demo_principal(draft.unit_id, principal_name)
    ctx = await workflow_service.submit(session, principal, events, lambda: now, scoring, draft.id, draft.version,
                                        "Báo cáo mẫu (DEMO)")
    version = await workflow_repository.version(session, draft.id, ctx.submission.submit_count)
    assert version is not None

    async def render() -> bytes:
        return render_pdf(await printable_report(identity, ctx, version))

    official = await signatures_service.official_pdf(session, submission_id=draft.id, version_number=version.number,
                                                     render=render)
    chain = [ca.root.certificate]
    person = ca.issue(principal_name, not_before=now - timedelta(days=1), not_after=now + 2 * YEAR)
    seal = ca.issue(ctx.target.unit_name, organisation=ctx.target.unit_name, not_before=now - timedelta(days=1),
                    not_after=now + 2 * YEAR)
    signed = await sign_pdf(official, person.signer(chain), field_name="HieuTruong",
                            reason="Ký duyệt báo cáo (chữ ký DEMO)")
    signed = await sign_pdf(signed, seal.signer(chain), field_name="DauCoQuan", reason="Đóng dấu (con dấu DEMO)")
    policy = signatures_service.SignaturePolicy(TrustList((to_asn1(ca.root.certificate),)), False)
    await signatures_service.accept_signed(session, principal, policy, ctx, version, signed, now)
    return True


def _demo_principal(unit_id: uuid.UUID, name: str) -> Principal:
    return Principal(subject=f"demo:{unit_id}", kind="user", unit_id=unit_id, name=name,
                     roles=frozenset({Role.PRINCIPAL.value}))
