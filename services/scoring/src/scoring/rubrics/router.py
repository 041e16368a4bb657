from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response, status

from edudx_common.auth import CurrentPrincipal, CurrentUser, Role, require_roles
from edudx_common.db import SessionDep
from edudx_common.downloads import content_disposition
from edudx_common.errors import PROBLEM_MEDIA_TYPE, PROBLEM_RESPONSES, Problem
from edudx_common.pagination import Page, PageParamsDep, page_of
from edudx_common.uploads import import_slot, multipart_file_body, receive_file
from scoring.deps import UnitTreeDep
from scoring.rubrics import service
from scoring.rubrics.schemas import CampaignPreset, RubricDefinition, RubricImportResult, RubricRead, RubricSummary

router = APIRouter(prefix="/rubrics", tags=["rubrics"], responses=PROBLEM_RESPONSES)
IMPORT_RESPONSES: dict[int | str, dict[str, Any]] = {
    status_code: {"model": Problem, "content": {PROBLEM_MEDIA_TYPE: {}}, "description": description}
    for status_code, description in ((413, "Tệp quá lớn"), (503, "Đang xử lý nhiều tệp nhập (imports_busy)"))
}


async def _read(session: SessionDep, principal: CurrentPrincipal, tree: UnitTreeDep,
                rubric_id: uuid.UUID) -> RubricRead:
    rubric = await service.get_visible_rubric(session, principal, tree, rubric_id)
    return service.to_read(rubric, latest_version=await service.latest_version(session, rubric))


@router.get("", response_model=Page[RubricSummary])
async def list_rubrics(session: SessionDep, principal: CurrentPrincipal, tree: UnitTreeDep,
                       page: PageParamsDep) -> Page[RubricSummary]:
    """The newest version of each rubric the caller may use: templates, its unit's and those of the
    authorities above it."""
    return page_of(RubricSummary, await service.list_rubrics(session, principal, tree), page)


@router.get("/campaign-presets", response_model=Page[CampaignPreset])
async def list_campaign_presets(
    session: SessionDep, _principal: CurrentUser, page: PageParamsDep,
    school_year_end: Annotated[int, Query(ge=2020, le=2100, description="Năm kết thúc năm học, ví dụ 2026")],
) -> Page[CampaignPreset]:
    """Campaign presets offered where a campaign is created: the QĐ 4725 cycle (its rubric template, labelled
    "mẫu tham khảo — đối chiếu với văn bản gốc"; self-assessment due 31/5, external assessment by 20/6, then
    publication), dated for the school year ending in `school_year_end`."""
    return page_of(CampaignPreset, await service.campaign_presets(session, school_year_end=school_year_end), page)


@router.post("", response_model=RubricRead, status_code=status.HTTP_201_CREATED)
async def create_rubric(body: RubricDefinition, session: SessionDep, principal: CurrentUser) -> RubricRead:
    """Create a rubric owned by the caller's unit (authority admins). It is checked before it is saved:
    criteria must add up to their group, groups to the total, and bands must cover the range with no gap or
    overlap; 422 `rubric_invalid` lists every problem, naming the group or criterion."""
    rubric = await service.create_rubric(session, principal, body)
    return service.to_read(rubric, latest_version=rubric.version)


@router.get("/import/template", response_class=Response,
            responses={200: {"content": {service.XLSX_MEDIA_TYPE: {}}}})
async def get_rubric_import_template(_principal: CurrentPrincipal) -> Response:
    """A workbook in the layout `import` reads, filled with the seed-004 rubric as the example to edit: sheets
    Tiêu chí (one row per group, criterion, block or level), Xếp loại and Thiết lập."""
    definition = service.template_definition("seed-004-cntt")
    body, media = await service.rubric_file(definition, "xlsx")
    return Response(body, media_type=media,
                    headers={"Content-Disposition": content_disposition("Mẫu bộ tiêu chí.xlsx")})


