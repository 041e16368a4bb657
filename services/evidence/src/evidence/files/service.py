"""Rules for evidence files: who may add, see and remove them, and how a file becomes a stored item.

The other evidence features (links, reviews, catalogue) build on this one: the scope checks, the item's
catalogue codes and its API shape live here."""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta

import anyio
import anyio.to_thread
from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from edudx_common.auth import Principal, prepares_for, reviews_by_grant, reviews_for
from edudx_common.db import utcnow
from edudx_common.downloads import content_disposition
from edudx_common.errors import ProblemError
from edudx_common.scope import UnitTree, is_in_scope
from edudx_common.tables import audit
from edudx_common.text import CRITERION_CODE, CRITERION_CODE_EXAMPLES
from evidence.access import EDITABLE_STATUSES
from evidence.clients.submissions import SubmissionInfo, SubmissionsClient
from evidence.errors import (
    EmptyFile,
    EvidenceImmutable,
    EvidenceNotFound,
    FileTooLarge,
    InvalidUpload,
    NotAllowed,
    QuotaExceeded,
    SubmissionLocked,
    SubmissionNotFound,
    UploadNotFound,
)
from evidence.files import repository
from evidence.files.inspection import INLINE_TYPES, FileType, inspect_content, inspect_file
from evidence.files.models import EvidenceItem, EvidenceKind, PendingUpload
from evidence.files.names import display_name
from evidence.files.schemas import EvidenceRead, UploadResult
from evidence.files.upload import LimitExceeded, StreamedUpload, discard_unchecked, read_upload, spool_stream
from evidence.metrics import EVIDENCE_UPLOAD_BYTES
from evidence.storage.base import ObjectChanged, ObjectStorage

log = logging.getLogger("edudx.evidence")
MAX_CRITERIA = 20
GENERAL_CODE = "C"  # items not attached to a criterion yet: "HC-01"
STAGING_PREFIX = "staging/"  # direct uploads land here; evidence objects are `<submission>/<uuid>`


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int
    quota_bytes: int


async def submission_in_scope(principal: Principal, submission_id: uuid.UUID, *, submissions: SubmissionsClient,
                              tree: UnitTree) -> SubmissionInfo:
    info = await submissions.submission(submission_id)
    if not (await is_in_scope(principal, info.unit_id, tree)
            or await reviews_by_commune_grant(principal, info, submissions=submissions, tree=tree)):
        raise SubmissionNotFound("Không tìm thấy báo cáo trong phạm vi quản lý của bạn.")
    if principal.is_service:  # services read; the path only serves the audit trail of a person's change
        return info
    return info.model_copy(update={"unit_path": await audit.unit_path_via(tree, info.unit_id)})


async def item_in_scope(session: AsyncSession, principal: Principal, item_id: uuid.UUID, *,
                        tree: UnitTree) -> EvidenceItem:
    item = await repository.get(session, item_id)
    if item is None or not await is_in_scope(principal, item.unit_id, tree):
        raise EvidenceNotFound("Không tìm thấy minh chứng trong phạm vi quản lý của bạn.")
    return item


async def reviews_by_commune_grant(principal: Principal, info: SubmissionInfo, *, submissions: SubmissionsClient,
                                   tree: UnitTree) -> bool:
    """An official of the school's commune whom a Sở on the campaign issuer's line granted `review` (issue 20): it
    reads and reviews that school's evidence as a Sở reviewer does (the rule of `edudx_common.auth.reviews_by_grant`,
    shared with submissions and scoring)."""
    if not principal.commune_grants or info.commune_id is None or info.campaign_id is None:
        return False
    issuer = await submissions.campaign_issuer(info.campaign_id)
    return reviews_by_grant(principal, info.commune_id, [*(await tree.ancestor_ids(issuer) or []), issuer])


