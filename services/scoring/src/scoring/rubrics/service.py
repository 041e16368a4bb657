"""Rubric rules: who may maintain which rubric, what makes a definition acceptable, versions, templates."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from decimal import Decimal
from importlib import resources

import anyio
from sqlalchemy.ext.asyncio import AsyncSession

from edudx_common.auth import Principal, Role
from edudx_common.scope import UnitTree, is_in_scope
from edudx_common.tables import audit
from scoring.errors import NotAllowed, RubricFileInvalid, RubricInvalid, RubricNotFound
from scoring.rubrics import exchange, presets, repository
from scoring.rubrics.definition import RubricDefinition, dec, problems
from scoring.rubrics.models import Rubric
from scoring.rubrics.schemas import CampaignPreset, RubricRead

# The rubrics every installation starts with (file in rubrics/templates/ → stable key).
TEMPLATES = {"seed-004-cntt": "seed_004_cntt.json", "qd-4725-reference": "qd_4725_reference.json"}
_CACHE_LIMIT = 256
_definitions: dict[uuid.UUID, RubricDefinition] = {}


def checked(definition: RubricDefinition) -> RubricDefinition:
    """The definition if it can be used; otherwise 422 listing every problem, the first one in `detail`."""
    found = problems(definition)
    if found:
        raise RubricInvalid(f"Bộ tiêu chí không hợp lệ: {found[0].message}", errors=found)
    return definition


def definition_of(rubric: Rubric) -> RubricDefinition:
    """The parsed definition; versions never change, so a parsed one is kept (a few hundred at most)."""
    cached = _definitions.get(rubric.id)
    if cached is None:
        if len(_definitions) >= _CACHE_LIMIT:
            _definitions.clear()
        cached = _definitions[rubric.id] = RubricDefinition.model_validate(rubric.definition)
    return cached


def to_read(rubric: Rubric, *, latest_version: int) -> RubricRead:
    definition = definition_of(rubric)
    total = sum((dec(g.max_points) for g in definition.groups), Decimal(0))
    return RubricRead.model_validate({
        **{name: getattr(rubric, name) for name in ("id", "family_id", "version", "title", "mode", "owner_unit_id",
                                                    "is_template", "created_by_name", "created_at")},
        "definition": definition, "criteria_count": len(definition.criteria()), "max_total": float(total),
        "is_latest": rubric.version == latest_version})


def _ensure_maintainer(principal: Principal, owner_unit_id: uuid.UUID | None) -> None:
    if principal.is_system_admin:
        return
    if not principal.has_any(Role.AUTHORITY_ADMIN) or principal.unit_id is None:
        raise NotAllowed("Chỉ quản trị của cơ quan quản lý (Sở GDĐT) được soạn bộ tiêu chí.")
    if owner_unit_id is not None and owner_unit_id != principal.unit_id:
        raise NotAllowed("Chỉ đơn vị sở hữu bộ tiêu chí được tạo phiên bản mới; hãy tạo bộ tiêu chí của đơn vị "
                         "mình từ tệp xuất của bộ này.")
    if owner_unit_id is None:
        raise NotAllowed("Mẫu dùng chung chỉ quản trị hệ thống được sửa; hãy tạo bộ tiêu chí của đơn vị mình "
                         "từ tệp xuất của mẫu.")


async def create_rubric(session: AsyncSession, principal: Principal, definition: RubricDefinition) -> Rubric:
    _ensure_maintainer(principal, principal.unit_id)
    return await _store(session, principal, checked(definition), family_id=uuid.uuid4(), version=1,
                        owner_unit_id=principal.unit_id)


async def create_version(session: AsyncSession, principal: Principal, rubric: Rubric,
                         definition: RubricDefinition) -> Rubric:
    _ensure_maintainer(principal, rubric.owner_unit_id)
    version = await repository.latest_version(session, rubric.family_id) + 1
    return await _store(session, principal, checked(definition), family_id=rubric.family_id, version=version,
                        owner_unit_id=rubric.owner_unit_id, is_template=rubric.is_template)


async def _store(session: AsyncSession, principal: Principal, definition: RubricDefinition, *, family_id: uuid.UUID,
                 version: int, owner_unit_id: uuid.UUID | None, is_template: bool = False,
                 template_key: str | None = None) -> Rubric:
    rubric = Rubric(family_id=family_id, version=version, owner_unit_id=owner_unit_id, title=definition.title,
                    mode=definition.mode.value, is_template=is_template, template_key=template_key,
                    definition=definition.model_dump(mode="json"), created_by=principal.subject,
                    created_by_name=principal.name)
    session.add(rubric)
    await session.flush()
    # The owner's own unit only: rubrics keep no tree path, so only system admins and the owner see these.
    audit.record(session, action="rubric.created" if version == 1 else "rubric.version_created",
                 actor=principal, target_type="rubric", target_id=rubric.id, unit_id=owner_unit_id,
                 after={"title": rubric.title, "version": version, "family_id": family_id})
    return rubric


async def get_rubric(session: AsyncSession, rubric_id: uuid.UUID) -> Rubric:
    """Any rubric by id, for callers already scoped by what refers to it (a campaign's rubric). Routes that take
    a rubric id from the caller use `get_visible_rubric`."""
    rubric = await repository.get(session, rubric_id)
    if rubric is None:
        raise RubricNotFound("Không tìm thấy bộ tiêu chí.")
    return rubric


async def may_see(principal: Principal, rubric: Rubric, tree: UnitTree) -> bool:
    """Templates; rubrics of the caller's unit and of the authorities above it (the ones `list_rubrics` offers,
    and the one a school is scored against); and rubrics of units in the caller's subtree."""
    if rubric.owner_unit_id is None or principal.is_system_admin or principal.is_service:
        return True
    if principal.unit_id is None:
        return False
    if rubric.owner_unit_id == principal.unit_id:
        return True
    if rubric.owner_unit_id in (await tree.ancestor_ids(principal.unit_id) or []):  # an authority above the caller
        return True
    return await is_in_scope(principal, rubric.owner_unit_id, tree)  # a unit below the caller


