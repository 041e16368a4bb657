"""The one home of the effective deadline: which date a unit must meet now.

A returned submission must be sent again by its resubmission date; otherwise the unit's extension applies when it
has one, else the campaign's deadline. The rule is written twice, side by side, because it runs in two places: in
Python for one submission (submitting, the unit's dashboard, events) and in SQL for a whole campaign (the status
view sorts and filters thousands of units by it). tests/submissions/test_deadlines.py checks that they agree on
every combination. Other services do not re-derive it: events carry the computed `unit_due_at`.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, case, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from edudx_common.db import UTCDateTime
from edudx_common.timezone import VIETNAM
from submissions.campaigns.models import CampaignTarget
from submissions.workflow.models import Submission, SubmissionStatus


def effective_due(campaign_due: datetime, extension_due: datetime | None, submission_status: str | None = None,
                  resubmission_due: datetime | None = None) -> datetime:
    """The deadline that applies to a unit now (Python)."""
    if submission_status == SubmissionStatus.RETURNED and resubmission_due is not None:
        return resubmission_due
    return extension_due or campaign_due


# Offices close at 17:00 Vietnam time: a resubmission deadline at 09:13 on a Sunday is a deadline nobody keeps.
# Every deadline the system sets from "now + a period" (a return's resubmission date, an extension of N days) ends
# at the end of a working day; a date and time a person types is kept as typed.
END_OF_WORKING_DAY = time(17, 0)
_SATURDAY = 5


def end_of_working_day(moment: datetime) -> datetime:
    """17:00 Vietnam time of the working day `moment` falls on — or of the next one when that moment is already
    past 17:00 or falls on a Saturday or Sunday (in UTC)."""
    local = moment.astimezone(VIETNAM)
    day = local.date()
    if local.time() > END_OF_WORKING_DAY:
        day += timedelta(days=1)
    while day.weekday() >= _SATURDAY:
        day += timedelta(days=1)
    return datetime.combine(day, END_OF_WORKING_DAY, VIETNAM).astimezone(UTC)


def default_resubmission_due(now: datetime, campaign_due: datetime, revision_days: int) -> datetime:
    """Where a return's resubmission deadline falls when the reviewer gives none: the later of the campaign's
    deadline and now + the campaign's revision period, at the end of that working day."""
    return end_of_working_day(max(campaign_due, now + timedelta(days=revision_days)))


def extension_due(now: datetime, days: int) -> datetime:
    """An extension given as a period ("N more days"): now + N days, at the end of that working day."""
    return end_of_working_day(now + timedelta(days=days))


def unit_due(campaign_due: datetime, extension_due: datetime | None) -> datetime:
    """The unit's deadline before any return: its extension, else the campaign's."""
    return effective_due(campaign_due, extension_due)


def unit_due_sql(campaign_due: datetime | ColumnElement[Any]) -> ColumnElement[datetime]:
    """`unit_due` in SQL over `campaign_targets` (the campaign's deadline given as a value or a column)."""
    due = campaign_due if isinstance(campaign_due, ColumnElement) else literal(campaign_due, UTCDateTime())
    return func.coalesce(col(CampaignTarget.extension_due_at), due)


def effective_due_sql(campaign_due: datetime | ColumnElement[Any]) -> ColumnElement[datetime]:
    """`effective_due` in SQL over `campaign_targets` outer-joined to `submissions`."""
    return case(
        (and_(col(Submission.status) == SubmissionStatus.RETURNED.value,
              col(Submission.resubmission_due_at).is_not(None)), col(Submission.resubmission_due_at)),
        else_=unit_due_sql(campaign_due),
    )


async def unit_deadlines(session: AsyncSession, campaign_id: uuid.UUID, campaign_due: datetime, *,
                         unit_ids: Sequence[uuid.UUID] | None = None,
                         only_own: bool = False) -> dict[uuid.UUID, datetime]:
    """The effective deadline of the campaign's targets (those given, or all), by unit — computed in SQL with
    `effective_due_sql`. `only_own`: only the units whose deadline is not the campaign's (an extension, or a
    resubmission date while returned), the few a change of the campaign's deadline does not move."""
    due = effective_due_sql(campaign_due)
    query = (select(col(CampaignTarget.unit_id), due)
             .select_from(CampaignTarget)
             .outerjoin(Submission, and_(col(Submission.target_id) == col(CampaignTarget.id),
                                         col(Submission.campaign_id) == campaign_id))
             .where(col(CampaignTarget.campaign_id) == campaign_id))
    if unit_ids is not None:
        query = query.where(col(CampaignTarget.unit_id).in_(list(unit_ids)))
    if only_own:
        query = query.where(due != literal(campaign_due, UTCDateTime()))
    return {unit_id: at for unit_id, at in (await session.execute(query)).all()}
