"""Signed reports (ký số): a CA and the principal's certificate made here, EduDX's exported PDF signed with
pyHanko as a CA's signing tool would (an incremental signature), uploaded, verified — and every way a file
can fail, refused with its reason and nothing recorded."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
import weasyprint
from asn1crypto import crl as asn1_crl
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko.sign.timestamps import DummyTimeStamper
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko_certvalidator.registry import SimpleCertificateStore
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from edudx_common.auth import Role
from edudx_common.db import utcnow
from edudx_common.pdfsign import sign_pdf
from submissions.signatures.models import OfficialDocument, SignedReport
from submissions.signatures.pki import CertificateAuthority, Issued, TrustList, key_to_asn1, to_asn1
from submissions.signatures.service import SignaturePolicy
from tests.identity.builders import make_province, make_user
from tests.submissions.builders import API, FULL_ANSWERS, make_campaign, make_school_year, open_submission, save, submit

PRINCIPAL_NAME = "Trần Thị Hiệu"
NOW = utcnow()
YEAR = timedelta(days=365)


@pytest.fixture(scope="module")
def ca() -> CertificateAuthority:
    return CertificateAuthority("CA Thử nghiệm EduDX", not_before=NOW - YEAR, not_after=NOW + 5 * YEAR)


@pytest.fixture
def trusted(submissions_app: Any, ca: CertificateAuthority) -> Iterator[None]:
    """The operator's trust list holds the test CA (and only it)."""
    before = submissions_app.state.signature_policy
    submissions_app.state.signature_policy = SignaturePolicy(TrustList((to_asn1(ca.root.certificate),)), False)
    yield
    submissions_app.state.signature_policy = before


def person(ca: CertificateAuthority, name: str = PRINCIPAL_NAME, *, expired: bool = False) -> Issued:
    if expired:
        return ca.issue(name, not_before=NOW - 2 * YEAR, not_after=NOW - timedelta(days=3))
    return ca.issue(name, not_before=NOW - timedelta(days=30), not_after=NOW + YEAR)


async def signed(pdf: bytes, who: Issued, ca: CertificateAuthority, field: str = "HieuTruong") -> bytes:
    return await sign_pdf(pdf, who.signer([ca.root.certificate]), field_name=field, reason="Ký duyệt báo cáo",
                          location="Vĩnh Long")


async def upload(client: httpx.AsyncClient, headers: dict[str, str], submission_id: str, data: bytes,
                 version: int | None = None) -> httpx.Response:
    return await client.post(f"{API}/submissions/{submission_id}/signature", headers=headers,
                             params={"version": version} if version else None,
                             files={"file": ("bao-cao-da-ky.pdf", data, "application/pdf")})


async def export(client: httpx.AsyncClient, headers: dict[str, str], submission_id: str,
                 version: int | None = None) -> bytes:
    response = await client.get(f"{API}/submissions/{submission_id}/export", headers=headers,
                                params={"version": version} if version else None)
    assert response.status_code == 200, response.text
    return response.content


async def signed_rows(app: Any) -> int:
    async with app.state.session_factory() as session:
        return int((await session.execute(select(func.count()).select_from(SignedReport))).scalar_one())


async def setup_school(client: httpx.AsyncClient, id_session: AsyncSession, sign_in: Any,
                       **campaign_fields: Any) -> dict[str, Any]:
    units = await make_province(id_session)
    admin = await sign_in(await make_user(id_session, units["p1"], Role.AUTHORITY_ADMIN))
    reviewer = await sign_in(await make_user(id_session, units["p1"], Role.REVIEWER, name="Lê Thị Hà"))
    principal = await sign_in(await make_user(id_session, units["s11"], Role.PRINCIPAL, name=PRINCIPAL_NAME))
    year = await make_school_year(client, admin)
    campaign = await make_campaign(client, admin, school_year_id=year, **campaign_fields)
    draft = await open_submission(client, principal, campaign["id"])
    saved = await save(client, principal, draft, FULL_ANSWERS)
    submitted = await submit(client, principal, saved.json())
    assert submitted.status_code == 200, submitted.text
    return {"admin": admin, "reviewer": reviewer, "principal": principal, "campaign": campaign,
            "submission": submitted.json(), "unit_name": units["s11"].name}


