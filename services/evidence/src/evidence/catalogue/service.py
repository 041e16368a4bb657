"""The evidence catalogue (danh mục minh chứng) of a submission: every item with its codes, a page at a time or
continued by a cursor for mirrors, and as a spreadsheet."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import anyio.to_thread
from sqlalchemy.ext.asyncio import AsyncSession

from edudx_common.auth import Principal
from edudx_common.pagination import PageParams
from edudx_common.scope import UnitTree
from edudx_common.sync import SyncParams, next_cursor, rows_after
from evidence.catalogue import export
from evidence.catalogue.schemas import Catalogue
from evidence.clients.submissions import SubmissionsClient
from evidence.files import service as files_service
from evidence.files.models import EvidenceItem
from evidence.files.schemas import EvidenceRead

XLSX_MEDIA_TYPE = export.XLSX_MEDIA_TYPE


def catalogue_rows(items: Sequence[EvidenceItem]) -> list[EvidenceRead]:
    """Every item with its codes and, when a later draft replaced it, the item that did."""
    codes = files_service.catalogue_codes(items)
    replaced_by = {i.replaces_id: i for i in items if i.replaces_id is not None}
    return [files_service.to_read(i, codes[i.id], replaced_by.get(i.id)) for i in items]


async def catalogue(session: AsyncSession, principal: Principal, submission_id: uuid.UUID, *,
                    submissions: SubmissionsClient, tree: UnitTree, page: PageParams, sync: SyncParams,
                    quota_bytes: int) -> Catalogue:
    info = await files_service.submission_in_scope(principal, submission_id, submissions=submissions, tree=tree)
    items = await files_service.items_of(session, info.id)
    rows = catalogue_rows(items)
    cursor = None
    if sync.active:
        shown, total = rows_after(rows, sync, page.limit, at="updated_at", key="id")
        cursor = next_cursor(shown, page.limit)
    else:
        shown, total = rows[page.offset:page.offset + page.limit], len(rows)
    return Catalogue.model_validate({
        "submission_id": info.id, "items": shown, "total": total, "limit": page.limit,
        "offset": 0 if sync.active else page.offset, "next_cursor": cursor,
        "total_bytes": sum(i.size or 0 for i in items), "quota_bytes": quota_bytes,
    }, context={"sync": sync.active})


async def catalogue_xlsx(session: AsyncSession, principal: Principal, submission_id: uuid.UUID, *,
                         submissions: SubmissionsClient, tree: UnitTree) -> tuple[bytes, str]:
    """The spreadsheet (built in a worker thread) and its file name."""
    info = await files_service.submission_in_scope(principal, submission_id, submissions=submissions, tree=tree)
    rows = catalogue_rows(await files_service.items_of(session, info.id))
    content = await anyio.to_thread.run_sync(export.catalogue_xlsx, rows)
    return content, f"Danh mục minh chứng - {str(info.id)[:8]}.xlsx"
