"""Every query on submissions, their versions and their history."""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, exists, func, insert, select, update
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased, defer
from sqlmodel import col

from submissions.campaigns.models import Campaign, CampaignStatus, CampaignTarget
from submissions.workflow.models import Submission, SubmissionEvent, SubmissionVersion


async def get(session: AsyncSession, submission_id: uuid.UUID) -> Submission | None:
    return await session.get(Submission, submission_id)


# The statements of every autosave are built once, with bound parameters: building a statement and its cache key
# on each call was a tenth of the service's CPU on deadline day.
_WITH_CONTEXT = (
    select(Submission, CampaignTarget, Campaign)
    .join(CampaignTarget, col(CampaignTarget.id) == col(Submission.target_id))
    .join(Campaign, col(Campaign.id) == col(Submission.campaign_id))
    .where(col(Submission.id) == bindparam("submission_id"))
)
_LAST_EVENT = (select(SubmissionEvent).where(col(SubmissionEvent.submission_id) == bindparam("submission_id"))
               .order_by(col(SubmissionEvent.seq).desc()).limit(1))
_TOUCH_EVENT = (update(SubmissionEvent).where(col(SubmissionEvent.id) == bindparam("event_id"))
                .values(at=bindparam("at"),
                        detail=bindparam("detail", type_=sa_inspect(SubmissionEvent).columns["detail"].type))
                .execution_options(synchronize_session=False))


async def with_context(session: AsyncSession,
                       submission_id: uuid.UUID) -> tuple[Submission, CampaignTarget, Campaign] | None:
    """The submission with its target and campaign, in one statement: every workflow step needs all three, and
    an autosave on deadline day should not pay three round trips for them."""
    result = await session.execute(_WITH_CONTEXT, {"submission_id": submission_id})
    row = result.one_or_none()
    return (row[0], row[1], row[2]) if row is not None else None


_LAST_SEQ = (select(func.max(col(SubmissionEvent.seq))).where(col(SubmissionEvent.submission_id) == col(Submission.id))
             .correlate(Submission).scalar_subquery())
_FOR_SAVE = (
    _WITH_CONTEXT.add_columns(SubmissionEvent)
    .outerjoin(SubmissionEvent, and_(col(SubmissionEvent.submission_id) == col(Submission.id),
                                     col(SubmissionEvent.seq) == _LAST_SEQ))
    # The outline (kilobytes of JSON) is parsed once per campaign version and kept: not read on every save.
    .options(defer(cast(Any, Campaign.outline), raiseload=True))
)
_OUTLINE_OF_VERSION = select(col(Campaign.outline)).where(col(Campaign.id) == bindparam("campaign_id"),
                                                          col(Campaign.version) == bindparam("version"))


async def for_save(session: AsyncSession, submission_id: uuid.UUID
                   ) -> tuple[Submission, CampaignTarget, Campaign, SubmissionEvent | None] | None:
    """`with_context` and the latest history line, in one statement: an autosave needs the line to extend it.
    The campaign comes without its outline: `outline_of_version` reads it when the caller has no copy."""
    row = (await session.execute(_FOR_SAVE, {"submission_id": submission_id})).one_or_none()
    return (row[0], row[1], row[2], row[3]) if row is not None else None


async def outline_of_version(session: AsyncSession, campaign: Campaign) -> tuple[bool, dict[str, Any] | None]:
    """(found, outline) of `campaign` at the version read (not found: edited since)."""
    row = (await session.execute(_OUTLINE_OF_VERSION, {"campaign_id": campaign.id,
                                                       "version": campaign.version})).one_or_none()
    return (row is not None, row[0] if row is not None else None)


async def unit_took_part(session: AsyncSession, submission_id: uuid.UUID, unit_id: uuid.UUID) -> bool:
    """Whether someone of the unit appears in the submission's history (reviewed, returned, accepted it …)."""
    result = await session.execute(select(col(SubmissionEvent.id)).where(
        col(SubmissionEvent.submission_id) == submission_id, col(SubmissionEvent.actor_unit_id) == unit_id).limit(1))
    return result.first() is not None


async def for_unit(session: AsyncSession, campaign_id: uuid.UUID, unit_id: uuid.UUID) -> Submission | None:
    result = await session.execute(select(Submission).where(col(Submission.campaign_id) == campaign_id,
                                                            col(Submission.unit_id) == unit_id))
    return result.scalar_one_or_none()


