"""The status view filters by a target's status with conditions on the columns (`status_condition`), which the
planner can estimate, not by comparing the status CASE (`status_expression`): the two agree on every combination of
submission state, lateness and extension, for each status and for sets of them."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime, timedelta

from submissions.status import board, expressions, repository
from submissions.status.schemas import TargetStatus
from submissions.workflow.models import SubmissionStatus
from tests.submissions.grid_builders import add_grid_target, grid_campaign, grid_database

NOW = datetime(2026, 12, 16, 10, tzinfo=UTC)
DUE = NOW - timedelta(days=1)
EXTENSIONS = (None, NOW + timedelta(days=3), NOW - timedelta(hours=1))
STATES = (None, *(s.value for s in SubmissionStatus))  # None: the unit never opened its report
LATENESS = (None, 0, 600)


async def test_status_conditions_and_the_status_expression_agree_on_every_combination() -> None:
    campaign = grid_campaign(DUE)
    async with grid_database("campaigns", "campaign_targets", "submissions", "target_reviews",
                             "signed_reports") as sessions:
        async with sessions() as session, session.begin():
            session.add(campaign)
            for extension, state, late in itertools.product(EXTENSIONS, STATES, LATENESS):
                if state is None and late is not None:
                    continue  # no submission, no lateness
                add_grid_target(session, campaign, extension=extension, state=state, late_seconds=late,
                                resubmission_due_at=NOW - timedelta(hours=2) if state == "returned" else None)
        scope = expressions.Scope(campaign_id=campaign.id, campaign_due=DUE, now=NOW,
                                  group_unit_id=campaign.issuer_unit_id)

        async def listed(filters: board.BoardFilters) -> dict[uuid.UUID, str]:
            async with sessions() as session:
                rows = await repository.listed(session, scope, filters=filters, limit=None, offset=0)
            return {row.unit_id: row.status for row in rows}

        every = await listed(board.BoardFilters())
        by_status = {s: await listed(board.BoardFilters(statuses={s.value})) for s in TargetStatus}
        pair = await listed(board.BoardFilters(statuses={"overdue", "submitted_late"}))
        overdue_queue = await listed(board.BoardFilters(queue="overdue"))
        unknown = await listed(board.BoardFilters(statuses={"no_such_status"}))
        # The same statements (one per shape, built once) with another scope's values: a month earlier nothing is
        # late.
        scope = expressions.Scope(campaign_id=campaign.id, campaign_due=DUE, now=NOW - timedelta(days=30),
                                  group_unit_id=campaign.issuer_unit_id)
        earlier = await listed(board.BoardFilters())
        earlier_overdue = await listed(board.BoardFilters(statuses={"overdue"}))

    for status, found in by_status.items():
        assert found == {u: s for u, s in every.items() if s == status.value}, status
    assert pair == {u: s for u, s in every.items() if s in ("overdue", "submitted_late")}
    assert set(overdue_queue) == {u for u, s in every.items() if s == "overdue" or s == "returned"}
    assert unknown == {}
    assert set(every.values()) == {s.value for s in TargetStatus}  # every status is met by some combination
    assert set(earlier) == set(every) and "overdue" not in earlier.values() and earlier_overdue == {}
