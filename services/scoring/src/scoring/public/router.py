"""The public DX level of a school: read-only, no sign-in, nothing personal, cacheable, embeddable.

A school portal shows it as a badge (`<iframe src=".../badge">`), as seed 001 asks schools to publish their
level; the JSON serves anyone who wants the same facts.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from edudx_common.db import SessionDep
from edudx_common.errors import PROBLEM_RESPONSES
from edudx_common.templates import template_environment
from edudx_common.timezone import format_vn
from edudx_common.vocabulary import CampaignKind
from scoring.errors import ResultsNotPublished
from scoring.public.schemas import PublicLevel, PublicUnitLevel
from scoring.results import repository
from scoring.results.models import PublishedResult

router = APIRouter(prefix="/public/units/{unit_id}", tags=["public"], responses=PROBLEM_RESPONSES)

CACHE = "public, max-age=300"
_TEMPLATES = template_environment("scoring.public", "templates")
KIND_HELP = "Chỉ xét đợt loại này, ví dụ dx_self_assessment (mức độ chuyển đổi số) hoặc year_end_report"


def _level(row: PublishedResult) -> PublicLevel:
    return PublicLevel(campaign_title=row.campaign_title, campaign_kind=CampaignKind(row.campaign_kind),
                       school_year=row.school_year, level=row.classification,
                       group_levels=[{"code": g.get("code"), "title": g.get("title"), "level": g.get("level")}
                                     for g in row.group_levels],
                       published_at=row.published_at)


async def _published(session: SessionDep, unit_id: uuid.UUID, kind: str | None) -> list[PublishedResult]:
    rows = list(await repository.published_of_unit(session, unit_id, campaign_kind=kind))
    if not rows:
        raise ResultsNotPublished("Đơn vị chưa có kết quả được công bố.")
    return rows


@router.get("/dx-level", response_model=PublicUnitLevel)
async def get_public_level(unit_id: uuid.UUID, session: SessionDep,
                           kind: Annotated[str | None, Query(max_length=40, description=KIND_HELP)] = None,
                           ) -> PublicUnitLevel:
    """The school's latest published level or class with its school year, and the earlier ones. No sign-in."""
    rows = await _published(session, unit_id, kind)
    return PublicUnitLevel(unit_id=unit_id, unit_name=rows[0].unit_name, current=_level(rows[0]),
                           history=[_level(r) for r in rows[1:]])


@router.get("/badge", response_class=HTMLResponse, responses={200: {"content": {"text/html": {}}}})
async def get_badge(unit_id: uuid.UUID, session: SessionDep,
                    kind: Annotated[str | None, Query(max_length=40, description=KIND_HELP)] = None) -> HTMLResponse:
    """A small HTML badge of the latest published level, for a school portal to embed in an iframe."""
    row = (await _published(session, unit_id, kind))[0]
    # A level's groups are shown only when the campaign gives no overall class.
    groups = [(g.get("title") or g.get("code") or "", g.get("level") or "—") for g in row.group_levels
              if row.classification is None and g.get("level")]
    page = _TEMPLATES.get_template("badge.html").render(
        row=row, groups=groups, published=format_vn(row.published_at, with_time=False))
    return HTMLResponse(page, headers={"Cache-Control": CACHE, "Content-Security-Policy": "frame-ancestors *",
                                       "X-Content-Type-Options": "nosniff"})