async def item_to_review(session: AsyncSession, principal: Principal, item_id: uuid.UUID, *,
                         submissions: SubmissionsClient, tree: UnitTree) -> EvidenceItem:
    """The item, if the caller may review it: reviewers and admins of an authority above the school, or a commune
    official granted `review` on the school's commune (404 outside the caller's reach, 403 for a reader only)."""
    item = await repository.get(session, item_id)
    if item is not None and await is_in_scope(principal, item.unit_id, tree):
        if not reviews_for(principal, item.unit_id):
            raise NotAllowed("Chỉ chuyên viên thẩm định hoặc quản trị của đơn vị quản lý cấp trên được thẩm định "
                             "minh chứng.")
        return item
    if item is not None and principal.commune_grants and await reviews_by_commune_grant(
            principal, await submissions.submission(item.submission_id), submissions=submissions, tree=tree):
        return item
    raise EvidenceNotFound("Không tìm thấy minh chứng trong phạm vi quản lý của bạn.")


def ensure_editable(principal: Principal, info: SubmissionInfo) -> None:
    if not prepares_for(principal, info.unit_id):
        raise NotAllowed("Chỉ cán bộ của trường (hiệu trưởng, phụ trách CNTT) hoặc quản trị cấp trên được "
                         "thay đổi minh chứng.")
    if info.status not in EDITABLE_STATUSES:
        raise SubmissionLocked("Báo cáo đã nộp: minh chứng của bản đã nộp không thay đổi được. "
                               "Chỉ thêm được minh chứng khi báo cáo ở trạng thái nháp hoặc bị trả lại.")


async def upload_limit(session: AsyncSession, principal: Principal, info: SubmissionInfo, limits: Limits) -> int:
    """How many bytes the coming file may have; refuses before any byte is read when nothing is left."""
    ensure_editable(principal, info)
    remaining = limits.quota_bytes - await repository.used_bytes(session, info.id)
    if remaining <= 0:
        raise QuotaExceeded(_quota_text(limits.quota_bytes))
    return min(limits.max_file_bytes, remaining)


def _quota_text(quota: int) -> str:
    return f"Tổng dung lượng minh chứng của báo cáo không được vượt quá {quota / 1_000_000:g} MB."


def too_large_text(limit: int) -> str:
    return f"Tệp vượt quá dung lượng cho phép ({limit / 1_000_000:g} MB). Hãy nén hoặc chia nhỏ tệp."


def size_refusal(limit: int, limits: Limits) -> ProblemError:
    """The problem for a file above `limit` (an `upload_limit` answer): the per-file limit or the quota left."""
    if limit < limits.max_file_bytes:
        return QuotaExceeded(f"Tệp vượt quá dung lượng còn lại của báo cáo ({limit / 1_000_000:g} MB).")
    return FileTooLarge(too_large_text(limit))


@dataclass(frozen=True)
class FileDetails:
    """What the uploader says about a file (never its type: that comes from the bytes)."""

    filename: str | None
    title: str | None
    description: str | None
    criterion_codes: list[str]
    replaces_id: str | None


def details_from_fields(filename: str | None, fields: dict[str, list[str]]) -> FileDetails:
    return FileDetails(filename=filename, title=_one(fields, "title", 500),
                       description=_one(fields, "description", 4000),
                       criterion_codes=parse_criteria(fields.get("criterion_codes", [])),
                       replaces_id=_one(fields, "replaces_id", 40))


def parse_criteria(values: Sequence[str]) -> list[str]:
    codes: list[str] = []
    for value in values:
        for code in (c.strip() for c in value.split(",")):
            if not code:
                continue
            if not CRITERION_CODE.match(code):
                raise InvalidUpload(f"Mã tiêu chí '{code[:20]}' không hợp lệ "
                                    f"(ví dụ hợp lệ: {CRITERION_CODE_EXAMPLES}).")
            if code not in codes:
                codes.append(code)
    if len(codes) > MAX_CRITERIA:
        raise InvalidUpload(f"Một minh chứng gắn với tối đa {MAX_CRITERIA} tiêu chí.")
    return codes


def _one(fields: dict[str, list[str]], name: str, max_length: int) -> str | None:
    values = fields.get(name) or []
    value = values[-1].strip() if values else ""
    if len(value) > max_length:
        raise InvalidUpload(f"Trường '{name}' dài quá {max_length} ký tự.")
    return value or None


