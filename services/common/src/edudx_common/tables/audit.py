"""The audit trail: who changed what, when, for which unit, in which request — append-only.

`record(session, …)` adds one row in the SAME transaction as the change it describes, so there is no change
without its record and no record without its change (a request that fails rolls both back). Each service
keeps its own `audit_log` table (list `AuditRecord` in its `models.__all__`); its migration adds triggers
that reject UPDATE and DELETE (`append_only_statements`), and no code path offers either.

Personal data is minimised (Nghị định 13/2023/NĐ-CP): the actor is an id, its roles and its unit, never an
e-mail or a name; `changes` keeps only fields that changed, and never passwords, tokens or hashes.

Scope: each record keeps the materialised path of the unit acted upon ("/<root hex>/…/<unit hex>/", the form
identity and submissions use), so "the subtree of unit X" is a substring test, and the record keeps where the
unit stood when the change happened even if the unit moves later.

`audit_router()` is the same read API in every service: `GET /api/<svc>/audit` and
`GET /api/<svc>/audit/export.csv`, for system admins (everything) and authority admins (their subtree).
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict
from pydantic import Field as PydanticField
from pydantic_core import to_jsonable_python
from sqlalchemy import JSON, Column, Index, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Field, SQLModel, col

from edudx_common.auth import Principal, Role, require_roles
from edudx_common.db import SessionDep, UTCDateTime, new_id, utcnow
from edudx_common.downloads import content_disposition
from edudx_common.errors import PROBLEM_RESPONSES
from edudx_common.logging import get_request_id
from edudx_common.pagination import Page, PageParamsDep, make_page
from edudx_common.scope import UnitTree
from edudx_common.vocabulary import ActorKind

TABLE = "audit_log"
# Field names whose values never enter the trail, even when they change.
_SECRET_MARKERS = ("password", "token", "secret", "hash")
EXPORT_MAX_ROWS = 50_000


class AuditRecord(SQLModel, table=True):
    """One state change. Rows are only ever inserted."""

    __tablename__ = TABLE
    __table_args__ = (
        Index("ix_audit_log_occurred_at", "occurred_at"),
        Index("ix_audit_log_action_occurred_at", "action", "occurred_at"),
        Index("ix_audit_log_actor_id", "actor_id"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    occurred_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    request_id: str | None = Field(default=None, max_length=64)
    action: str = Field(max_length=60)  # "<target>.<verb>": campaign.published, auth.login_failed
    actor_kind: str = Field(max_length=10)  # user | service | anonymous
    actor_id: uuid.UUID | None = None
    actor_roles: str = Field(default="", max_length=200)  # comma-separated role codes
    actor_unit_id: uuid.UUID | None = None
    unit_id: uuid.UUID | None = None
    unit_path: str | None = Field(default=None, max_length=2000)
    target_type: str = Field(max_length=40)
    target_id: str | None = Field(default=None, max_length=100)
    changes: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))


def append_only_statements(dialect: str) -> list[str]:
    """SQL for the migration: triggers that make `audit_log` reject UPDATE and DELETE on this dialect."""
    if dialect == "postgresql":
        return [
            "CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP; END $$",
            f"CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON {TABLE} "
            "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
            # TRUNCATE does not fire row triggers.
            f"CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON {TABLE} "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()",
        ]
    if dialect == "sqlite":
        return [
            f"CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON {TABLE} "
            "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE refused'); END",
            f"CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON {TABLE} "
            "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: DELETE refused'); END",
        ]
    return []


def drop_append_only_statements(dialect: str) -> list[str]:
    if dialect == "postgresql":
        return [f"DROP TRIGGER IF EXISTS audit_log_no_truncate ON {TABLE}",
                f"DROP TRIGGER IF EXISTS audit_log_append_only ON {TABLE}",
                "DROP FUNCTION IF EXISTS audit_log_append_only()"]
    if dialect == "sqlite":
        return ["DROP TRIGGER IF EXISTS audit_log_no_update", "DROP TRIGGER IF EXISTS audit_log_no_delete"]
    return []


@dataclass(frozen=True)
class Actor:
    """Who acted, reduced to what the trail needs."""

    kind: str
    user_id: uuid.UUID | None = None
    roles: tuple[str, ...] = ()
    unit_id: uuid.UUID | None = None

    @classmethod
    def of(cls, principal: Principal | None) -> Actor:
        if principal is None:
            return ANONYMOUS
        return cls(kind=principal.kind, user_id=principal.user_id, roles=tuple(sorted(principal.roles)),
                   unit_id=principal.unit_id)


ANONYMOUS = Actor(kind="anonymous")


def is_secret_field(name: str) -> bool:
    lowered = name.lower()
    return any(marker in lowered for marker in _SECRET_MARKERS)


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        value = value.value
    return to_jsonable_python(value, fallback=str)


def changed_fields(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> dict[str, Any]:
    """{field: {"before": old, "after": new}} for fields that differ; secrets dropped, values JSON-ready."""
    before = before or {}
    after = after or {}
    changes: dict[str, Any] = {}
    for name in sorted(set(before) | set(after)):
        if is_secret_field(name):
            continue
        old, new = _plain(before.get(name)), _plain(after.get(name))
        if old != new:
            changes[name] = {"before": old, "after": new}
    return changes


def snapshot(obj: Any, fields: Iterable[str]) -> dict[str, Any]:
    """The named attributes of a row, taken before a change to compare with after it."""
    return {name: getattr(obj, name) for name in fields}


def unit_path_from(ancestor_ids: Sequence[uuid.UUID], unit_id: uuid.UUID) -> str:
    return "/" + "".join(f"{u.hex}/" for u in (*ancestor_ids, unit_id))


async def unit_path_via(tree: UnitTree, unit_id: uuid.UUID) -> str:
    """The path of a unit this service keeps no path for, from identity's (cached) ancestors."""
    return unit_path_from(await tree.ancestor_ids(unit_id) or [], unit_id)


