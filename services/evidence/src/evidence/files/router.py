"""Evidence items: file upload (streamed, or direct to the bucket with a presigned PUT), links, catalogue
(JSON and XLSX), metadata, download, review, delete."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import timedelta
from typing import Any

import anyio.to_thread
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse, StreamingResponse

from edudx_common.auth import CurrentPrincipal, CurrentUser
from edudx_common.db import SessionDep, utcnow
from edudx_common.downloads import content_disposition
from edudx_common.errors import PROBLEM_RESPONSES
from edudx_common.openapi import COMPONENT_KEY
from edudx_common.pagination import PageParamsDep
from edudx_common.sync import SyncParamsDep, next_cursor, rows_after
from evidence.deps import SettingsDep, StorageDep, SubmissionsDep, UnitTreeDep
from evidence.files import export, repository, service
from evidence.files.inspection import INLINE_TYPES
from evidence.files.models import EvidenceItem
from evidence.files.schemas import (
    Catalogue,
    DownloadLink,
    EvidenceRead,
    LinkCreate,
    ReviewCreate,
    UploadCreate,
    UploadResult,
    UploadTicket,
)
from evidence.files.upload import LimitExceeded, read_upload
from evidence.storage.base import PUT_ONCE_HEADERS

router = APIRouter(tags=["evidence"], responses=PROBLEM_RESPONSES)

# `submission_id` before the file, in the spec as on the wire: the server checks it (permission, draft, quota)
# before it reads a byte of the file, so a client must send it first (the other fields may come before or after
# the file). Generators write a form's fields in the schema's order, and JSON documents are written with sorted
# keys, so the order is carried by `allOf`: a referenced component (`UploadFields`), which generators place first,
# then the file (two parts: a lone `allOf` reference would be read as that reference alone). openapi-python-client's
# `to_multipart` sends the required fields first (`submission_id`, then `file`), then the optional ones given.
UPLOAD_FIELDS_FIRST: dict[str, Any] = {
    COMPONENT_KEY: "UploadFields",
    "type": "object", "required": ["submission_id"], "title": "UploadFields",
    "description": "Thông tin của tệp minh chứng; `submission_id` phải gửi trước tệp",
    "properties": {
        "submission_id": {"type": "string", "format": "uuid", "description": "Gửi trước tệp"},
        "criterion_codes": {"type": "string", "description": "Mã tiêu chí, cách nhau bởi dấu phẩy"},
        "title": {"type": "string"}, "description": {"type": "string"},
        "replaces_id": {"type": "string", "format": "uuid",
                        "description": "Minh chứng cũ (của bản đã nộp) mà tệp này thay thế"},
    },
}
UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {"multipart/form-data": {"schema": {
            COMPONENT_KEY: "EvidenceUploadForm", "title": "EvidenceUploadForm",
            "type": "object", "allOf": [UPLOAD_FIELDS_FIRST, {
                "type": "object", "required": ["file"],
                "properties": {"file": {"type": "string", "format": "binary",
                                        "description": "Gửi sau `submission_id`"}}}],
        }}},
    },
}


def _read(item: EvidenceItem, codes: list[str], replaced_by: EvidenceItem | None = None) -> EvidenceRead:
    # An item changes when added, reviewed, or replaced (the newer item's arrival): its `updated_at` for mirrors.
    changes = [item.created_at, item.reviewed_at, replaced_by.created_at if replaced_by else None]
    return EvidenceRead.model_validate(item).model_copy(update={
        "codes": codes, "replaced_by_id": replaced_by.id if replaced_by else None,
        "updated_at": max(c for c in changes if c is not None)})


def _catalogue_rows(items: Sequence[EvidenceItem]) -> list[EvidenceRead]:
    """Every item with its codes and, when a later draft replaced it, the item that did."""
    codes = service.catalogue_codes(items)
    replaced_by = {i.replaces_id: i for i in items if i.replaces_id is not None}
    return [_read(i, codes[i.id], replaced_by.get(i.id)) for i in items]


@router.post("/files", response_model=UploadResult, status_code=201, openapi_extra=UPLOAD_BODY,
             responses={200: {"model": UploadResult, "description": "Tệp đã có trong báo cáo (duplicate=true)"},
                        413: {"description": "Tệp hoặc tổng dung lượng vượt giới hạn"},
                        503: {"description": "Kho lưu trữ tệp không sẵn sàng"}})
async def upload_file(request: Request, session: SessionDep, principal: CurrentUser, storage: StorageDep,
                      submissions: SubmissionsDep, tree: UnitTreeDep, settings: SettingsDep) -> Response:
    """Upload one evidence file to a submission (multipart: `submission_id`, optional `criterion_codes`,
    `title`, `description`, `replaces_id`, then `file`). The type is decided by the content: PDF, JPEG, PNG,
    HEIC/HEIF, DOCX, XLSX, PPTX, MP4. 201 with the new item; 200 with `duplicate=true` when the same bytes are
    already in the submission."""
    limits = service.Limits(settings.max_file_bytes, settings.submission_quota_bytes)
    state: dict[str, int] = {}
    staging: dict[str, str] = {}

    async def before_file(fields: dict[str, list[str]]) -> int:
        raw = (fields.get("submission_id") or [""])[-1].strip()
        try:
            submission_id = uuid.UUID(raw)
        except ValueError:
            raise service.InvalidUpload("Thiếu hoặc sai 'submission_id' (phải gửi trước trường 'file').") from None
        info = await service.submission_in_scope(principal, submission_id, submissions=submissions, tree=tree)
        state["limit"] = await service.upload_limit(session, principal, info, limits)
        request.state.submission = info
        staging["key"] = service.staging_key_for(info)
        return state["limit"]

    try:
        upload = await read_upload(request.stream(), request.headers.get("content-type", ""),
                                   before_file=before_file, storage=storage,
                                   staging_key=lambda: staging["key"])
    except LimitExceeded as exc:
        raise service.size_refusal(exc.limit, limits) from None
    item, duplicate = await service.store_staged_upload(session, principal, request.state.submission, upload,
                                                        storage=storage)
    codes = await service.codes_of(session, item)
    body = UploadResult.model_validate(item).model_copy(update={"duplicate": duplicate, "codes": codes})
    return JSONResponse(body.model_dump(mode="json"), status_code=200 if duplicate else 201)


@router.post("/uploads", response_model=UploadTicket, status_code=201,
             responses={413: {"description": "Tệp hoặc tổng dung lượng vượt giới hạn"}})
async def create_upload(payload: UploadCreate, session: SessionDep, principal: CurrentUser, storage: StorageDep,
                        submissions: SubmissionsDep, tree: UnitTreeDep, settings: SettingsDep) -> Response:
    """Start a direct upload (for phones on a poor connection): the same checks as `POST /files` (permission,
    draft, quota, size), then a presigned URL the client PUTs the whole file to, straight to the object store.
    A broken transfer is simply sent again to the same URL while it is valid. Then call
    `POST /uploads/{upload_id}/complete`: nothing becomes evidence before the service has checked the bytes."""
    info = await service.submission_in_scope(principal, payload.submission_id, submissions=submissions, tree=tree)
    details = service.FileDetails(
        filename=payload.file_name, title=(payload.title or "").strip() or None,
        description=(payload.description or "").strip() or None,
        criterion_codes=service.parse_criteria(payload.criterion_codes),
        replaces_id=str(payload.replaces_id) if payload.replaces_id else None)
    pending, url = await service.create_pending_upload(
        session, principal, info, file_name=payload.file_name, size=payload.size,
        content_type=payload.content_type, details=details,
        limits=service.Limits(settings.max_file_bytes, settings.submission_quota_bytes), storage=storage,
        seconds=settings.upload_presign_seconds)
    # Content-Length is signed too: browsers set it from the file, which must be the size declared.
    ticket = UploadTicket(upload_id=pending.id, url=url, expires_at=pending.expires_at,
                          headers={"Content-Type": "application/octet-stream", **PUT_ONCE_HEADERS})
    return JSONResponse(ticket.model_dump(mode="json"), status_code=201, headers={"Cache-Control": "no-store"})


@router.post("/uploads/{upload_id}/complete", response_model=UploadResult, status_code=201,
             responses={200: {"model": UploadResult,
                              "description": "Đã xác nhận trước đó, hoặc tệp đã có trong báo cáo (duplicate=true)"},
                        413: {"description": "Tệp hoặc tổng dung lượng vượt giới hạn"},
                        503: {"description": "Kho lưu trữ tệp không sẵn sàng"}})
async def complete_upload(upload_id: uuid.UUID, session: SessionDep, principal: CurrentUser, storage: StorageDep,
                          submissions: SubmissionsDep, tree: UnitTreeDep, settings: SettingsDep) -> Response:
    """Confirm a direct upload: the service reads the staged object, checks its size and content exactly as
    for `POST /files`, and adds the evidence item (201), or answers the item already holding the same bytes
    (200, `duplicate=true`). Calling it again answers the same item (200). A refused file is removed and the
    upload closed; 404 `upload_not_found` before the file has arrived (the upload stays open)."""
    item, duplicate, repeated = await service.complete_upload(
        session, principal, upload_id, submissions=submissions, tree=tree, storage=storage,
        limits=service.Limits(settings.max_file_bytes, settings.submission_quota_bytes),
        spool_dir=settings.spool_dir)
    codes = await service.codes_of(session, item)
    body = UploadResult.model_validate(item).model_copy(update={"duplicate": duplicate, "codes": codes})
    return JSONResponse(body.model_dump(mode="json"), status_code=200 if duplicate or repeated else 201)


@router.post("/links", response_model=EvidenceRead, status_code=201)
async def create_link(payload: LinkCreate, session: SessionDep, principal: CurrentUser, submissions: SubmissionsDep,
                      tree: UnitTreeDep) -> EvidenceRead:
    """Add a link as evidence (portal article, LMS course, TEMIS or CSDL ngành record): an http(s) URL of at
    most 2000 characters, a title and an optional note. Same rules as a file: school users of the unit (or an
    authority admin above it), only while the submission is a draft or returned. `attributes` carry what a
    rubric asks of the link, e.g. the solution's name and whether it was built, rented or bought."""
    info = await service.submission_in_scope(principal, payload.submission_id, submissions=submissions, tree=tree)
    item = await service.create_link(session, principal, info, url=payload.url, title=payload.title,
                                     note=payload.note, criterion_codes=payload.criterion_codes,
                                     replaces_id=payload.replaces_id, screenshot_id=payload.screenshot_id,
                                     attributes=payload.attributes)
    return _read(item, await service.codes_of(session, item))