async def receive_upload(session: AsyncSession, principal: Principal, chunks: AsyncIterator[bytes], content_type: str,
                         *, submissions: SubmissionsClient, tree: UnitTree, storage: ObjectStorage,
                         limits: Limits) -> tuple[EvidenceItem, bool]:
    """A streamed multipart upload: the submission (sent before the file) is checked, then the file is stored
    at its item's key as it arrives and checked there before its row is written. Returns (item, was it already
    there)."""
    found: dict[str, SubmissionInfo] = {}
    keys: dict[str, str] = {}

    async def before_file(fields: dict[str, list[str]]) -> int:
        raw = (fields.get("submission_id") or [""])[-1].strip()
        try:
            submission_id = uuid.UUID(raw)
        except ValueError:
            raise InvalidUpload("Thiếu hoặc sai 'submission_id' (phải gửi trước trường 'file').") from None
        info = await submission_in_scope(principal, submission_id, submissions=submissions, tree=tree)
        limit = await upload_limit(session, principal, info, limits)
        found["info"] = info
        keys["key"] = object_key_for(info)
        return limit

    try:
        upload = await read_upload(chunks, content_type, before_file=before_file, storage=storage,
                                   object_key=lambda: keys["key"])
    except LimitExceeded as exc:
        raise size_refusal(exc.limit, limits) from None
    return await store_streamed_upload(session, principal, found["info"], upload, storage=storage)


StoreObject = Callable[[str, str], Awaitable[None]]  # (storage key, checked content type)


async def store_streamed_upload(session: AsyncSession, principal: Principal, info: SubmissionInfo,
                                upload: StreamedUpload, *, storage: ObjectStorage) -> tuple[EvidenceItem, bool]:
    """Check a multipart file where it was stored, then write the row that names its key. The object is kept
    only if that row is committed: refused, duplicate or failed, it is deleted. Returns (item, was it already
    there)."""
    details = details_from_fields(upload.filename, upload.fields)

    def inspect() -> FileType:
        return inspect_content(upload.head, upload.size, lambda: storage.open_reader(upload.key, size=upload.size))

    async def already_stored(key: str, mime: str) -> None:
        # Nothing to move: the checked bytes already lie at the item's key (stored as octet-stream; downloads
        # take their type from the row).
        return None

    kept = False
    try:
        item, duplicate = await store_checked_file(
            session, principal, info, size=upload.size, sha256=upload.sha256, inspect=inspect, details=details,
            storage=storage, storage_key=upload.key, store=already_stored)
        kept = not duplicate
        return item, duplicate
    finally:
        if not kept:
            with anyio.CancelScope(shield=True):
                await discard_unchecked(storage, upload.key)


def object_key_for(info: SubmissionInfo) -> str:
    """A fresh key for an item's file (`<submission>/<uuid>`): chosen before the bytes arrive, so that a streamed
    upload is stored once, where it stays. Until a row names it, the sweeper counts it as an orphan."""
    return f"{info.id}/{uuid.uuid4()}"