def record(
    session: AsyncSession,
    *,
    action: str,
    actor: Actor | Principal | None,
    target_type: str,
    target_id: uuid.UUID | str | None = None,
    unit_id: uuid.UUID | None = None,
    unit_path: str | None = None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    changes: Mapping[str, Any] | None = None,
) -> AuditRecord:
    """Add one audit record to the caller's transaction (written by its next flush, committed with the change).

    Pass `before`/`after` snapshots (only changed fields are kept) or ready `changes` (e.g. counts of an
    import); secret-looking fields are dropped from both.
    """
    who = actor if isinstance(actor, Actor) else Actor.of(actor)
    if unit_path is None and unit_id is not None:
        unit_path = f"/{unit_id.hex}/"
    diff = changed_fields(before, after) if before is not None or after is not None else {}
    if changes:
        diff.update({k: _plain(v) for k, v in changes.items() if not is_secret_field(k)})
    entry = AuditRecord(
        request_id=get_request_id(), action=action, actor_kind=who.kind, actor_id=who.user_id,
        actor_roles=",".join(who.roles), actor_unit_id=who.unit_id, unit_id=unit_id, unit_path=unit_path,
        target_type=target_type, target_id=str(target_id) if target_id is not None else None,
        changes=diff or None,
    )
    session.add(entry)
    return entry


# --- reading the trail -------------------------------------------------------------------------------------


class AuditRecordRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    occurred_at: datetime
    request_id: str | None
    action: str
    actor_kind: ActorKind
    actor_id: uuid.UUID | None
    actor_roles: list[Role]
    actor_unit_id: uuid.UUID | None
    unit_id: uuid.UUID | None
    target_type: str
    target_id: str | None
    changes: dict[str, Any] | None = PydanticField(
        description="Trường đã thay đổi: {tên: {before, after}}, hoặc số liệu của thao tác (nhập tệp…)")

    @classmethod
    def of(cls, row: AuditRecord) -> AuditRecordRead:
        data = row.model_dump()
        data["actor_roles"] = [r for r in row.actor_roles.split(",") if r]
        return cls.model_validate(data)


class AuditFilter(BaseModel):
    occurred_from: datetime | None = None
    occurred_to: datetime | None = None
    actions: list[str] = []
    unit_id: uuid.UUID | None = None
    actor_id: uuid.UUID | None = None
    target_type: str | None = None
    target_id: str | None = None


async def _audit_filter(
    occurred_from: Annotated[datetime | None, Query(description="Từ thời điểm (kể cả), ISO 8601")] = None,
    occurred_to: Annotated[datetime | None, Query(description="Đến trước thời điểm, ISO 8601")] = None,
    action: Annotated[list[str] | None, Query(max_length=60, description="Một hoặc nhiều mã thao tác")] = None,
    unit_id: Annotated[uuid.UUID | None, Query(description="Chỉ đơn vị này và các đơn vị trực thuộc")] = None,
    actor_id: Annotated[uuid.UUID | None, Query(description="Người thực hiện")] = None,
    target_type: Annotated[str | None, Query(max_length=40)] = None,
    target_id: Annotated[str | None, Query(max_length=100)] = None,
) -> AuditFilter:
    return AuditFilter(occurred_from=occurred_from, occurred_to=occurred_to, actions=action or [], unit_id=unit_id,
                       actor_id=actor_id, target_type=target_type, target_id=target_id)