@router.get("/submissions/{submission_id}/files", response_model=Catalogue)
async def list_files(submission_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal,
                     submissions: SubmissionsDep, tree: UnitTreeDep, settings: SettingsDep, page: PageParamsDep,
                     sync: SyncParamsDep) -> Catalogue:
    """The evidence catalogue (danh mục minh chứng) of a submission, in upload order with catalogue codes, a page
    at a time. For mirroring: with `updated_since` or `cursor` the items added, reviewed or replaced since then,
    ordered by (updated_at, id) and continued by `next_cursor` (docs/integrations.md). Services may read it too
    (scoring checks the evidence of a criterion before accepting its score)."""
    info = await service.submission_in_scope(principal, submission_id, submissions=submissions, tree=tree)
    items = await repository.list_for_submission(session, info.id)
    rows = _catalogue_rows(items)
    cursor = None
    if sync.active:
        shown, total = rows_after(rows, sync, page.limit, at="updated_at", key="id")
        cursor = next_cursor(shown, page.limit)
    else:
        shown, total = rows[page.offset:page.offset + page.limit], len(rows)
    return Catalogue.model_validate({
        "submission_id": info.id, "items": shown, "total": total, "limit": page.limit,
        "offset": 0 if sync.active else page.offset, "next_cursor": cursor,
        "total_bytes": sum(i.size or 0 for i in items), "quota_bytes": settings.submission_quota_bytes,
    }, context={"sync": sync.active})