async def store_checked_file(session: AsyncSession, principal: Principal, info: SubmissionInfo, *, size: int,
                             sha256: str, inspect: Callable[[], FileType], details: FileDetails,
                             storage: ObjectStorage, storage_key: str,
                             store: StoreObject) -> tuple[EvidenceItem, bool]:
    """Inspect the bytes (`inspect`, blocking, in a thread); unless the same bytes are already in the submission,
    `store` the object at `storage_key` and commit its row. Shared by the streamed upload and the direct
    (presigned) one."""
    file_type = await anyio.to_thread.run_sync(inspect)
    existing = await repository.by_sha256(session, info.id, sha256)
    if existing is not None:
        return existing, True
    name = display_name(details.filename, file_type.extension)
    replaces_id = await replaced_item(session, info, details.replaces_id)
    item = EvidenceItem(
        submission_id=info.id, unit_id=info.unit_id, draft_number=info.draft_number, kind=EvidenceKind.FILE.value,
        title=details.title or name.rsplit(".", 1)[0] or name, description=details.description,
        criterion_codes=details.criterion_codes,
        original_name=name, storage_key=storage_key, size=size,
        content_type=file_type.mime, sha256=sha256, replaces_id=replaces_id,
        uploaded_by=principal.subject, uploaded_by_name=principal.name,
    )
    await store(storage_key, file_type.mime)
    # The object store is outside the transaction: commit here so that a failed write removes the object
    # (the sweeper removes what a crash between the two leaves behind).
    try:
        session.add(item)
        await session.flush()
        record_audit(session, principal, info, "evidence.uploaded", item)
        await session.commit()
    except IntegrityError:
        await session.rollback()
        await _forget_object(storage, storage_key)
        existing = await repository.by_sha256(session, info.id, sha256)
        if existing is None:
            raise
        return existing, True  # the same file won a concurrent race
    except BaseException:
        await session.rollback()
        await _forget_object(storage, storage_key)
        raise
    EVIDENCE_UPLOAD_BYTES.inc(size)
    return item, False


class NotUploadedYet(UploadNotFound):
    """`complete` before the file reached the staging key: the upload stays open (the client may PUT again)."""


async def create_pending_upload(session: AsyncSession, principal: Principal, info: SubmissionInfo, *,
                                file_name: str | None, size: int, content_type: str | None,
                                details: FileDetails, limits: Limits, storage: ObjectStorage,
                                seconds: int) -> tuple[PendingUpload, str]:
    """A direct upload: the same permission, draft, quota and size checks as a streamed upload, then a
    pending row and a presigned PUT URL for its staging key. Returns (row, url)."""
    limit = await upload_limit(session, principal, info, limits)
    if size <= 0:
        raise EmptyFile("Tệp rỗng: không có nội dung để tải lên.")
    if size > limit:
        raise size_refusal(limit, limits)
    replaces_id = await replaced_item(session, info, details.replaces_id)
    pending = PendingUpload(
        submission_id=info.id, unit_id=info.unit_id, staging_key=f"{STAGING_PREFIX}{info.id}/{uuid.uuid4()}",
        file_name=file_name, declared_size=size, declared_content_type=content_type, title=details.title,
        description=details.description, criterion_codes=details.criterion_codes,
        replaces_id=replaces_id,
        uploaded_by=principal.subject, uploaded_by_name=principal.name,
        expires_at=utcnow() + timedelta(seconds=seconds),
    )
    url = await storage.presigned_put(pending.staging_key, seconds=seconds, size=size)
    session.add(pending)
    await session.commit()
    return pending, url


async def complete_upload(session: AsyncSession, principal: Principal, upload_id: uuid.UUID, *,
                          submissions: SubmissionsClient, tree: UnitTree, storage: ObjectStorage, limits: Limits,
                          spool_dir: str | None) -> tuple[EvidenceItem, bool, bool]:
    """Turn a PUT staging object into an evidence item. Returns (item, duplicate, already completed before).

    Every refusal (permission, draft, quota, size, content) removes the staging object and the pending row,
    except 'nothing uploaded yet' and outages (5xx), after which the client may simply try again.
    """
    pending = await repository.pending(session, upload_id)
    if pending is None or pending.uploaded_by != principal.subject \
            or not await is_in_scope(principal, pending.unit_id, tree):
        raise UploadNotFound("Không tìm thấy lượt tải lên (có thể đã hết hạn). Hãy bắt đầu tải lên lại.")
    if pending.item_id is not None:
        done = await repository.get(session, pending.item_id)
        if done is None:
            raise UploadNotFound("Minh chứng của lượt tải lên này đã bị xóa.")
        return done, False, True
    upload_key, staging_key = pending.id, pending.staging_key
    try:
        info = await submission_in_scope(principal, pending.submission_id, submissions=submissions, tree=tree)
        item, duplicate = await _check_and_store_staged(session, principal, info, pending, storage=storage,
                                                        limits=limits, spool_dir=spool_dir)
    except ProblemError as exc:
        if not isinstance(exc, NotUploadedYet) and exc.status < 500:
            await session.rollback()
            await session.execute(delete(PendingUpload).where(PendingUpload.id == upload_key))  # type: ignore[arg-type]
            await session.commit()
            await _close_upload_url(storage, staging_key)
        raise
    await session.execute(update(PendingUpload).where(PendingUpload.id == upload_key)  # type: ignore[arg-type]
                          .values(item_id=item.id))
    await session.commit()
    await _close_upload_url(storage, staging_key)
    return item, duplicate, False


