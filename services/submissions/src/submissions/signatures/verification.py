"""Verifying a report the principal signed outside EduDX (pyHanko), without FastAPI or a database.

What "signed" means here, every point checked, in this order (the first failure is the reason given):
1. the file is a PDF with at least one signature;
2. each signature is intact (the signed bytes hash to what was signed) and cryptographically valid;
3. the principal's signature (the first one) was added as an incremental update over exactly the PDF EduDX
   produced for the version: the file starts with those bytes, and the revision that carries the signature
   changes nothing but signature fields (no text, page or annotation slipped in with it);
4. nothing after a signature changes the document: later revisions may only add signatures (the
   organisation's seal) and validation data (PAdES-LT/LTA); anything else is "not covering the whole file";
5. every signer's certificate chains to the operator's trust list at the time of checking, is within its
   validity period and not revoked (revocation data embedded in the file is used; fetching CRL/OCSP over the
   network only when the operator allows it, otherwise a missing answer is not fatal: "soft-fail").
Then, as facts rather than conditions: who signed (subject), when (the signer's claimed time and any
timestamp token), whether a second signature by an organisation (the seal) is present, and warnings (the
certificate's name differs from the principal's name in EduDX, no timestamp).
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.errors import NoDSSFoundError, SignatureValidationError
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.status import PdfSignatureStatus, SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from edudx_common.text import fold
from edudx_common.timezone import format_vn
from submissions.signatures.pki import TrustList

# What may follow a signature without breaking it: more signatures and validation data, nothing else.
ALLOWED_AFTER_SIGNING = (ModificationLevel.NONE, ModificationLevel.LTA_UPDATES, ModificationLevel.FORM_FILLING)


class SignatureRefused(Exception):
    """Why an uploaded file is not accepted as the signed report; `message` is shown to the principal."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class SignerFacts:
    subject: str
    common_name: str
    organisation: str | None
    serial_number: str
    issuer: str
    valid_until: datetime
    signing_time: datetime | None
    """What the signer's software claims (not proof)."""
    timestamp_time: datetime | None
    """From a trusted timestamp token, when there is one (proof of existence at that time)."""


@dataclass(frozen=True)
class VerifiedReport:
    principal: SignerFacts
    seal: SignerFacts | None
    warnings: list[str] = field(default_factory=list)


async def verify_signed_report(data: bytes, *, expected: bytes, version_number: int,
                               other_versions: Mapping[int, bytes], trust: TrustList, allow_fetching: bool,
                               principal_name: str | None, unit_name: str, now: datetime) -> VerifiedReport:
    """`expected`: the PDF EduDX produced for `version_number`; `other_versions`: the other versions' PDFs,
    to name which one was signed instead. Raises `SignatureRefused` with the reason, in Vietnamese."""
    try:
        return await _verify(data, expected=expected, version_number=version_number, other_versions=other_versions,
                             trust=trust, allow_fetching=allow_fetching, principal_name=principal_name,
                             unit_name=unit_name, now=now)
    except SignatureRefused:
        raise
    except Exception as exc:  # a malformed file can break the parser anywhere: refused, never a 500
        raise SignatureRefused("unreadable", "Tệp PDF hoặc chữ ký số trong tệp bị hỏng, không kiểm tra được.") \
            from exc


