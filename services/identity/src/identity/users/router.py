from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status
from fastapi.concurrency import run_in_threadpool

from edudx_common.auth import CurrentPrincipal, Role, require_roles
from edudx_common.db import SessionDep
from edudx_common.downloads import content_disposition
from edudx_common.errors import PROBLEM_RESPONSES
from edudx_common.pagination import Page, PageParamsDep
from identity.deps import AccountSessionsDep, CurrentAccount, InvitationsDep
from identity.imports.schemas import DRY_RUN_HELP, MODE_HELP, ImportMode, ImportReport
from identity.imports.template import XLSX_MEDIA_TYPE, build_template
from identity.imports.upload import IMPORT_FILE_BODY, TOO_LARGE_RESPONSE, ImportLimitsDep, read_upload
from identity.users import service
from identity.users.schemas import MeRead, ProfileUpdate, UserCreate, UserRead, UserUpdate
from identity.users.service import importer

router = APIRouter(tags=["users"], responses=PROBLEM_RESPONSES)


@router.get("/users", response_model=Page[UserRead])
async def list_users(
    session: SessionDep,
    principal: CurrentPrincipal,
    page: PageParamsDep,
    unit_id: uuid.UUID | None = None,
    unit_ids: Annotated[list[uuid.UUID] | None, Query(
        max_length=100, description="Chỉ tài khoản của các đơn vị này (lặp lại, tối đa 100): người nhận của nhiều "
                                    "đơn vị trong một lần gọi")] = None,
    q: Annotated[str | None, Query(max_length=200, description="Tìm theo họ tên hoặc e-mail, bỏ qua dấu")] = None,
    role: Annotated[list[Role] | None, Query(
        description="Có một trong các vai trò này (lặp lại để chọn nhiều)")] = None,
    include_inactive: bool = False,
) -> Page[UserRead]:
    """Accounts the caller may see: the subtree for authority admins and reviewers, otherwise the own unit.

    Ordered by name then e-mail. `unit_ids` outside the caller's subtree simply match nothing."""
    items, total = await service.list_users(session, principal, page, unit_id=unit_id, unit_ids=unit_ids, query=q,
                                            roles=[r.value for r in role or []], include_inactive=include_inactive)
    return Page[UserRead](items=await service.to_read(session, items), total=total, limit=page.limit,
                          offset=page.offset)


@router.post("/users", response_model=UserRead, status_code=status.HTTP_201_CREATED)
async def create_user(body: UserCreate, session: SessionDep, principal: CurrentPrincipal,
                      invitations: InvitationsDep) -> UserRead:
    """Create an account in a unit of the caller's subtree. The user sets a password from the invitation e-mail."""
    user = await service.create_user(session, principal, body)
    if body.send_invite:
        await invitations.invite(session, user)
    return (await service.to_read(session, [user]))[0]


@router.get("/users/{user_id}", response_model=UserRead)
async def get_user(user_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal) -> UserRead:
    """One account the caller may see; 404 otherwise."""
    return (await service.to_read(session, [await service.get_visible(session, principal, user_id)]))[0]


@router.patch("/users/{user_id}", response_model=UserRead)
async def update_user(user_id: uuid.UUID, body: UserUpdate, session: SessionDep,
                      principal: CurrentPrincipal, sessions: AccountSessionsDep) -> UserRead:
    """Change an account's name, phone, unit, roles or active flag (authority admins, within their subtree)."""
    user = await service.update_user(session, principal, user_id, body, sessions=sessions)
    return (await service.to_read(session, [user]))[0]


@router.get("/me", response_model=MeRead, tags=["me"])
async def get_me(session: SessionDep, account: CurrentAccount) -> MeRead:
    """The signed-in user, with their unit."""
    return await _me(session, account)


@router.patch("/me", response_model=MeRead, tags=["me"])
async def update_me(body: ProfileUpdate, session: SessionDep, account: CurrentAccount) -> MeRead:
    """Change one's own name or phone."""
    return await _me(session, await service.update_profile(session, account, body))


async def _me(session: SessionDep, account: CurrentAccount) -> MeRead:
    return await service.me(session, account)


@router.get("/users/import/template", response_class=Response, dependencies=[require_roles(Role.AUTHORITY_ADMIN)],
            responses={200: {"content": {XLSX_MEDIA_TYPE: {}}}})
async def get_user_import_template() -> Response:
    """An empty XLSX to fill for `POST /users/import`: the first sheet's header is exactly the columns the import
    reads (required ones highlighted), the second sheet says how to fill each column and which other column
    names are accepted."""
    body = await run_in_threadpool(build_template, importer.COLUMNS, title="Mẫu nhập danh sách tài khoản")
    return Response(body, media_type=XLSX_MEDIA_TYPE,
                    headers={"Content-Disposition": content_disposition("Mẫu nhập tài khoản.xlsx")})


@router.post("/users/import", response_model=ImportReport, responses=TOO_LARGE_RESPONSE,
             dependencies=[require_roles(Role.AUTHORITY_ADMIN)], openapi_extra=IMPORT_FILE_BODY)
async def import_users(
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    limits: ImportLimitsDep,
    invitations: InvitationsDep,
    mode: Annotated[ImportMode, Query(description=MODE_HELP)] = ImportMode.ALL_OR_NOTHING,
    dry_run: Annotated[bool, Query(description=DRY_RUN_HELP)] = False,
    send_invites: Annotated[bool, Query(description="Gửi e-mail mời đặt mật khẩu cho tài khoản mới")] = True,
) -> ImportReport:
    """Create or update accounts from a spreadsheet (authority admins, in units of their subtree).

    The header row must be within the first 10 rows of the first sheet; column names ignore diacritics,
    case and punctuation. Columns (other names accepted in brackets):

    - **E-mail** (Thư điện tử): required; the login, matched case-insensitively to existing accounts.
    - **Họ và tên** (Họ tên): required.
    - **Điện thoại** (Số điện thoại, SĐT).
    - **Mã đơn vị** (Mã trường): required; an active unit in your subtree.
    - **Vai trò**: one or more, separated by `,` or `;`: Hiệu trưởng (`principal`), Cán bộ CNTT / Phụ trách
      CNTT / Đầu mối CNTT / Viên chức CNTT (`school_it_officer`), Chuyên viên / Thẩm định (`reviewer`),
      Quản trị / Quản trị đơn vị (`authority_admin`), Người xem (`viewer`). School roles need a school or
      centre, authority roles a Sở/Phòng/Bộ. Required for new accounts; blank keeps an account's roles.

    New accounts have no password: with `send_invites` each gets an invitation e-mail, sent once the import
    is committed. Existing accounts in your subtree are updated when the row differs (never invited again);
    an e-mail already used by an account outside your subtree is an error. Every row is checked before
    anything is written; errors name the row as Excel numbers it (header = row 1). In `all_or_nothing` mode
    any invalid row gives 422 `import_rejected` listing every bad row, and nothing is written.
    """
    sheet = await read_upload(request, importer.COLUMNS, limits)
    report, created = await importer.import_users(session, principal, sheet, mode=mode, dry_run=dry_run)
    if send_invites:
        for user in created:
            await invitations.invite(session, user)
    return report