async def _check_and_store_staged(session: AsyncSession, principal: Principal, info: SubmissionInfo,
                                  pending: PendingUpload, *, storage: ObjectStorage, limits: Limits,
                                  spool_dir: str | None) -> tuple[EvidenceItem, bool]:
    limit = await upload_limit(session, principal, info, limits)
    staged = await storage.stat(pending.staging_key)
    if staged is None:
        raise NotUploadedYet("Chưa nhận được tệp: hãy gửi tệp (PUT) tới đường dẫn tải lên rồi xác nhận lại.")
    if staged.size > limit:
        raise size_refusal(limit, limits)
    if staged.size != pending.declared_size:
        raise InvalidUpload(f"Tệp đã tải lên ({staged.size} byte) khác kích thước đã khai báo "
                            f"({pending.declared_size} byte). Hãy tải lên lại.")
    changed = InvalidUpload("Tệp tạm đã bị thay đổi trong khi đang kiểm tra. Hãy tải lên lại.")
    try:
        upload = await spool_stream(storage.get_stream(pending.staging_key, match_etag=staged.etag), limit=limit,
                                    spool_dir=spool_dir, filename=pending.file_name)
    except LimitExceeded as exc:
        raise size_refusal(exc.limit, limits) from None
    except ObjectChanged:
        raise changed from None
    details = FileDetails(filename=pending.file_name, title=pending.title, description=pending.description,
                          criterion_codes=list(pending.criterion_codes),
                          replaces_id=str(pending.replaces_id) if pending.replaces_id else None)

    async def copy(key: str, mime: str) -> None:
        # Server-side copy of exactly the bytes inspected: refused if the phone PUT something else meanwhile.
        if not await storage.copy(pending.staging_key, key, content_type=mime, match_etag=staged.etag):
            raise changed

    try:
        return await store_checked_file(session, principal, info, size=upload.size, sha256=upload.sha256,
                                        inspect=lambda: inspect_file(upload.path, upload.size), details=details,
                                        storage=storage, storage_key=object_key_for(info), store=copy)
    finally:
        upload.discard()


def record_audit(session: AsyncSession, principal: Principal, info: SubmissionInfo, action: str,
           item: EvidenceItem) -> None:
    facts = {"submission_id": item.submission_id, "kind": item.kind, "title": item.title,
             "criterion_codes": item.criterion_codes, "size": item.size, "sha256": item.sha256, "url": item.url,
             "replaces_id": item.replaces_id}
    audit.record(session, action=action, actor=principal, target_type="evidence_item", target_id=item.id,
                 unit_id=info.unit_id, unit_path=info.unit_path or None,
                 before=facts if action == "evidence.deleted" else None,
                 after=None if action == "evidence.deleted" else facts)


async def items_of(session: AsyncSession, submission_id: uuid.UUID) -> Sequence[EvidenceItem]:
    """A submission's items in upload order (the catalogue's order)."""
    return await repository.list_for_submission(session, submission_id)


async def codes_of(session: AsyncSession, item: EvidenceItem) -> list[str]:
    """The item's codes as the catalogue shows them (they depend on the items added before it)."""
    items = await repository.list_for_submission(session, item.submission_id)
    return catalogue_codes(items).get(item.id, [])