@router.get("/submissions/{submission_id}/catalogue.xlsx", response_class=Response,
            responses={200: {"content": {export.XLSX_MEDIA_TYPE: {}},
                             "description": "Danh mục minh chứng (XLSX), giờ Việt Nam"}})
async def export_catalogue(submission_id: uuid.UUID, session: SessionDep, principal: CurrentUser,
                           submissions: SubmissionsDep, tree: UnitTreeDep) -> Response:
    """The evidence catalogue as an XLSX file: code, criteria, title, file or link, size, uploader, time
    (dd/mm/yyyy HH:MM, Vietnam time), review state and reason; header row frozen."""
    info = await service.submission_in_scope(principal, submission_id, submissions=submissions, tree=tree)
    rows = _catalogue_rows(await repository.list_for_submission(session, info.id))
    content = await anyio.to_thread.run_sync(export.catalogue_xlsx, rows)
    name = f"Danh mục minh chứng - {str(info.id)[:8]}.xlsx"
    return Response(content, media_type=export.XLSX_MEDIA_TYPE,
                    headers={"Content-Disposition": content_disposition(name), "Cache-Control": "private, no-store"})


@router.get("/files/{item_id}", response_model=EvidenceRead)
async def get_file(item_id: uuid.UUID, session: SessionDep, principal: CurrentUser,
                   tree: UnitTreeDep) -> EvidenceRead:
    """One evidence item's metadata (a file or a link)."""
    item = await service.item_in_scope(session, principal, item_id, tree=tree)
    return _read(item, await service.codes_of(session, item))