@router.post("/import", response_model=RubricImportResult, status_code=status.HTTP_201_CREATED,
             dependencies=[require_roles(Role.AUTHORITY_ADMIN)], responses=IMPORT_RESPONSES,
             openapi_extra=multipart_file_body("Tệp .xlsx (theo mẫu xuất từ EduDX) hoặc .json"))
async def import_rubric(
    request: Request,
    session: SessionDep,
    principal: CurrentUser,
    tree: UnitTreeDep,
    response: Response,
    dry_run: Annotated[bool, Query(description="Chỉ đọc và kiểm tra, không lưu")] = False,
    new_version_of: Annotated[uuid.UUID | None, Query(
        description="Lưu thành phiên bản mới của bộ tiêu chí này (mặc định: bộ tiêu chí mới)")] = None,
) -> RubricImportResult:
    """Bring a rubric from a file: the XLSX layout that `export` writes (sheets Tiêu chí, Xếp loại, Thiết
    lập) or its JSON. Problems in the file name the sheet and row; a dry run only checks (200). Authority
    admins only (403 before the file is read); 503 `imports_busy` when the service is parsing others."""
    async with import_slot(request):
        data = await receive_file(request, max_bytes=service.MAX_FILE_BYTES)
        definition = await service.read_rubric_file(data)
    service.checked(definition)
    if dry_run:
        response.status_code = status.HTTP_200_OK
        return RubricImportResult(definition=definition)
    if new_version_of is not None:
        earlier = await service.get_visible_rubric(session, principal, tree, new_version_of)
        rubric = await service.create_version(session, principal, earlier, definition)
    else:
        rubric = await service.create_rubric(session, principal, definition)
    return RubricImportResult(definition=definition, rubric=service.to_read(rubric, latest_version=rubric.version))


@router.get("/{rubric_id}", response_model=RubricRead)
async def get_rubric(rubric_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal,
                     tree: UnitTreeDep) -> RubricRead:
    """One rubric version with its whole definition: templates, and rubrics of the caller's unit, of the
    authorities above it and of units below it; any other id is 404."""
    return await _read(session, principal, tree, rubric_id)


@router.get("/{rubric_id}/versions", response_model=Page[RubricSummary])
async def list_versions(rubric_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal,
                        tree: UnitTreeDep, page: PageParamsDep) -> Page[RubricSummary]:
    """Every version of the rubric this one belongs to, newest first (the same visibility as one rubric)."""
    rubric = await service.get_visible_rubric(session, principal, tree, rubric_id)
    return page_of(RubricSummary, await service.list_versions(session, rubric), page)


@router.post("/{rubric_id}/versions", response_model=RubricRead, status_code=status.HTTP_201_CREATED)
async def create_version(rubric_id: uuid.UUID, body: RubricDefinition, session: SessionDep,
                         principal: CurrentUser, tree: UnitTreeDep) -> RubricRead:
    """Save a changed rubric as its next version (the owner unit's admins). Campaigns that use an earlier
    version keep scoring against it."""
    earlier = await service.get_visible_rubric(session, principal, tree, rubric_id)
    rubric = await service.create_version(session, principal, earlier, body)
    return service.to_read(rubric, latest_version=rubric.version)


@router.get("/{rubric_id}/export", response_class=Response,
            responses={200: {"content": {service.XLSX_MEDIA_TYPE: {}, "application/json": {}}}})
async def export_rubric(rubric_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal, tree: UnitTreeDep,
                        format: Annotated[Literal["xlsx", "json"], Query()] = "xlsx") -> Response:
    """The rubric as a file to edit and import again: XLSX (sheets Tiêu chí, Xếp loại, Thiết lập) or JSON.
    The same visibility as one rubric."""
    rubric = await service.get_visible_rubric(session, principal, tree, rubric_id)
    definition = service.definition_of(rubric)
    name = f"Bộ tiêu chí - {rubric.title[:80].replace('/', '-')} - v{rubric.version}.{format}"
    body, media = await service.rubric_file(definition, format)
    return Response(body, media_type=media, headers={"Content-Disposition": content_disposition(name)})
