"""Evidence files: upload (streamed, or direct to the bucket with a presigned PUT), metadata, download, delete."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse, StreamingResponse

from edudx_common.auth import CurrentUser
from edudx_common.db import SessionDep, utcnow
from edudx_common.errors import PROBLEM_RESPONSES
from edudx_common.openapi import COMPONENT_KEY
from evidence.deps import SettingsDep, StorageDep, SubmissionsDep, UnitTreeDep
from evidence.files import service
from evidence.files.schemas import DownloadLink, EvidenceRead, UploadCreate, UploadResult, UploadTicket
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
    item, duplicate = await service.receive_upload(
        session, principal, request.stream(), request.headers.get("content-type", ""), submissions=submissions,
        tree=tree, storage=storage, limits=service.Limits(settings.max_file_bytes, settings.submission_quota_bytes))
    body = await service.upload_result(session, item, duplicate=duplicate)
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
    body = await service.upload_result(session, item, duplicate=duplicate)
    return JSONResponse(body.model_dump(mode="json"), status_code=200 if duplicate or repeated else 201)


@router.get("/files/{item_id}", response_model=EvidenceRead)
async def get_file(item_id: uuid.UUID, session: SessionDep, principal: CurrentUser,
                   tree: UnitTreeDep) -> EvidenceRead:
    """One evidence item's metadata (a file or a link)."""
    return await service.read_item(session, await service.item_in_scope(session, principal, item_id, tree=tree))


@router.get("/files/{item_id}/download", response_model=DownloadLink,
            responses={307: {"description": "Chuyển tới đường dẫn tải ngắn hạn (khi redirect=true)"}})
async def download_file(item_id: uuid.UUID, session: SessionDep, principal: CurrentUser, tree: UnitTreeDep,
                        storage: StorageDep, settings: SettingsDep, redirect: bool = False) -> Response:
    """A short-lived presigned URL to the object (PDF and images open inline), or a 307 to it."""
    file = service.stored_file(await service.item_in_scope(session, principal, item_id, tree=tree))
    url = await storage.presigned_get(file.key, seconds=settings.presign_seconds, content_type=file.content_type,
                                      disposition=file.disposition)
    if redirect:
        return RedirectResponse(url, status_code=307)
    link = DownloadLink(url=url, expires_at=utcnow() + timedelta(seconds=settings.presign_seconds))
    return JSONResponse(link.model_dump(mode="json"), headers={"Cache-Control": "no-store"})


@router.get("/files/{item_id}/content", response_class=StreamingResponse,
            responses={200: {"content": {"application/octet-stream": {}}, "description": "Nội dung tệp"}})
async def get_file_content(item_id: uuid.UUID, session: SessionDep, principal: CurrentUser, tree: UnitTreeDep,
                           storage: StorageDep) -> Response:
    """The file's bytes streamed through the service (inline for PDF and images)."""
    file = service.stored_file(await service.item_in_scope(session, principal, item_id, tree=tree))
    chunks = storage.get_stream(file.key)
    first = await anext(chunks, b"")  # a missing object or a storage outage becomes a problem, not a cut stream

    async def body() -> AsyncIterator[bytes]:
        yield first
        async for chunk in chunks:
            yield chunk

    headers = {
        "Content-Disposition": file.disposition,
        "Content-Length": str(file.size),
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, no-store",
    }
    return StreamingResponse(body(), media_type=file.content_type, headers=headers)


@router.delete("/files/{item_id}", status_code=204)
async def delete_file(item_id: uuid.UUID, session: SessionDep, principal: CurrentUser, tree: UnitTreeDep,
                      submissions: SubmissionsDep, storage: StorageDep) -> Response:
    """Delete an item of the current draft (draft or returned submission only)."""
    item = await service.item_in_scope(session, principal, item_id, tree=tree)
    info = await service.submission_in_scope(principal, item.submission_id, submissions=submissions, tree=tree)
    await service.delete_item(session, principal, item, info, storage=storage)
    return Response(status_code=204)