async def test_signed_export_is_accepted_with_its_facts(client: httpx.AsyncClient, id_session: AsyncSession,
                                                        sign_in: Any, submissions_app: Any,
                                                        ca: CertificateAuthority, trusted: None) -> None:
    school = await setup_school(client, id_session, sign_in)
    principal, reviewer, submission_id = school["principal"], school["reviewer"], school["submission"]["id"]
    before = (await client.get(f"{API}/submissions/{submission_id}/signature", headers=reviewer)).json()
    pdf = await export(client, principal, submission_id)
    assert await export(client, reviewer, submission_id, version=1) == pdf  # the official copy, kept
    seal = ca.issue(school["unit_name"], organisation=school["unit_name"], not_before=NOW - YEAR,
                    not_after=NOW + YEAR)
    file = await signed(await signed(pdf, person(ca), ca), seal, ca, field="DauCoQuan")

    accepted = await upload(client, principal, submission_id, file)

    assert before["state"] == "not_signed" and before["label"] == "Chưa ký số"
    assert accepted.status_code == 200, accepted.text
    body = accepted.json()
    assert body["state"] == "signed" and body["label"] == "Đã ký số" and body["current_version"] == 1
    facts = body["signature"]
    assert facts["signer_name"] == PRINCIPAL_NAME and facts["name_matches"] is True
    assert "CA Thử nghiệm EduDX" in facts["signer_issuer"]
    assert facts["seal_name"] == school["unit_name"]
    assert facts["signing_time"] is not None and facts["timestamp_time"] is None
    assert any("dấu thời gian" in w for w in facts["warnings"])
    download = await client.get(f"{API}/submissions/{submission_id}/signature/file", headers=reviewer)
    assert download.status_code == 200 and download.content == file
    board = await client.get(f"{API}/campaigns/{school['campaign']['id']}/status", headers=reviewer)
    line = next(t for t in board.json()["targets"]["items"] if t["submission_id"] == submission_id)
    others = [t for t in board.json()["targets"]["items"] if t["submission_id"] != submission_id]
    assert line["signature_state"] == "signed" and line["signature_label"] == "Đã ký số"
    assert all(t["signature_state"] is None for t in others)  # schools that never opened a report
    csv = await client.get(f"{API}/campaigns/{school['campaign']['id']}/status/export", params={"format": "csv"},
                           headers=reviewer)
    [signed_line] = [row for row in csv.text.splitlines() if school["unit_name"] in row]
    # The last column is the school's commune: none here.
    assert signed_line.endswith(",Đã ký số,") and csv.text.splitlines()[0].endswith(",Ký số,Xã/phường")
    assert await signed_rows(submissions_app) == 1


async def test_a_name_other_than_the_principal_is_a_warning(client: httpx.AsyncClient, id_session: AsyncSession,
                                                           sign_in: Any, ca: CertificateAuthority,
                                                           trusted: None) -> None:
    school = await setup_school(client, id_session, sign_in)
    pdf = await export(client, school["principal"], school["submission"]["id"])

    accepted = await upload(client, school["principal"], school["submission"]["id"],
                            await signed(pdf, person(ca, "Phạm Văn Khác"), ca))

    facts = accepted.json()["signature"]
    assert accepted.status_code == 200 and facts["name_matches"] is False
    assert any("Phạm Văn Khác" in w and PRINCIPAL_NAME in w for w in facts["warnings"])


async def test_a_timestamp_token_gives_the_proven_signing_time(client: httpx.AsyncClient, id_session: AsyncSession,
                                                               sign_in: Any, ca: CertificateAuthority,
                                                               trusted: None) -> None:
    school = await setup_school(client, id_session, sign_in)
    pdf = await export(client, school["principal"], school["submission"]["id"])
    tsa = ca.issue("Dịch vụ cấp dấu thời gian thử", organisation="TSA Thử", not_before=NOW - YEAR,
                   not_after=NOW + YEAR, time_stamping=True)
    stamped_at = NOW.replace(microsecond=0) - timedelta(minutes=5)
    timestamper = DummyTimeStamper(tsa_cert=to_asn1(tsa.certificate), tsa_key=key_to_asn1(tsa.key),
                                   certs_to_embed=SimpleCertificateStore.from_certs([to_asn1(ca.root.certificate)]),
                                   fixed_dt=stamped_at)
    file = await sign_pdf(pdf, person(ca).signer([ca.root.certificate]), field_name="HieuTruong",
                          timestamper=timestamper)

    accepted = await upload(client, school["principal"], school["submission"]["id"], file)

    facts = accepted.json()["signature"]
    assert accepted.status_code == 200, accepted.text
    assert datetime.fromisoformat(facts["timestamp_time"]) == stamped_at
    assert not any("dấu thời gian" in w for w in facts["warnings"])