async def _verify(data: bytes, *, expected: bytes, version_number: int, other_versions: Mapping[int, bytes],
                  trust: TrustList, allow_fetching: bool, principal_name: str | None, unit_name: str,
                  now: datetime) -> VerifiedReport:
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = sorted(reader.embedded_signatures, key=lambda s: s.signed_revision)
    except Exception as exc:  # any parser failure: a damaged or non-PDF file
        raise SignatureRefused("not_a_pdf", "Tệp tải lên không phải tệp PDF đọc được.") from exc
    if not signatures:
        raise SignatureRefused("no_signature", "Tệp PDF không có chữ ký số nào. Hãy ký bằng phần mềm ký số "
                                               "(USB token hoặc ký số từ xa) rồi tải lên lại.")
    if trust.empty:
        raise SignatureRefused("no_trust_list", "Hệ thống chưa được cấu hình danh sách tổ chức chứng thực "
                                                "tin cậy nên chưa kiểm tra được chữ ký số. Hãy báo quản trị viên.")
    context = _validation_context(reader, trust, allow_fetching, now)
    statuses: list[PdfSignatureStatus] = []
    for position, signature in enumerate(signatures, start=1):
        statuses.append(await _validated(signature, context, position, len(signatures)))

    _check_base_document(reader, data, signatures[0], expected=expected, version_number=version_number,
                         other_versions=other_versions)
    for position, status in enumerate(statuses, start=1):
        _check_trust(status, position, len(statuses), now)

    principal = _facts(statuses[0])
    seal = next((_facts(s) for s in statuses[1:] if _is_organisation(s.signing_cert, unit_name)), None)
    warnings = []
    if principal_name is None or fold(principal.common_name) != fold(principal_name):
        warnings.append(f"Tên trên chứng thư số ({principal.common_name}) khác tên Hiệu trưởng trong EduDX "
                        f"({principal_name or 'chưa có'}).")
    if principal.timestamp_time is None:
        warnings.append("Chữ ký không có dấu thời gian (timestamp) của tổ chức cung cấp dịch vụ cấp dấu thời "
                        "gian: thời điểm ký do máy người ký tự ghi.")
    if len(statuses) > 1 and seal is None:
        warnings.append("Có thêm chữ ký khác nhưng không phải chữ ký số của cơ quan, tổ chức (con dấu).")
    return VerifiedReport(principal=principal, seal=seal, warnings=warnings)


def _validation_context(reader: PdfFileReader, trust: TrustList, allow_fetching: bool,
                        now: datetime) -> ValidationContext:
    kwargs = {"trust_roots": list(trust.roots), "other_certs": list(trust.intermediates),
              "allow_fetching": allow_fetching, "revocation_mode": "soft-fail", "moment": now}
    try:
        return DocumentSecurityStore.read_dss(reader).as_validation_context(kwargs)
    except NoDSSFoundError:
        return ValidationContext(**kwargs)  # type: ignore[arg-type]


async def _validated(signature: EmbeddedPdfSignature, context: ValidationContext, position: int,
                     count: int) -> PdfSignatureStatus:
    which = _which(position, count)
    try:
        status = await async_validate_pdf_signature(signature, signer_validation_context=context)
    except (SignatureValidationError, ValueError, KeyError) as exc:
        raise SignatureRefused("invalid_signature", f"{which} không đọc được hoặc không đúng chuẩn PDF "
                                                    "(PAdES).") from exc
    if not (status.intact and status.valid):
        raise SignatureRefused("modified_after_signing", f"{which} không còn khớp với nội dung: tệp đã bị sửa "
                                                         "sau khi ký.")
    if status.coverage is None or status.coverage < SignatureCoverageLevel.ENTIRE_REVISION:
        raise SignatureRefused("not_whole_file", f"{which} không bao trùm toàn bộ tệp.")
    if status.modification_level not in ALLOWED_AFTER_SIGNING:
        raise SignatureRefused("not_whole_file", f"{which} không bao trùm toàn bộ tệp: sau khi ký, tệp đã được "
                                                 "thêm hoặc sửa nội dung.")
    return status


def _check_base_document(reader: PdfFileReader, data: bytes, first: EmbeddedPdfSignature, *, expected: bytes,
                         version_number: int, other_versions: Mapping[int, bytes]) -> None:
    if first.signed_revision < 1 or not data.startswith(expected):
        for number, document in sorted(other_versions.items()):
            if number != version_number and data.startswith(document):
                raise SignatureRefused("other_version", f"Tệp được ký là bản PDF của phiên bản {number}, không "
                                                        f"phải phiên bản {version_number}.")
        raise SignatureRefused("other_document", f"Tệp được ký không phải bản PDF EduDX xuất cho phiên bản "
                                                 f"{version_number} (ký trên văn bản khác, hoặc phần mềm ký đã "
                                                 "ghi lại toàn bộ tệp thay vì ký nối tiếp).")
    # The signature's own revision may add the signature field and its appearance, nothing else.
    base = _revision_of(reader, len(expected))
    if base is None or base >= first.signed_revision:
        raise SignatureRefused("other_document", "Tệp được ký không giữ nguyên bản PDF EduDX đã xuất.")
    for revision in range(base + 1, first.signed_revision + 1):
        problem = _forbidden_change(reader, base, revision)
        if problem is not None:
            raise SignatureRefused("other_document", "Khi ký, văn bản đã bị thay đổi ngoài việc thêm chữ ký "
                                                     f"({problem}).")


