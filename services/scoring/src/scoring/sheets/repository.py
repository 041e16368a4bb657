from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, ClassVar, cast

from sqlalchemy import Integer, String, and_, case, func, literal, null, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import expression
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from scoring.sheets.models import CriterionScore, ScoreSheet, SheetVersion


async def sheet_for_submission(session: AsyncSession, submission_id: uuid.UUID, *,
                               for_update: bool = False) -> ScoreSheet | None:
    query = select(ScoreSheet).where(col(ScoreSheet.submission_id) == submission_id)
    if for_update:
        query = query.with_for_update()
    found = await session.execute(query)
    return found.scalar_one_or_none()


async def scores(session: AsyncSession, sheet_id: uuid.UUID) -> Sequence[CriterionScore]:
    found = await session.execute(select(CriterionScore).where(col(CriterionScore.sheet_id) == sheet_id))
    return found.scalars().all()


async def sheets_of_campaign(session: AsyncSession, campaign_id: uuid.UUID) -> Sequence[ScoreSheet]:
    found = await session.execute(select(ScoreSheet).where(col(ScoreSheet.campaign_id) == campaign_id)
                                  .order_by(col(ScoreSheet.unit_name)))
    return found.scalars().all()


async def unit_has_sheets(session: AsyncSession, unit_id: uuid.UUID) -> bool:
    found = await session.execute(select(col(ScoreSheet.id)).where(col(ScoreSheet.unit_id) == unit_id).limit(1))
    return found.first() is not None


async def sheets_under(session: AsyncSession, path: str) -> Sequence[ScoreSheet]:
    """The sheets of the units at `path` or below it, locked for the update that follows."""
    found = await session.execute(select(ScoreSheet).where(col(ScoreSheet.unit_path).startswith(path, autoescape=True))
                                  .with_for_update())
    return found.scalars().all()


async def move_paths(session: AsyncSession, former: str, new: str) -> None:
    """Every sheet under `former` takes the same place under `new`: one UPDATE, whatever the number of sheets."""
    path = col(ScoreSheet.unit_path)
    moved = literal(new) + func.substr(path, len(former) + 1)
    # The sub-authority under each sheet's issuer follows the new path in the same statement (models.group_under).
    group = group_below(_UuidHex(col(ScoreSheet.issuer_unit_id)), moved)
    await session.execute(update(ScoreSheet).where(path.startswith(former, autoescape=True))
                          .values(unit_path=moved, group_hex=group)
                          .execution_options(synchronize_session=False))


async def stamp_issuer(session: AsyncSession, campaign_id: uuid.UUID, issuer_id: uuid.UUID) -> int:
    """Give the campaign's sheets written before sheets carried their issuer (migration s8b_0001) the issuer and
    their sub-authority under it, in one UPDATE; how many were stamped. An operator step (`python -m scoring.cli
    stamp-issuers`), never a results read: results cut the group out of the path while a campaign has such
    sheets (campaign_stamped)."""
    path = cast("ColumnElement[str]", col(ScoreSheet.unit_path))
    done = await session.execute(update(ScoreSheet).where(col(ScoreSheet.campaign_id) == campaign_id,
                                                          col(ScoreSheet.issuer_unit_id).is_(None))
                                 .values(issuer_unit_id=issuer_id, group_hex=group_below(literal(issuer_id.hex), path))
                                 .execution_options(synchronize_session=False))
    return int(getattr(done, "rowcount", 0) or 0)


async def campaign_stamped(session: AsyncSession, campaign_id: uuid.UUID) -> bool:
    """Whether every sheet of the campaign carries its issuer (a probe of the partial index of those that do not)."""
    found = await session.execute(select(col(ScoreSheet.id)).where(
        col(ScoreSheet.campaign_id) == campaign_id, col(ScoreSheet.issuer_unit_id).is_(None)).limit(1))
    return found.first() is None


async def sheets_version(session: AsyncSession, campaign_id: uuid.UUID) -> int | None:
    """The campaign's sheet version (SheetVersion): another value after any write of its sheets; None before its
    first sheet."""
    found = await session.execute(select(col(SheetVersion.version)).where(col(SheetVersion.campaign_id) == campaign_id))
    return found.scalar_one_or_none()


async def unstamped_campaigns(session: AsyncSession) -> list[uuid.UUID]:
    """The campaigns with sheets not yet given their issuer."""
    found = await session.execute(select(col(ScoreSheet.campaign_id)).where(
        col(ScoreSheet.issuer_unit_id).is_(None)).distinct())
    return list(found.scalars())


class _Spelt(expression.FunctionElement[Any]):
    """A function PostgreSQL and SQLite spell differently: `spelling` maps a dialect (else "default") to a template
    of the arguments."""

    inherit_cache = True
    spelling: ClassVar[dict[str, str]] = {}


@compiles(_Spelt)
def _spell(element: _Spelt, compiler: Any, **kw: Any) -> str:
    template = element.spelling.get(compiler.dialect.name, element.spelling["default"])
    return template.format(compiler.process(element.clauses, **kw))


class _Position(_Spelt):
    """1-based position of a substring (0: absent)."""

    type = Integer()
    name = "strpos"
    inherit_cache = True
    spelling: ClassVar[dict[str, str]] = {"default": "strpos({})", "sqlite": "instr({})"}


class _UuidHex(_Spelt):
    """A uuid column as its 32 lower-case hex digits, as unit paths spell ids: SQLite already stores it so."""

    type = String()
    name = "uuid_hex"
    inherit_cache = True
    spelling: ClassVar[dict[str, str]] = {"default": "replace(CAST({} AS TEXT), '-', '')", "sqlite": "{}"}


UNIT_HEX = 32  # unit paths are "/<hex>/<hex>/…/" of unit ids


def group_below(issuer_hex: ColumnElement[str], path: ColumnElement[str]) -> ColumnElement[str | None]:
    """`models.group_under` in SQL: the id (hex) of the unit directly under the issuer on `path`, or NULL when the
    path's unit sits directly under the issuer or outside its tree."""
    at = _Position(path, literal("/") + issuer_hex + literal("/"))
    below_group = func.length(func.rtrim(path, "/")) > at + 2 * (UNIT_HEX + 1)
    return case((and_(at > 0, below_group), func.substr(path, at + UNIT_HEX + 2, UNIT_HEX)), else_=null())