def _changed_byte(data: bytes, at: int) -> bytes:
    changed = bytearray(data)
    changed[at] = ord("7") if changed[at] != ord("7") else ord("8")
    return bytes(changed)


async def _changed_while_signing(pdf: bytes, who: Issued, ca: CertificateAuthority) -> bytes:
    """A change slipped into the very revision that carries the signature (so the signature covers it)."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    writer.root["/Lang"] = generic.TextStringObject("en")
    writer.update_root()
    output = io.BytesIO()
    await signers.PdfSigner(signers.PdfSignatureMetadata(field_name="HieuTruong"),
                            signer=who.signer([ca.root.certificate])).async_sign_pdf(writer, output=output)
    return output.getvalue()


async def _with_revocation_list(pdf: bytes, ca: CertificateAuthority) -> bytes:
    """Signed by a certificate its CA has revoked, the CA's revocation list embedded in the file (DSS)."""
    revoked = ca.issue(PRINCIPAL_NAME, not_before=NOW - timedelta(days=30), not_after=NOW + YEAR,
                       crl_url="http://crl.ca-thu-nghiem.invalid/ca.crl")
    signed_file = await signed(pdf, revoked, ca)
    crl = asn1_crl.CertificateList.load(ca.revocation_list([revoked.certificate], at=NOW - timedelta(minutes=1)))
    writer = IncrementalPdfFileWriter(io.BytesIO(signed_file))
    DocumentSecurityStore.supply_dss_in_writer(writer, None, certs=[to_asn1(ca.root.certificate)], crls=[crl])
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def _appended_after_signing(data: bytes) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    writer.root["/Lang"] = generic.TextStringObject("en")
    writer.update_root()
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


async def test_refusals_name_the_reason_and_record_nothing(client: httpx.AsyncClient, id_session: AsyncSession,
                                                          sign_in: Any, submissions_app: Any,
                                                          ca: CertificateAuthority, trusted: None) -> None:
    school = await setup_school(client, id_session, sign_in)
    principal, reviewer = school["principal"], school["reviewer"]
    submission_id = school["submission"]["id"]
    version_1 = await export(client, principal, submission_id)
    base = f"{API}/submissions/{submission_id}"
    assert (await client.post(f"{base}/start-review", headers=reviewer)).status_code == 200
    returned = await client.post(f"{base}/return", headers=reviewer, json={"reasons": {"general": "Bổ sung"}})
    assert returned.status_code == 200, returned.text
    view = (await client.get(base, headers=principal)).json()
    revised = await save(client, principal, view, {"s3_posts": 45})
    assert (await submit(client, principal, revised.json())).status_code == 200
    version_2 = await export(client, principal, submission_id)
    other_ca = CertificateAuthority("CA Không tin cậy", not_before=NOW - YEAR, not_after=NOW + YEAR)
    good = await signed(version_2, person(ca), ca)
    # The signed range ends where the signature's /Contents hole begins: a byte of our document inside it.
    inside = len(version_2) // 2
    foreign = weasyprint.HTML(string="<p>Báo cáo khác</p>").write_pdf()
    cases = {
        "modified_after_signing": _changed_byte(good, inside),
        "other_document": await _changed_while_signing(version_2, person(ca), ca),
        "other_version": await signed(version_1, person(ca), ca),
        "other_document ": await signed(foreign, person(ca), ca),
        "untrusted_certificate": await signed(version_2, person(other_ca), other_ca),
        "expired_certificate": await signed(version_2, person(ca, expired=True), ca),
        "revoked_certificate": await _with_revocation_list(version_2, ca),
        "not_whole_file": _appended_after_signing(good),
        "no_signature": version_2,
        "not_a_pdf": b"PK\x03\x04 not a pdf",
    }

    for reason, data in cases.items():
        refused = await upload(client, principal, submission_id, data)
        assert refused.status_code == 422, (reason, refused.text)
        problem = refused.json()
        assert problem["code"] == "signature_refused" and problem["extra"]["reason"] == reason.strip(), problem
        assert problem["title"] == "Tệp đã ký không được chấp nhận"
    details = {reason: (await upload(client, principal, submission_id, data)).json()["detail"]
               for reason, data in cases.items()}
    state = (await client.get(f"{base}/signature", headers=reviewer)).json()
    no_file = await client.get(f"{base}/signature/file", headers=reviewer)

    assert "bị sửa sau khi ký" in details["modified_after_signing"]
    assert "phiên bản 1, không phải phiên bản 2" in details["other_version"]
    assert "không phải bản PDF EduDX xuất cho phiên bản 2" in details["other_document "]
    assert "thay đổi ngoài việc thêm chữ ký" in details["other_document"]
    assert "CA Không tin cậy" in details["untrusted_certificate"] and "tin cậy" in details["untrusted_certificate"]
    assert "đã hết hạn" in details["expired_certificate"]
    assert "đã bị tổ chức chứng thực thu hồi" in details["revoked_certificate"]
    assert "không bao trùm toàn bộ tệp" in details["not_whole_file"]
    assert state["state"] == "not_signed" and state["signature"] is None
    assert (no_file.status_code, no_file.json()["code"]) == (409, "not_signed")
    assert await signed_rows(submissions_app) == 0
    # The good file goes through, for version 2 only; version 1 signed correctly is then out of date.
    assert (await upload(client, principal, submission_id, good)).json()["state"] == "signed"
    old = await upload(client, principal, submission_id, cases["other_version"], version=1)
    assert old.status_code == 200 and old.json()["state"] == "signed"  # the latest version stays signed


