from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status
from fastapi.concurrency import run_in_threadpool

from edudx_common.auth import CurrentPrincipal, Role, require_roles
from edudx_common.db import SessionDep
from edudx_common.downloads import content_disposition
from edudx_common.errors import PROBLEM_RESPONSES
from edudx_common.pagination import Page, PageParamsDep, make_page, page_of
from identity.deps import UnitAccountsDep
from identity.imports.schemas import DRY_RUN_HELP, MODE_HELP, ImportMode, ImportReport
from identity.imports.template import XLSX_MEDIA_TYPE, build_template
from identity.imports.upload import IMPORT_FILE_BODY, TOO_LARGE_RESPONSE, ImportLimitsDep, read_upload
from identity.units import service
from identity.units.schemas import (
    EducationLevel,
    UnitChangeRead,
    UnitCodeRead,
    UnitCreate,
    UnitMerge,
    UnitMove,
    UnitRead,
    UnitRef,
    UnitRelationRead,
    UnitSummary,
    UnitType,
    UnitUpdate,
)
from identity.units.service import changes as unit_changes
from identity.units.service import importer, views

router = APIRouter(prefix="/units", tags=["units"], responses=PROBLEM_RESPONSES)


@router.get("", response_model=Page[UnitRead])
async def list_units(
    session: SessionDep,
    principal: CurrentPrincipal,
    page: PageParamsDep,
    q: Annotated[str | None, Query(max_length=200, description="Tìm theo tên hoặc mã, không phân biệt dấu")] = None,
    type: Annotated[list[UnitType] | None, Query(description="Loại đơn vị (lặp lại để chọn nhiều)")] = None,
    education_level: Annotated[list[EducationLevel] | None,
                               Query(description="Cấp học: đơn vị có ít nhất một cấp trong danh sách")] = None,
    root_id: Annotated[uuid.UUID | None, Query(description="Chỉ trong cây con của đơn vị này")] = None,
    ids: Annotated[list[uuid.UUID] | None, Query(description="Chỉ các đơn vị có id này")] = None,
    commune_id: Annotated[uuid.UUID | None, Query(description="Chỉ các trường do UBND xã/phường này quản lý")] = None,
    cluster_id: Annotated[uuid.UUID | None, Query(description="Chỉ các trường trong cụm trường này")] = None,
    code: Annotated[str | None, Query(max_length=40, description="Mã hiện tại hoặc mã cũ")] = None,
    include_inactive: bool = False,
) -> Page[UnitRead]:
    """Units in the caller's subtree (or in `root_id`'s, which must be in it), searched and filtered.

    The search ignores Vietnamese diacritics and case: `truong hoa binh` finds "Trường … Hòa Bình".
    A commune's officials list the schools it owns with `commune_id=<their unit>` (read only).
    """
    items, total = await service.list_units(
        session, principal, page, root_id=root_id, query=q, unit_types=[t.value for t in type or []],
        education_levels=[lvl.value for lvl in education_level or []], ids=ids, commune_id=commune_id,
        cluster_id=cluster_id, code=code, include_inactive=include_inactive,
    )
    return make_page(UnitRead, await views.read_units(session, items), total, page)


@router.get("/lookup", response_model=UnitRead)
async def lookup_unit(session: SessionDep, principal: CurrentPrincipal,
                      code: Annotated[str, Query(min_length=1, max_length=40,
                                                 description="Mã hiện tại hoặc mã cũ")]) -> UnitRead:
    """The unit whose current or former code is `code` (codes are never reused), in the caller's scope."""
    return await views.read_unit(session, await service.lookup(session, principal, code))


@router.post("", response_model=UnitRead, status_code=status.HTTP_201_CREATED)
async def create_unit(body: UnitCreate, session: SessionDep, principal: CurrentPrincipal) -> UnitRead:
    """Create a unit under a parent in the caller's subtree (authority admins)."""
    return await views.read_unit(session, await unit_changes.create_unit(session, principal, body))


@router.get("/{unit_id}", response_model=UnitRead)
async def get_unit(unit_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal) -> UnitRead:
    """One unit in the caller's subtree; 404 for any other."""
    return await views.read_unit(session, await service.get_visible(session, principal, unit_id))


@router.patch("/{unit_id}", response_model=UnitRead)
async def update_unit(unit_id: uuid.UUID, body: UnitUpdate, session: SessionDep,
                      principal: CurrentPrincipal) -> UnitRead:
    """Rename a unit or change its type, levels and contacts. Recorded in the unit's history."""
    return await views.read_unit(session, await unit_changes.update_unit(session, principal, unit_id, body))


@router.post("/{unit_id}/move", response_model=UnitRead)
async def move_unit(unit_id: uuid.UUID, body: UnitMove, session: SessionDep, principal: CurrentPrincipal) -> UnitRead:
    """Move a unit, with everything below it, under another parent. History follows the unit."""
    return await views.read_unit(session, await unit_changes.move_unit(session, principal, unit_id, body.new_parent_id))


