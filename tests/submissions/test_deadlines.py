"""The effective deadline is one rule written twice, in Python and in SQL (`submissions.deadlines`): they agree on
every combination of extension, submission state and resubmission date."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime, timedelta

from submissions import deadlines
from submissions.workflow.models import SubmissionStatus
from tests.submissions.grid_builders import add_grid_target, grid_campaign, grid_database

DUE = datetime(2026, 12, 15, 10, tzinfo=UTC)
EXTENSIONS = (None, DUE + timedelta(days=3))
STATES = (None, *(s.value for s in SubmissionStatus))  # None: the unit never opened its report
RESUBMISSIONS = (None, DUE + timedelta(days=7), DUE - timedelta(days=2))


async def test_python_rule_and_sql_expression_agree_on_every_combination() -> None:
    campaign = grid_campaign(DUE)
    expected: dict[uuid.UUID, datetime] = {}
    async with grid_database("campaigns", "campaign_targets", "submissions") as sessions:
        async with sessions() as session, session.begin():
            session.add(campaign)
            for extension, state, resubmission in itertools.product(EXTENSIONS, STATES, RESUBMISSIONS):
                if state is None and resubmission is not None:
                    continue  # no submission, no resubmission date
                target = add_grid_target(session, campaign, extension=extension, state=state,
                                         resubmission_due_at=resubmission)
                expected[target.unit_id] = deadlines.effective_due(DUE, extension, state, resubmission)
        async with sessions() as session:
            computed = await deadlines.unit_deadlines(session, campaign.id, DUE)
            own = await deadlines.unit_deadlines(session, campaign.id, DUE, only_own=True)

    assert {u: d.astimezone(UTC) for u, d in computed.items()} == expected
    assert set(own) == {u for u, d in expected.items() if d != DUE}
    assert len(expected) == len(EXTENSIONS) * (1 + len(SubmissionStatus) * len(RESUBMISSIONS))
    assert {d for d in expected.values()} == {DUE, *(e for e in EXTENSIONS if e), *(r for r in RESUBMISSIONS if r)}
