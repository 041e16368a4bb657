"""The evidence catalogue of a submission (JSON, a page or a cursor at a time, and XLSX)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from edudx_common.auth import CurrentPrincipal, CurrentUser
from edudx_common.db import SessionDep
from edudx_common.downloads import content_disposition
from edudx_common.errors import PROBLEM_RESPONSES
from edudx_common.pagination import PageParamsDep
from edudx_common.sync import SyncParamsDep
from evidence.catalogue import service
from evidence.catalogue.schemas import Catalogue
from evidence.deps import SettingsDep, SubmissionsDep, UnitTreeDep

router = APIRouter(tags=["evidence"], responses=PROBLEM_RESPONSES)


@router.get("/submissions/{submission_id}/files", response_model=Catalogue)
async def list_files(submission_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal,
                     submissions: SubmissionsDep, tree: UnitTreeDep, settings: SettingsDep, page: PageParamsDep,
                     sync: SyncParamsDep) -> Catalogue:
    """The evidence catalogue (danh mục minh chứng) of a submission, in upload order with catalogue codes, a page
    at a time. For mirroring: with `updated_since` or `cursor` the items added, reviewed or replaced since then,
    ordered by (updated_at, id) and continued by `next_cursor` (docs/integrations.md). Services may read it too
    (scoring checks the evidence of a criterion before accepting its score)."""
    return await service.catalogue(session, principal, submission_id, submissions=submissions, tree=tree, page=page,
                                   sync=sync, quota_bytes=settings.submission_quota_bytes)


@router.get("/submissions/{submission_id}/catalogue.xlsx", response_class=Response,
            responses={200: {"content": {service.XLSX_MEDIA_TYPE: {}},
                             "description": "Danh mục minh chứng (XLSX), giờ Việt Nam"}})
async def export_catalogue(submission_id: uuid.UUID, session: SessionDep, principal: CurrentUser,
                           submissions: SubmissionsDep, tree: UnitTreeDep) -> Response:
    """The evidence catalogue as an XLSX file: code, criteria, title, file or link, size, uploader, time
    (dd/mm/yyyy HH:MM, Vietnam time), review state and reason; header row frozen."""
    content, name = await service.catalogue_xlsx(session, principal, submission_id, submissions=submissions,
                                                 tree=tree)
    return Response(content, media_type=service.XLSX_MEDIA_TYPE,
                    headers={"Content-Disposition": content_disposition(name), "Cache-Control": "private, no-store"})