# What a signing tool changes in the document when it adds a signature: the catalogue gains the form (and may
# update metadata), a page gains the signature's widget. pyHanko's own difference policy cannot start from a
# document without a form (ours), so these few rules are checked here.
_CATALOG_KEYS = frozenset({"/AcroForm", "/Metadata", "/Perms", "/DSS", "/Extensions", "/Version"})


def _key(ref: object) -> tuple[int, int]:
    return (ref.idnum, ref.generation)  # type: ignore[attr-defined]


def _same(old: object, new: object) -> bool:
    """Equal values, references compared by number (objects of two revisions belong to two resolvers)."""
    if isinstance(old, generic.IndirectObject) or isinstance(new, generic.IndirectObject):
        return (isinstance(old, generic.IndirectObject) and isinstance(new, generic.IndirectObject)
                and _key(old.reference) == _key(new.reference))
    if isinstance(old, generic.DictionaryObject) and isinstance(new, generic.DictionaryObject):
        return not _changed_keys(old, new)
    if isinstance(old, generic.ArrayObject) and isinstance(new, generic.ArrayObject):
        return len(old) == len(new) and all(_same(old.raw_get(i), new.raw_get(i)) for i in range(len(old)))
    return old == new


def _changed_keys(old: generic.DictionaryObject, new: generic.DictionaryObject) -> set[str]:
    keys = set(old) | set(new)
    return {k for k in keys if k not in old or k not in new or not _same(old.raw_get(k), new.raw_get(k))}


def _is_signature_widget(annotation: generic.PdfObject) -> bool:
    if not isinstance(annotation, generic.DictionaryObject) or annotation.get("/Subtype") != "/Widget":
        return False
    field_type = annotation.get("/FT") or (annotation.get("/Parent") or generic.DictionaryObject()).get("/FT")
    return bool(field_type == "/Sig")


def _forbidden_change(reader: PdfFileReader, base: int, revision: int) -> str | None:
    """What `revision` changed in objects of revision `base` beyond adding a signature, or None."""
    xrefs = reader.xrefs
    if xrefs.refs_freed_in_revision(revision):
        return "xoá đối tượng"
    old = reader.get_historical_resolver(base)
    new = reader.get_historical_resolver(revision)
    old_root = old.root
    metadata = old_root.raw_get("/Metadata") if "/Metadata" in old_root else None
    allowed = {_key(old.root_ref)}
    if isinstance(metadata, generic.IndirectObject):
        allowed.add(_key(metadata.reference))
    info = reader.trailer.raw_get("/Info", revision=base) if "/Info" in old.trailer_view else None
    if isinstance(info, generic.IndirectObject):
        allowed.add(_key(info.reference))
    for ref in xrefs.explicit_refs_in_revision(revision):
        if xrefs.get_historical_ref(ref, base) is None:
            continue  # a new object: reachable only through the changes checked here
        before, after = old.get_object(ref), new.get_object(ref)
        if _key(ref) == _key(old.root_ref):
            if not isinstance(after, generic.DictionaryObject) or _changed_keys(before, after) - _CATALOG_KEYS:
                return "sửa danh mục tài liệu"
        elif _key(ref) in allowed:
            continue  # document information and XMP metadata: not shown on the page
        elif isinstance(before, generic.DictionaryObject) and before.get("/Type") == "/Page":
            if not isinstance(after, generic.DictionaryObject) or _changed_keys(before, after) - {"/Annots"}:
                return "sửa nội dung trang"
            if not _only_signatures_added(before.raw_get("/Annots") if "/Annots" in before else None,
                                          after.raw_get("/Annots") if "/Annots" in after else None):
                return "thêm chú thích lên trang"
        elif isinstance(before, generic.ArrayObject) and isinstance(after, generic.ArrayObject):
            # A page's annotation array kept as its own object: it may only gain signature widgets.
            if not _only_signatures_added(before, after):
                return "thêm chú thích lên trang"
        else:
            return "sửa đối tượng của văn bản"
    return None