async def _close_upload_url(storage: ObjectStorage, staging_key: str) -> None:
    """Replace the staged file by an empty object: its presigned URL only creates, so it is refused from now on
    (412) instead of letting anyone with the URL store again. The sweeper removes the empty object later."""

    async def nothing() -> AsyncIterator[bytes]:
        return
        yield b""

    try:
        await storage.put_stream(staging_key, nothing(), content_type="application/octet-stream")
    except Exception:  # noqa: BLE001 - the upload itself is settled; the URL still expires on its own
        log.warning("could not close the upload URL of %s; it expires on its own", staging_key)


async def _forget_object(storage: ObjectStorage, key: str) -> None:
    try:
        await storage.delete(key)
    except Exception:  # noqa: BLE001 - the sweeper will remove it; the original error matters more
        log.warning("could not delete object %s after a failed write; the sweeper will", key)


async def replaced_item(session: AsyncSession, info: SubmissionInfo, raw: str | None) -> uuid.UUID | None:
    if raw is None:
        return None
    try:
        replaced_id = uuid.UUID(raw)
    except ValueError:
        raise InvalidUpload("'replaces_id' phải là mã minh chứng hợp lệ.") from None
    replaced = await repository.get(session, replaced_id)
    if replaced is None or replaced.submission_id != info.id:
        raise InvalidUpload("Minh chứng được thay thế không thuộc báo cáo này.")
    return replaced_id


async def delete_item(session: AsyncSession, principal: Principal, item: EvidenceItem, info: SubmissionInfo, *,
                      storage: ObjectStorage) -> None:
    ensure_editable(principal, info)
    if item.draft_number != info.draft_number:
        raise EvidenceImmutable("Minh chứng này thuộc bản báo cáo đã nộp nên không xóa được; "
                                "hãy tải lên minh chứng thay thế.")
    key = item.storage_key
    record_audit(session, principal, info, "evidence.deleted", item)
    await session.delete(item)
    await session.commit()
    if key is not None:
        await _forget_object(storage, key)


@dataclass(frozen=True)
class StoredFile:
    """What a download of an item's file needs: its object, its type and how a browser should show it."""

    key: str
    content_type: str
    disposition: str
    size: int


def stored_file(item: EvidenceItem) -> StoredFile:
    if item.storage_key is None:
        raise EvidenceNotFound("Minh chứng này là đường liên kết, không có tệp để tải.")
    content_type = item.content_type or "application/octet-stream"
    return StoredFile(key=item.storage_key, content_type=content_type, size=item.size or 0,
                      disposition=content_disposition(item.original_name or "minh-chung",
                                                      inline=content_type in INLINE_TYPES))


def to_read(item: EvidenceItem, codes: list[str], replaced_by: EvidenceItem | None = None) -> EvidenceRead:
    # An item changes when added, reviewed, or replaced (the newer item's arrival): its `updated_at` for mirrors.
    changes = [item.created_at, item.reviewed_at, replaced_by.created_at if replaced_by else None]
    return EvidenceRead.model_validate(item).model_copy(update={
        "codes": codes, "replaced_by_id": replaced_by.id if replaced_by else None,
        "updated_at": max(c for c in changes if c is not None)})


async def read_item(session: AsyncSession, item: EvidenceItem) -> EvidenceRead:
    return to_read(item, await codes_of(session, item))


async def upload_result(session: AsyncSession, item: EvidenceItem, *, duplicate: bool) -> UploadResult:
    codes = await codes_of(session, item)
    return UploadResult.model_validate(item).model_copy(update={"duplicate": duplicate, "codes": codes})


def catalogue_codes(items: Sequence[EvidenceItem]) -> dict[uuid.UUID, list[str]]:
    """`H<criterion>-<seq>` per criterion, in upload order; an item serving three criteria has three codes."""
    counters: dict[str, int] = defaultdict(int)
    codes: dict[uuid.UUID, list[str]] = {}
    for item in items:
        item_codes = []
        for criterion in item.criterion_codes or [GENERAL_CODE]:
            counters[criterion] += 1
            item_codes.append(f"H{criterion}-{counters[criterion]:02d}")
        codes[item.id] = item_codes
    return codes