_NOT_ON_DASHBOARD: tuple[Any, ...] = (col(Campaign.outline), col(Campaign.attachments), col(Campaign.instructions),
                                     col(Campaign.target_rule), col(Submission.content), col(Submission.return_reasons))


async def of_unit(session: AsyncSession, unit_id: uuid.UUID, *, path_pattern: str | None,
                  campaign_id: uuid.UUID | None, limit: int,
                  offset: int) -> tuple[list[tuple[CampaignTarget, Campaign, Submission | None]], int]:
    """Every non-draft campaign the unit is (still) a target of, with its submission if opened; latest deadline
    first. `path_pattern` keeps only targets under the caller's unit."""
    count, page = _of_unit_statements(path_pattern is not None, campaign_id is not None)
    params = {"unit_id": unit_id, "path_pattern": path_pattern, "campaign_id": campaign_id}
    rows = (await session.execute(page, {**params, "limit": limit, "offset": offset})).all()
    if rows:
        total = rows[0][3]  # each row carries the count of all: one round trip for the page and its total
    elif offset == 0:
        total = 0
    else:  # past the end: no row to carry the total
        total = (await session.execute(count, params)).scalar_one()
    return [(target, campaign, submission) for target, campaign, submission, _ in rows], int(total)


@functools.cache
def _of_unit_statements(by_path: bool, by_campaign: bool) -> tuple[Any, Any]:
    """The dashboard's count and page, built once per filter combination with bound parameters: it is one of
    deadline day's reads, and building the statements and their cache keys cost more than running them."""
    stmt = (
        select(CampaignTarget, Campaign, Submission)
        .join(Campaign, col(Campaign.id) == col(CampaignTarget.campaign_id))
        .outerjoin(Submission, col(Submission.target_id) == col(CampaignTarget.id))
        .where(col(CampaignTarget.unit_id) == bindparam("unit_id"), col(CampaignTarget.withdrawn_at).is_(None),
               col(Campaign.status) != CampaignStatus.DRAFT.value)
    )
    if by_path:
        stmt = stmt.where(col(CampaignTarget.unit_path).like(bindparam("path_pattern")))
    if by_campaign:
        stmt = stmt.where(col(CampaignTarget.campaign_id) == bindparam("campaign_id"))
    count = select(func.count()).select_from(stmt.subquery())
    # The dashboard shows none of the large JSON (outline, answers): not read, not decoded, never lazy-loaded.
    page = (stmt.add_columns(func.count().over().label("total"))
            .options(*(defer(column, raiseload=True) for column in _NOT_ON_DASHBOARD))
            .order_by(col(Campaign.due_at).desc(), col(Campaign.id))
            .limit(bindparam("limit")).offset(bindparam("offset")))
    return count, page


async def compare_and_set(session: AsyncSession, submission: Submission, expected_version: int,
                          values: dict[str, Any]) -> bool:
    """Write `values` only if nobody wrote since `expected_version` (one statement: safe under concurrency).
    The row comes back from the same statement (RETURNING) and refreshes `submission`."""
    params = {f"new_{name}": value for name, value in values.items()}
    params |= {"submission_id": submission.id, "expected_version": expected_version,
               "new_version": expected_version + 1}
    result = await session.execute(_compare_and_set_statement(tuple(sorted(values))), params)
    return result.scalar_one_or_none() is not None


@functools.cache
def _compare_and_set_statement(columns: tuple[str, ...]) -> Any:
    """One statement per set of columns written (a save, a submit, a return …), built once."""
    return (
        update(Submission)
        .where(col(Submission.id) == bindparam("submission_id"),
               col(Submission.version) == bindparam("expected_version"))
        # `new_…`: a bound parameter may not share its column's name in an UPDATE.
        .values({**{name: bindparam(f"new_{name}", type_=sa_inspect(Submission).columns[name].type)
                    for name in columns},
                 "version": bindparam("new_version")})
        .returning(Submission)
        .execution_options(synchronize_session=False, populate_existing=True)
    )


@dataclass(frozen=True)
class ExtendLine:
    """One more save on the history line `event_id` (consecutive autosaves by one person)."""

    event_id: uuid.UUID
    at: datetime
    detail: dict[str, Any]