async def get_visible_rubric(session: AsyncSession, principal: Principal, tree: UnitTree,
                             rubric_id: uuid.UUID) -> Rubric:
    """The rubric if the caller may see it; otherwise 404, as if it did not exist."""
    rubric = await repository.get(session, rubric_id)
    if rubric is None or not await may_see(principal, rubric, tree):
        raise RubricNotFound("Không tìm thấy bộ tiêu chí trong phạm vi của bạn.")
    return rubric


async def list_rubrics(session: AsyncSession, principal: Principal, tree: UnitTree) -> Sequence[Rubric]:
    """Templates, and the rubrics of the caller's unit and of the authorities above it (a Phòng may use
    its Sở's rubric); a system admin sees all."""
    if principal.is_system_admin or principal.is_service:
        return await repository.list_latest(session, owner_ids=None)
    owners: list[uuid.UUID] = []
    if principal.unit_id is not None:
        owners = [principal.unit_id, *(await tree.ancestor_ids(principal.unit_id) or [])]
    return await repository.list_latest(session, owner_ids=owners)


def template_definition(key: str) -> RubricDefinition:
    text = resources.files("scoring.rubrics.templates").joinpath(TEMPLATES[key]).read_text("utf-8")
    return RubricDefinition.model_validate(json.loads(text))


async def ensure_templates(session: AsyncSession, principal: Principal) -> dict[str, Rubric]:
    """The seed-004 rubric and the QĐ 4725 reference template, created once (by their keys)."""
    found: dict[str, Rubric] = {}
    for key in TEMPLATES:
        rubric = await repository.get_by_template_key(session, key)
        if rubric is None:
            rubric = await _store(session, principal, checked(template_definition(key)), family_id=uuid.uuid4(),
                                  version=1, owner_unit_id=None, is_template=True, template_key=key)
        found[key] = rubric
    return found


# --- what the router serves beyond the rubric itself: versions, presets, files -------------------------------------
# (the router imports only this module and the schemas; these name the rubrics' other modules for it)

XLSX_MEDIA_TYPE = exchange.XLSX_MEDIA_TYPE
MAX_FILE_BYTES = exchange.MAX_FILE_BYTES


async def latest_version(session: AsyncSession, rubric: Rubric) -> int:
    return await repository.latest_version(session, rubric.family_id)


async def list_versions(session: AsyncSession, rubric: Rubric) -> Sequence[Rubric]:
    """Every version of the rubric's family, newest first."""
    return await repository.list_versions(session, rubric.family_id)


async def campaign_presets(session: AsyncSession, *, school_year_end: int) -> list[CampaignPreset]:
    return await presets.campaign_presets(session, school_year_end=school_year_end)


async def rubric_file(definition: RubricDefinition, format: str) -> tuple[bytes, str]:
    """The rubric as a file to edit and import again: (content, media type); the workbook off the event loop."""
    if format == "json":
        return exchange.to_json(definition), "application/json"
    return await anyio.to_thread.run_sync(exchange.to_xlsx, definition), exchange.XLSX_MEDIA_TYPE


async def read_rubric_file(data: bytes) -> RubricDefinition:
    """A rubric from an uploaded file: its JSON, or the XLSX layout `rubric_file` writes (parsed off the loop)."""
    if data.lstrip()[:1] in (b"{", b"\xef"):
        return exchange.from_json(data)
    if data[:2] == b"PK":
        return await anyio.to_thread.run_sync(exchange.from_xlsx, data)
    raise RubricFileInvalid("Chỉ nhận tệp .xlsx hoặc .json.")