AuditFilterDep = Annotated[AuditFilter, Depends(_audit_filter)]


def _conditions(principal: Principal, query: AuditFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if not principal.is_system_admin:
        # Authority admins: records about their unit or below. A record with no unit (a failed login of an
        # unknown e-mail) is for system admins only.
        if principal.unit_id is None:
            return [col(AuditRecord.id).is_(None)]
        conditions.append(col(AuditRecord.unit_path).like(f"%/{principal.unit_id.hex}/%"))
    if query.unit_id is not None:
        conditions.append(col(AuditRecord.unit_path).like(f"%/{query.unit_id.hex}/%"))
    if query.occurred_from is not None:
        conditions.append(col(AuditRecord.occurred_at) >= query.occurred_from)
    if query.occurred_to is not None:
        conditions.append(col(AuditRecord.occurred_at) < query.occurred_to)
    if query.actions:
        conditions.append(col(AuditRecord.action).in_(query.actions))
    if query.actor_id is not None:
        conditions.append(col(AuditRecord.actor_id) == query.actor_id)
    if query.target_type is not None:
        conditions.append(col(AuditRecord.target_type) == query.target_type)
    if query.target_id is not None:
        conditions.append(col(AuditRecord.target_id) == query.target_id)
    return conditions


async def search(session: AsyncSession, principal: Principal, query: AuditFilter, *, limit: int,
                 offset: int = 0) -> tuple[Sequence[AuditRecord], int]:
    """Newest first, within what the caller may see."""
    conditions = _conditions(principal, query)
    total = (await session.execute(select(func.count()).select_from(AuditRecord).where(*conditions))).scalar_one()
    rows = (await session.execute(
        select(AuditRecord).where(*conditions)
        .order_by(col(AuditRecord.occurred_at).desc(), col(AuditRecord.id).desc()).limit(limit).offset(offset)
    )).scalars().all()
    return rows, total


EXPORT_HEADERS = ("Mã bản ghi", "Thời điểm (UTC)", "Mã yêu cầu", "Thao tác", "Loại người thực hiện",
                  "Mã người thực hiện", "Vai trò", "Đơn vị người thực hiện", "Đơn vị liên quan", "Loại đối tượng",
                  "Mã đối tượng", "Thay đổi")


def export_csv(rows: Iterable[AuditRecord]) -> bytes:
    """CSV with Vietnamese headers; UTF-8 with a BOM so Excel reads the accents."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(EXPORT_HEADERS)
    for row in rows:
        read = AuditRecordRead.of(row)
        writer.writerow([
            read.id, read.occurred_at.isoformat(), read.request_id or "", read.action, read.actor_kind,
            read.actor_id or "",
            " ".join(read.actor_roles), read.actor_unit_id or "", read.unit_id or "", read.target_type,
            read.target_id or "", _json_text(read.changes),
        ])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _json_text(value: Any) -> str:
    if not value:
        return ""
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


AuditReader = require_roles(Role.AUTHORITY_ADMIN)


def audit_router(service: str) -> APIRouter:
    """`GET /audit` and `GET /audit/export.csv` for one service (mounted under its `/api/<service>` prefix)."""
    router = APIRouter(prefix="/audit", tags=["audit"], responses=PROBLEM_RESPONSES)

    @router.get("", response_model=Page[AuditRecordRead])
    async def list_audit_records(session: SessionDep, page: PageParamsDep, query: AuditFilterDep,
                                 principal: Annotated[Principal, AuditReader]) -> Page[AuditRecordRead]:
        """The audit trail of this service, newest first. System admins see every record; authority admins
        the records about their unit and the units below it. Filters combine (AND); `action` repeats."""
        rows, total = await search(session, principal, query, limit=page.limit, offset=page.offset)
        return make_page(AuditRecordRead, [AuditRecordRead.of(r) for r in rows], total, page)

    @router.get("/export.csv", response_class=Response,
                responses={200: {"content": {"text/csv": {}}, "description": "Nhật ký, tệp CSV"}})
    async def export_audit_records(session: SessionDep, query: AuditFilterDep,
                                   principal: Annotated[Principal, AuditReader]) -> Response:
        """The same records as the list with the same filters, all pages (at most 50,000), as CSV with
        Vietnamese headers."""
        rows, _total = await search(session, principal, query, limit=EXPORT_MAX_ROWS)
        name = f"nhat-ky-{service}-{utcnow():%Y%m%d-%H%M}.csv"
        return Response(export_csv(rows), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": content_disposition(name)})

    return router