async def save_draft(session: AsyncSession, submission: Submission, expected_version: int, values: dict[str, Any],
                     line: ExtendLine | SubmissionEvent) -> bool:
    """An autosave: compare-and-set `values` on the version and write its history line (`line` extended, or added),
    both or neither. On PostgreSQL one statement, one round trip (the update and the line are data-modifying CTEs;
    the line is written only if the update matched); `submission` is refreshed from the row it returns."""
    bind = session.get_bind()
    if bind.dialect.name != "postgresql":  # SQLite has no data-modifying CTEs; no network between them either
        if not await compare_and_set(session, submission, expected_version, values):
            return False
        if isinstance(line, ExtendLine):
            await session.execute(_TOUCH_EVENT, {"event_id": line.event_id, "at": line.at, "detail": line.detail})
        else:
            session.add(line)
            await session.flush()
        return True
    # No parameter may be named like a column of either table: SQLAlchemy would add it to the UPDATEs' SET.
    params = {f"new_{name}": value for name, value in values.items()}
    params |= {"saved_id": submission.id, "expected_version": expected_version, "new_version": expected_version + 1}
    if isinstance(line, ExtendLine):
        params |= {"event_id": line.event_id, "event_at": line.at, "event_detail": line.detail}
    else:
        params |= {f"event_{name}": getattr(line, name) for name in _NEW_LINE_COLUMNS}
    statement = _save_draft_statement(tuple(sorted(values)), isinstance(line, ExtendLine))
    return (await session.execute(statement, params)).scalar_one_or_none() is not None


_NEW_LINE_COLUMNS = ("id", "seq", "action", "actor_id", "actor_name", "actor_unit_id", "on_behalf", "version_number",
                     "detail", "at")


@functools.cache
def _save_draft_statement(columns: tuple[str, ...], extend_line: bool) -> Any:
    submissions = cast(Table, Submission.__table__)  # type: ignore[attr-defined]
    events = cast(Table, SubmissionEvent.__table__)  # type: ignore[attr-defined]
    saved = (
        update(submissions)
        .where(submissions.c.id == bindparam("saved_id"), submissions.c.version == bindparam("expected_version"))
        .values({**{name: bindparam(f"new_{name}", type_=submissions.c[name].type) for name in columns},
                 "version": bindparam("new_version")})
        .returning(*submissions.c)
        .cte("saved")
    )
    if extend_line:
        history: Any = (
            update(events)
            .where(events.c.id == bindparam("event_id"), exists(select(saved.c.id)))
            .values(at=bindparam("event_at", type_=events.c.at.type),
                    detail=bindparam("event_detail", type_=events.c.detail.type))
            .cte("history")
        )
    else:
        new_line = {name: bindparam(f"event_{name}", type_=events.c[name].type) for name in _NEW_LINE_COLUMNS}
        history = (
            insert(events)
            .from_select([*new_line, "submission_id"], select(*new_line.values(), saved.c.id))
            .cte("history")
        )
    return (select(aliased(Submission, saved)).add_cte(history)
            .execution_options(populate_existing=True))


async def last_event(session: AsyncSession, submission_id: uuid.UUID) -> SubmissionEvent | None:
    result = await session.execute(_LAST_EVENT, {"submission_id": submission_id})
    return result.scalar_one_or_none()


async def events(session: AsyncSession, submission_id: uuid.UUID) -> list[SubmissionEvent]:
    result = await session.execute(select(SubmissionEvent).where(col(SubmissionEvent.submission_id) == submission_id)
                                   .order_by(col(SubmissionEvent.seq)))
    return list(result.scalars())


async def versions(session: AsyncSession, submission_id: uuid.UUID) -> list[SubmissionVersion]:
    stmt = select(SubmissionVersion).where(col(SubmissionVersion.submission_id) == submission_id)
    result = await session.execute(stmt.order_by(col(SubmissionVersion.number)))
    return list(result.scalars())


async def version(session: AsyncSession, submission_id: uuid.UUID, number: int) -> SubmissionVersion | None:
    result = await session.execute(select(SubmissionVersion).where(
        col(SubmissionVersion.submission_id) == submission_id, col(SubmissionVersion.number) == number))
    return result.scalar_one_or_none()