async def test_signature_needs_the_official_pdf_and_the_school_principal(
        client: httpx.AsyncClient, id_session: AsyncSession, sign_in: Any, submissions_app: Any,
        ca: CertificateAuthority, trusted: None) -> None:
    school = await setup_school(client, id_session, sign_in)
    submission_id = school["submission"]["id"]
    pdf = await export(client, school["reviewer"], submission_id)
    file = await signed(pdf, person(ca), ca)
    async with submissions_app.state.session_factory() as session:
        stored = (await session.execute(select(OfficialDocument))).scalars().all()

    by_reviewer = await upload(client, school["reviewer"], submission_id, file)

    assert [(d.version_number, d.content == pdf) for d in stored] == [(1, True)]
    assert by_reviewer.status_code == 403 and by_reviewer.json()["code"] == "not_allowed"


async def test_approval_refused_until_a_valid_signature_when_required(
        client: httpx.AsyncClient, id_session: AsyncSession, sign_in: Any, ca: CertificateAuthority,
        trusted: None) -> None:
    school = await setup_school(client, id_session, sign_in, require_signature=True)
    principal, reviewer = school["principal"], school["reviewer"]
    base = f"{API}/submissions/{school['submission']['id']}"
    assert school["campaign"]["require_signature"] is True
    assert (await client.post(f"{base}/start-review", headers=reviewer)).status_code == 200
    pdf = await export(client, principal, school["submission"]["id"])

    unsigned = await client.post(f"{base}/approve", headers=reviewer, json={})
    bad = await upload(client, principal, school["submission"]["id"], _changed_byte(
        await signed(pdf, person(ca), ca), len(pdf) // 2))
    still_unsigned = await client.post(f"{base}/approve", headers=reviewer, json={})
    status_after_refusals = (await client.get(base, headers=reviewer)).json()["status"]
    good = await upload(client, principal, school["submission"]["id"], await signed(pdf, person(ca), ca))
    approved = await client.post(f"{base}/approve", headers=reviewer,
                                 json={"confirm_unit_name": school["submission"]["unit_name"]})

    assert unsigned.status_code == 409 and unsigned.json()["code"] == "signature_required"
    assert "chữ ký số hợp lệ" in unsigned.json()["detail"]
    assert bad.status_code == 422
    assert still_unsigned.status_code == 409 and status_after_refusals == "under_review"
    assert good.status_code == 200 and good.json()["required"] is True
    assert approved.status_code == 200 and approved.json()["status"] == "approved"


async def test_approval_without_the_setting_needs_no_signature(client: httpx.AsyncClient, id_session: AsyncSession,
                                                              sign_in: Any) -> None:
    school = await setup_school(client, id_session, sign_in)
    base = f"{API}/submissions/{school['submission']['id']}"

    approved = await client.post(f"{base}/approve", headers=school["reviewer"],
                                 json={"confirm_unit_name": school["submission"]["unit_name"]})

    assert school["campaign"]["require_signature"] is False
    assert approved.status_code == 200, approved.text
