"""Every query on submissions, their versions and their history."""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import JSON, Table, and_, bindparam, column, exists, func, insert, select, text, update
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased, defer
from sqlmodel import col

from edudx_common.db import UTCDateTime
from edudx_common.vocabulary import SubmissionStatus
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


@dataclass(frozen=True)
class EditScope:
    """Who may edit a draft, as conditions on its target that one statement can check: the caller's unit
    (`unit_id`), whether they see every unit, prepare their own unit's report, act for any school (system admin)
    or for the schools below their unit (authority admin)."""

    unit_id: uuid.UUID | None
    sees_everything: bool
    prepares: bool
    acts_anywhere: bool
    acts_below: bool


@dataclass(frozen=True)
class RequiredAnswers:
    """An outline's required fields for the completeness computed in SQL: their ids, the fewest rows of each
    (0 unless a table with `min_rows`), and the completeness to store for each count of unanswered ones."""

    field_ids: list[str]
    min_rows: list[int]
    completeness_by_unanswered: list[int]
    whitespace: str  # what `str.strip()` removes: an answer of only these is empty


@dataclass(frozen=True)
class EditLine:
    """The history line of an autosave by `actor_id`, extended when the latest line is theirs since
    `extend_since`, else added as `new_event_id` with `new_detail`."""

    actor_id: str
    actor_name: str | None
    actor_unit_id: uuid.UUID | None
    extend_since: datetime
    new_event_id: uuid.UUID
    new_detail: dict[str, Any]


async def save_draft_at_once(session: AsyncSession, submission_id: uuid.UUID, *, expected_version: int,
                             campaign_id: uuid.UUID, campaign_version: int, kept: dict[str, Any], now: datetime,
                             updated_by: str, scope: EditScope, required: RequiredAnswers,
                             line: EditLine) -> tuple[Submission, CampaignTarget, Campaign] | None:
    """An autosave in one statement (PostgreSQL): the checks the read of `for_save` was for (version, editable
    status, campaign published, open and still at `campaign_version`, target not withdrawn, the caller's scope),
    the merge of `kept` into the stored answers (top-level nulls removed) with its completeness, the row's
    compare-and-set and its history line. None when any check fails and nothing was written: the caller finds
    out why by the ordinary read. The campaign comes without its outline."""
    params = {"submission_id": submission_id, "expected_version": expected_version,
              "new_version": expected_version + 1, "campaign_id": campaign_id, "campaign_version": campaign_version,
              "kept": kept, "now": now, "updated_by": updated_by,
              "unit_id": scope.unit_id, "unit_marker": f"/{scope.unit_id.hex}/" if scope.unit_id else None,
              "sees_everything": scope.sees_everything, "prepares": scope.prepares,
              "acts_anywhere": scope.acts_anywhere, "acts_below": scope.acts_below,
              "required_ids": required.field_ids, "required_min_rows": required.min_rows,
              "completeness_by_unanswered": required.completeness_by_unanswered,
              "whitespace": required.whitespace,
              "actor_id": line.actor_id, "actor_name": line.actor_name, "actor_unit_id": line.actor_unit_id,
              "extend_since": line.extend_since, "event_id": line.new_event_id, "event_detail": line.new_detail}
    row = (await session.execute(_save_draft_at_once_statement(), params)).one_or_none()
    return (row[0], row[1], row[2]) if row is not None else None


def _merged(stored: str, new: str) -> str:
    """SQL: the members of `{**stored, **new}` (two `json` objects, each read once) as rows (key, value, added, ord):
    ordered by (added, ord) they are in Python's order; values as written (no `jsonb` round trip), nulls included."""
    return f"""(SELECT coalesce(new_each.key, stored_each.key) AS key,
                       coalesce(new_each.value, stored_each.value) AS value,
                       stored_each.key IS NULL AS added, coalesce(stored_each.ord, new_each.ord) AS ord
                FROM json_each({stored}) WITH ORDINALITY AS stored_each(key, value, ord)
                FULL JOIN json_each({new}) WITH ORDINALITY AS new_each(key, value, ord)
                     ON new_each.key = stored_each.key)"""  # noqa: S608 - SQL of ours, no values


_MERGED_OBJECT = "coalesce(json_object_agg(member.key, member.value ORDER BY member.added, member.ord), '{}'::json)"

# `validation.is_empty` of a member's value (never null: those are left out), or a table with fewer rows than
# `required.min_rows`.
_UNANSWERED = r"""CASE json_typeof(member.value)
    WHEN 'string' THEN btrim(member.value #>> '{}', :whitespace) = ''
    WHEN 'array' THEN json_array_length(member.value) = 0 OR json_array_length(member.value) < required.min_rows
    WHEN 'object' THEN NOT EXISTS (SELECT FROM json_object_keys(member.value))
    ELSE false END"""


def _readable_by_json_functions(document: str) -> str:
    r"""SQL: whether PostgreSQL's JSON functions can read `document` (json). A `json` column stores any string
    Python writes, but the functions refuse an escaped NUL or a lone surrogate ("unsupported Unicode escape
    sequence"): such answers are merged by the ordinary save. The regular expression only runs on text with an
    escape in the surrogates' range (a `\uD…` is rare: Vietnamese is escaped as `\u1ea1`)."""
    text_of = f"CAST({document} AS text)"
    lone_surrogate = (r"\\ud[89ab][0-9a-f]{2}(?!\\ud[c-f][0-9a-f]{2})"
                      r"|(?<!\\ud[89ab][0-9a-f]{2})\\ud[c-f][0-9a-f]{2}")
    return (rf"""(strpos({text_of}, '\u0000') = 0
                AND (strpos({text_of}, '\ud') = 0 AND strpos({text_of}, '\uD') = 0
                     OR {text_of} !~* '{lone_surrogate}'))""")