@router.post("/{unit_id}/merge", response_model=UnitRead)
async def merge_unit(unit_id: uuid.UUID, body: UnitMerge, session: SessionDep,
                     principal: CurrentPrincipal, accounts: UnitAccountsDep) -> UnitRead:
    """Merge this unit into another: its sub-units and accounts move over; it stays, inactive, as history.

    Returns the receiving unit.
    """
    return await views.read_unit(session, await unit_changes.merge_units(session, principal, unit_id, body.into_unit_id,
                                                                      accounts=accounts))


@router.post("/{unit_id}/deactivate", response_model=UnitRead)
async def deactivate_unit(unit_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal,
                          accounts: UnitAccountsDep) -> UnitRead:
    """Stop a unit (units are never deleted). It must have no active sub-units; its accounts can no longer sign in."""
    return await views.read_unit(session, await unit_changes.set_active(session, principal, unit_id, active=False,
                                                                    accounts=accounts))


@router.post("/{unit_id}/reactivate", response_model=UnitRead)
async def reactivate_unit(unit_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal,
                          accounts: UnitAccountsDep) -> UnitRead:
    """Bring a deactivated unit back."""
    return await views.read_unit(session, await unit_changes.set_active(session, principal, unit_id, active=True,
                                                                    accounts=accounts))


AS_OF_HELP = ("Cây đơn vị như vào ngày này (quan hệ có hiệu lực ngày đó; đường dẫn, đơn vị cha và UBND xã/phường "
              "khi đó). Ngày trong quá khứ: liệt kê mọi đơn vị tồn tại khi đó, kể cả đơn vị nay đã ngừng.")
AsOf = Annotated[date | None, Query(description=AS_OF_HELP)]


@router.get("/{unit_id}/children", response_model=Page[UnitRead])
async def list_children(unit_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal, page: PageParamsDep,
                        include_inactive: bool = False, as_of: AsOf = None) -> Page[UnitRead]:
    """Direct sub-units (on `as_of`, those of that day)."""
    if as_of is not None:
        rows, total, communes = await service.list_as_of(session, principal, unit_id, as_of, page, children_only=True,
                                                         include_inactive=include_inactive)
        return make_page(UnitRead, await views.read_units(session, rows, communes), total, page)
    items, total = await service.list_children(session, principal, unit_id, page, include_inactive=include_inactive)
    return make_page(UnitRead, await views.read_units(session, items), total, page)


@router.get("/{unit_id}/subtree", response_model=Page[UnitRead])
async def list_subtree(
    unit_id: uuid.UUID,
    session: SessionDep,
    principal: CurrentPrincipal,
    page: PageParamsDep,
    type: Annotated[list[UnitType] | None, Query(description="Loại đơn vị (lặp lại để chọn nhiều)")] = None,
    education_level: Annotated[list[EducationLevel] | None,
                               Query(description="Cấp học: đơn vị có ít nhất một cấp trong danh sách")] = None,
    commune_id: Annotated[uuid.UUID | None, Query(description="Chỉ các trường do UBND xã/phường này quản lý")] = None,
    cluster_id: Annotated[uuid.UUID | None, Query(description="Chỉ các trường trong cụm trường này")] = None,
    include_inactive: bool = False,
    as_of: AsOf = None,
) -> Page[UnitRead]:
    """The unit and everything below it, at any depth, ordered by depth then name (on `as_of`: as it stood then;
    the commune and cluster filters apply to today's tree only)."""
    types = [t.value for t in type or []]
    levels = [lvl.value for lvl in education_level or []]
    if as_of is not None:
        rows, total, communes = await service.list_as_of(session, principal, unit_id, as_of, page,
                                                         children_only=False, include_inactive=include_inactive,
                                                         unit_types=types, education_levels=levels)
        return make_page(UnitRead, await views.read_units(session, rows, communes), total, page)
    items, total = await service.list_units(session, principal, page, root_id=unit_id, unit_types=types,
                                            education_levels=levels, commune_id=commune_id, cluster_id=cluster_id,
                                            include_inactive=include_inactive)
    return make_page(UnitRead, await views.read_units(session, items), total, page)


@router.get("/{unit_id}/relations", response_model=Page[UnitRelationRead])
async def list_unit_relations(unit_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal,
                              page: PageParamsDep) -> Page[UnitRelationRead]:
    """The unit's dated relations: its professional parents and its communes, with their validity."""
    reads = []
    for relation, related in await service.list_relations(session, principal, unit_id):
        read = UnitRelationRead.model_validate(relation)
        read.related_unit = UnitRef(id=related.id, code=related.code, name=related.name) if related else None
        reads.append(read)
    return page_of(UnitRelationRead, reads, page)