@router.post("/files/{item_id}/review", response_model=EvidenceRead)
async def review_file(item_id: uuid.UUID, payload: ReviewCreate, session: SessionDep, principal: CurrentUser,
                      tree: UnitTreeDep, submissions: SubmissionsDep) -> EvidenceRead:
    """Mark an item (file or link) accepted, insufficient or wrong; `reason` is required unless accepted.
    Reviewers and admins of an authority above the school, and a commune official the Sở granted `review` on the
    school's commune; the school sees the mark in the catalogue. A mark does not make the item editable: that
    follows the submission (returned → upload a replacement)."""
    item = await service.item_to_review(session, principal, item_id, submissions=submissions, tree=tree)
    await service.review_item(session, principal, item, state=payload.state, reason=payload.reason)
    return _read(item, await service.codes_of(session, item))


@router.get("/files/{item_id}/download", response_model=DownloadLink,
            responses={307: {"description": "Chuyển tới đường dẫn tải ngắn hạn (khi redirect=true)"}})
async def download_file(item_id: uuid.UUID, session: SessionDep, principal: CurrentUser, tree: UnitTreeDep,
                        storage: StorageDep, settings: SettingsDep, redirect: bool = False) -> Response:
    """A short-lived presigned URL to the object (PDF and images open inline), or a 307 to it."""
    item = await service.item_in_scope(session, principal, item_id, tree=tree)
    if item.storage_key is None:
        raise service.EvidenceNotFound("Minh chứng này là đường liên kết, không có tệp để tải.")
    content_type = item.content_type or "application/octet-stream"
    url = await storage.presigned_get(
        item.storage_key, seconds=settings.presign_seconds, content_type=content_type,
        disposition=content_disposition(item.original_name or "minh-chung", inline=content_type in INLINE_TYPES))
    if redirect:
        return RedirectResponse(url, status_code=307)
    link = DownloadLink(url=url, expires_at=utcnow() + timedelta(seconds=settings.presign_seconds))
    return JSONResponse(link.model_dump(mode="json"), headers={"Cache-Control": "no-store"})


@router.get("/files/{item_id}/content", response_class=StreamingResponse,
            responses={200: {"content": {"application/octet-stream": {}}, "description": "Nội dung tệp"}})
async def get_file_content(item_id: uuid.UUID, session: SessionDep, principal: CurrentUser, tree: UnitTreeDep,
                           storage: StorageDep) -> Response:
    """The file's bytes streamed through the service (inline for PDF and images)."""
    item = await service.item_in_scope(session, principal, item_id, tree=tree)
    if item.storage_key is None:
        raise service.EvidenceNotFound("Minh chứng này là đường liên kết, không có tệp để tải.")
    content_type = item.content_type or "application/octet-stream"
    chunks = storage.get_stream(item.storage_key)
    first = await anext(chunks, b"")  # a missing object or a storage outage becomes a problem, not a cut stream

    async def body() -> AsyncIterator[bytes]:
        yield first
        async for chunk in chunks:
            yield chunk

    headers = {
        "Content-Disposition": content_disposition(item.original_name or "minh-chung",
                                                   inline=content_type in INLINE_TYPES),
        "Content-Length": str(item.size or 0),
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, no-store",
    }
    return StreamingResponse(body(), media_type=content_type, headers=headers)


@router.delete("/files/{item_id}", status_code=204)
async def delete_file(item_id: uuid.UUID, session: SessionDep, principal: CurrentUser, tree: UnitTreeDep,
                      submissions: SubmissionsDep, storage: StorageDep) -> Response:
    """Delete an item of the current draft (draft or returned submission only)."""
    item = await service.item_in_scope(session, principal, item_id, tree=tree)
    info = await service.submission_in_scope(principal, item.submission_id, submissions=submissions, tree=tree)
    await service.delete_item(session, principal, item, info, storage=storage)
    return Response(status_code=204)