def _only_signatures_added(before: generic.PdfObject | None, after: generic.PdfObject | None) -> bool:
    old = before.get_object() if before is not None else generic.ArrayObject()
    new = after.get_object() if after is not None else generic.ArrayObject()
    if not isinstance(old, generic.ArrayObject) or not isinstance(new, generic.ArrayObject) or len(new) < len(old):
        return False
    if not all(_same(old.raw_get(i), new.raw_get(i)) for i in range(len(old))):
        return False
    return all(_is_signature_widget(new[i]) for i in range(len(old), len(new)))


def _revision_of(reader: PdfFileReader, length: int) -> int | None:
    """The revision whose end is at `length` bytes: the document EduDX produced."""
    for revision in range(reader.xrefs.total_revisions):
        start = reader.xrefs.get_startxref_for_revision(revision)
        if start < length and (revision + 1 == reader.xrefs.total_revisions
                               or reader.xrefs.get_startxref_for_revision(revision + 1) >= length):
            return revision
    return None


def _check_trust(status: PdfSignatureStatus, position: int, count: int, now: datetime) -> None:
    cert = status.signing_cert
    whose = f"Chứng thư số của người ký ({_common_name(cert)})" if count == 1 else \
        f"Chứng thư số của chữ ký thứ {position} ({_common_name(cert)})"
    valid_from, valid_until = cert.not_valid_before, cert.not_valid_after
    if status.revoked:
        raise SignatureRefused("revoked_certificate", f"{whose} đã bị tổ chức chứng thực thu hồi.")
    if valid_until < now:
        raise SignatureRefused("expired_certificate", f"{whose} đã hết hạn từ {format_vn(valid_until)}.")
    if valid_from > now:
        raise SignatureRefused("certificate_not_yet_valid", f"{whose} chỉ có hiệu lực từ {format_vn(valid_from)}.")
    if not status.trusted:
        raise SignatureRefused("untrusted_certificate", f"{whose} do «{_short_name(cert.issuer)}» cấp, không thuộc "
                                                        "danh sách tổ chức chứng thực tin cậy.")


def _which(position: int, count: int) -> str:
    return "Chữ ký số" if count == 1 else f"Chữ ký số thứ {position}"


def _common_name(cert: asn1_x509.Certificate) -> str:
    return _short_name(cert.subject)


def _short_name(name: asn1_x509.Name) -> str:
    """'Common name (Organisation)' — what a person recognises — or the whole name when it has neither."""
    native = name.native
    common_name, organisation = native.get("common_name"), native.get("organization_name")
    if common_name and organisation and organisation != common_name:
        return f"{common_name} ({organisation})"
    return str(common_name or organisation or name.human_friendly)


def _is_organisation(cert: asn1_x509.Certificate, unit_name: str) -> bool:
    """An organisation's certificate: it names an organisation and its common name is that organisation (or
    the school's name), not a person."""
    subject = cert.subject.native
    common_name = fold(str(subject.get("common_name") or ""))
    organisation = fold(str(subject.get("organization_name") or ""))
    return bool(common_name) and common_name in {organisation, fold(unit_name)}


def _facts(status: PdfSignatureStatus) -> SignerFacts:
    cert = status.signing_cert
    subject = cert.subject.native
    timestamp = status.timestamp_validity
    return SignerFacts(
        subject=cert.subject.human_friendly, common_name=_common_name(cert),
        organisation=str(subject["organization_name"]) if subject.get("organization_name") else None,
        serial_number=format(cert.serial_number, "X"), issuer=_short_name(cert.issuer),
        valid_until=cert.not_valid_after, signing_time=status.signer_reported_dt,
        timestamp_time=timestamp.timestamp if timestamp is not None and timestamp.trusted else None,
    )