@router.get("/{unit_id}/codes", response_model=Page[UnitCodeRead])
async def list_unit_codes(unit_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal,
                          page: PageParamsDep) -> Page[UnitCodeRead]:
    """Every code the unit has had, oldest first: the current one and the former ones (still found by lookup)."""
    return page_of(UnitCodeRead, await service.list_codes(session, principal, unit_id), page)


@router.get("/{unit_id}/ancestors", response_model=Page[UnitSummary])
async def list_ancestors(unit_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal,
                         page: PageParamsDep) -> Page[UnitSummary]:
    """The chain of managing units from the root down to the unit's parent (a few units: one page)."""
    return page_of(UnitSummary, await service.list_ancestors(session, principal, unit_id), page)


@router.get("/{unit_id}/history", response_model=Page[UnitChangeRead])
async def get_unit_history(unit_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal,
                           page: PageParamsDep) -> Page[UnitChangeRead]:
    """Changes to the unit and to units merged into it, newest first."""
    items, total = await service.unit_history(session, principal, unit_id, page)
    return make_page(UnitChangeRead, items, total, page)


PARENT_ID_HELP = "Đơn vị quản lý mặc định cho các dòng để trống cột đơn vị quản lý"


@router.get("/import/template", response_class=Response, dependencies=[require_roles(Role.AUTHORITY_ADMIN)],
            responses={200: {"content": {XLSX_MEDIA_TYPE: {}}}})
async def get_unit_import_template() -> Response:
    """An empty XLSX to fill for `POST /units/import`: the first sheet's header is exactly the columns the import
    reads (required ones highlighted), the second sheet says how to fill each column and which other column
    names are accepted."""
    body = await run_in_threadpool(build_template, importer.COLUMNS, title="Mẫu nhập danh sách đơn vị")
    return Response(body, media_type=XLSX_MEDIA_TYPE,
                    headers={"Content-Disposition": content_disposition("Mẫu nhập đơn vị.xlsx")})


@router.post("/import", response_model=ImportReport, responses=TOO_LARGE_RESPONSE,
             dependencies=[require_roles(Role.AUTHORITY_ADMIN)], openapi_extra=IMPORT_FILE_BODY)
async def import_units(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    limits: ImportLimitsDep,
    parent_id: Annotated[uuid.UUID | None, Query(description=PARENT_ID_HELP)] = None,
    mode: Annotated[ImportMode, Query(description=MODE_HELP)] = ImportMode.ALL_OR_NOTHING,
    dry_run: Annotated[bool, Query(description=DRY_RUN_HELP)] = False,
) -> ImportReport:
    """Create or update units from a spreadsheet (authority admins, inside their subtree).

    The header row must be within the first 10 rows of the first sheet; column names ignore diacritics,
    case and punctuation. Columns (other names accepted in brackets):

    - **Mã đơn vị** (Mã trường, Mã): required; letters without diacritics, digits, `.` `_` `-`.
    - **Tên đơn vị** (Tên trường, Tên): required.
    - **Loại đơn vị** (Loại): Trường, Trung tâm, Phòng GDĐT, Sở GDĐT, Bộ GDĐT, or `school`, `center`,
      `district_office`, `department`, `ministry`. Blank: school (or the stored type).
    - **Cấp học**: Mầm non, Tiểu học, THCS, THPT, GDTX, or combined: `TH&THCS`, `THCS, THPT`,
      `TH, THCS và THPT`, `Liên cấp TH-THCS`. Required for schools and centres, none for authorities.
    - **Đơn vị quản lý (mã)** (Đơn vị quản lý, Mã đơn vị quản lý, Đơn vị cấp trên, Trực thuộc): the managing
      unit's **code**, an existing unit in your subtree or another row of the same file, in any order. Blank:
      `parent_id`. A header's bracketed qualifier is ignored: "Mã trường (*)" is "Mã trường".
    - **Địa chỉ**; **E-mail đầu mối** (E-mail, Thư điện tử); **Điện thoại** (Số điện thoại, SĐT: digits,
      spaces, `+ . - ( )`).

    Rows are matched to existing units by code. A row equal to the stored unit is `unchanged` and writes
    nothing; a different one updates the unit, and moves it when its managing unit differs. A blank optional
    cell keeps the stored value. Every row is checked before anything is written; errors name the row as
    Excel numbers it (header = row 1) in `row`, the column as the file writes it in `column`, and a message
    that repeats neither. In `all_or_nothing` mode any invalid row gives 422 `import_rejected`
    listing every bad row, and nothing is written. Changes are recorded in each unit's history.
    """
    sheet = await read_upload(request, importer.COLUMNS, limits)
    return await importer.import_units(session, principal, sheet, default_parent_id=parent_id, mode=mode,
                                       dry_run=dry_run)