_ONE_MORE_SAVE = "json_build_object('saves', coalesce((e.detail ->> 'saves')::integer, 1) + 1)"


@functools.cache
def _save_draft_at_once_statement() -> Any:
    submissions = cast(Table, Submission.__table__)  # type: ignore[attr-defined]
    targets = cast(Table, CampaignTarget.__table__)  # type: ignore[attr-defined]
    campaigns = cast(Table, Campaign.__table__)  # type: ignore[attr-defined]
    events = cast(Table, SubmissionEvent.__table__)  # type: ignore[attr-defined]
    returned = ", ".join(f's."{column.name}"' for column in submissions.c)
    editable = ", ".join(f"'{status.value}'" for status in (SubmissionStatus.DRAFT, SubmissionStatus.RETURNED))
    # Data-modifying CTEs as text (UPDATE … FROM, SET (…) = (SELECT …), json_each), in the order PostgreSQL needs
    # them; the rows come back through an ordinary ORM select of `saved`, whose loading plan is cached with it.
    saved = _text_cte("saved", f"""
UPDATE {submissions.name} AS s
SET (content, completeness) = (
        -- The merged answers and, from the same rows, how many required ones are unanswered: the required
        -- fields minus those with a member that is not empty.
        SELECT {_MERGED_OBJECT},
               (CAST(:completeness_by_unanswered AS integer[]))[
                   1 + cardinality(CAST(:required_ids AS text[]))
                   - count(required.field_id) FILTER (WHERE NOT ({_UNANSWERED}))]
        FROM {_merged("s.content", "CAST(:kept AS json)")} AS member
        LEFT JOIN unnest(CAST(:required_ids AS text[]), CAST(:required_min_rows AS integer[]))
                  AS required(field_id, min_rows) ON required.field_id = member.key
        WHERE json_typeof(member.value) <> 'null'),
    version = :new_version, updated_at = :now, updated_by = :updated_by
FROM {targets.name} AS t, {campaigns.name} AS c
WHERE s.id = :submission_id AND s.version = :expected_version AND s.status IN ({editable})
  AND s.campaign_id = :campaign_id
  AND {_readable_by_json_functions("s.content")} AND {_readable_by_json_functions("CAST(:kept AS json)")}
  AND t.id = s.target_id AND t.withdrawn_at IS NULL
  AND c.id = s.campaign_id AND c.version = :campaign_version AND c.status = '{CampaignStatus.PUBLISHED.value}'
  AND c.opens_at <= :now
  AND (:sees_everything OR strpos(t.unit_path, :unit_marker) > 0)
  AND ((:prepares AND t.unit_id = :unit_id)
       OR (t.unit_id IS DISTINCT FROM :unit_id
           AND (:acts_anywhere OR (:acts_below AND strpos(t.unit_path, :unit_marker) > 0))))
RETURNING {returned}""", *submissions.c)  # noqa: S608 - built once from table names and constants; values are bound
    last_line = _text_cte("last_line", f"""
SELECT id, seq, (action = 'edited' AND actor_id = :actor_id AND at > :extend_since) AS extended
FROM {events.name} WHERE submission_id = :submission_id ORDER BY seq DESC LIMIT 1""",  # noqa: S608 - as above
                          column("id"), column("seq"), column("extended"))
    extended_line = _text_cte("extended_line", f"""
UPDATE {events.name} AS e
SET at = :now,
    detail = CASE WHEN json_typeof(e.detail) = 'object'
                  THEN (SELECT {_MERGED_OBJECT}
                        FROM {_merged("e.detail", _ONE_MORE_SAVE)} AS member)
                  ELSE json_build_object('saves', 2) END
FROM last_line
WHERE e.id = last_line.id AND last_line.extended AND EXISTS (SELECT FROM saved)
RETURNING e.id""", column("id"))  # noqa: S608 - as above
    added_line = _text_cte("added_line", f"""
INSERT INTO {events.name} (id, submission_id, seq, action, actor_id, actor_name, actor_unit_id, on_behalf,
                           version_number, detail, at)
SELECT :event_id, saved.id, coalesce((SELECT seq FROM last_line), 0) + 1, 'edited', :actor_id, :actor_name,
       :actor_unit_id, t.unit_id IS DISTINCT FROM :actor_unit_id, NULL, CAST(:event_detail AS json), :now
FROM saved JOIN {targets.name} AS t ON t.id = saved.target_id
WHERE NOT coalesce((SELECT extended FROM last_line), false)
RETURNING id""", column("id"))  # noqa: S608 - as above
    return (select(aliased(Submission, saved), CampaignTarget, Campaign)
            .join(CampaignTarget, col(CampaignTarget.id) == saved.c.target_id)
            .join(Campaign, col(Campaign.id) == saved.c.campaign_id)
            .add_cte(saved, last_line, extended_line, added_line)
            # The outline (kilobytes) is not read: the caller has it parsed (see `for_save`).
            .options(defer(cast(Any, Campaign.outline), raiseload=True))
            .execution_options(populate_existing=True))


# The bound parameters of the autosave's statement that need a type: JSON to serialise, timestamps to convert.
_TYPED_PARAMETERS: dict[str, Any] = {"kept": JSON(), "event_detail": JSON(), "now": UTCDateTime(),
                                      "extend_since": UTCDateTime()}


def _text_cte(name: str, sql: str, *columns: Any) -> Any:
    typed = [bindparam(key, type_=type_) for key, type_ in _TYPED_PARAMETERS.items() if f":{key}" in sql]
    return text(sql).bindparams(*typed).columns(*columns).cte(name)


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

