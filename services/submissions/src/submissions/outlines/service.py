from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, or_, select

from edudx_common.auth import Principal, Role
from edudx_common.db import utcnow
from submissions.errors import NotAllowed, OutlineNotFound
from submissions.outlines.models import Outline
from submissions.outlines.schemas import OutlineCreate
from submissions.outlines.seed import SEED_004_DEFINITION, SEED_004_NAME


async def list_outlines(session: AsyncSession, principal: Principal) -> list[Outline]:
    """The shared templates and the caller's unit's own outlines."""
    stmt = select(Outline).order_by(col(Outline.name))
    if not principal.is_system_admin:
        stmt = stmt.where(or_(col(Outline.owner_unit_id).is_(None), Outline.owner_unit_id == principal.unit_id))
    return list((await session.execute(stmt)).scalars())


async def get_visible(session: AsyncSession, principal: Principal, outline_id: uuid.UUID) -> Outline:
    outline = await session.get(Outline, outline_id)
    visible = outline is not None and (
        outline.owner_unit_id is None or principal.is_system_admin or principal.is_service
        or outline.owner_unit_id == principal.unit_id)
    if not visible:
        raise OutlineNotFound()
    assert outline is not None
    return outline


def _ensure_author(principal: Principal) -> None:
    if not (principal.is_system_admin or principal.has_any(Role.AUTHORITY_ADMIN)):
        raise NotAllowed("Chỉ quản trị viên của đơn vị quản lý mới soạn được đề cương.")


async def create_outline(session: AsyncSession, principal: Principal, data: OutlineCreate) -> Outline:
    _ensure_author(principal)
    outline = Outline(owner_unit_id=principal.unit_id, name=data.name,
                      definition=data.definition.model_dump(mode="json", exclude_none=True),
                      created_by=principal.subject)
    session.add(outline)
    await session.flush()
    return outline


async def update_outline(session: AsyncSession, principal: Principal, outline_id: uuid.UUID,
                         data: OutlineCreate) -> Outline:
    _ensure_author(principal)
    outline = await get_visible(session, principal, outline_id)
    if outline.owner_unit_id is None and not principal.is_system_admin:
        raise NotAllowed("Mẫu dùng chung chỉ quản trị hệ thống sửa được; hãy tạo bản của đơn vị mình.")
    outline.name = data.name
    outline.definition = data.definition.model_dump(mode="json", exclude_none=True)
    outline.updated_at = utcnow()
    await session.flush()
    return outline


async def seed_templates(session: AsyncSession) -> Outline:
    """The seed-004 year-end outline as a shared template (idempotent)."""
    result = await session.execute(select(Outline).where(col(Outline.owner_unit_id).is_(None),
                                                         Outline.name == SEED_004_NAME))
    existing = result.scalar_one_or_none()
    if existing is not None:
        return existing
    outline = Outline(owner_unit_id=None, name=SEED_004_NAME, definition=SEED_004_DEFINITION, created_by="system:seed")
    session.add(outline)
    await session.flush()
    return outline
