"""The effective deadline is one rule written twice, in Python and in SQL (`submissions.deadlines`): they agree on
every combination of extension, submission state and resubmission date."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlmodel import SQLModel

from submissions import deadlines
from submissions.campaigns.models import Campaign, CampaignTarget
from submissions.workflow.models import Submission, SubmissionStatus

DUE = datetime(2026, 12, 15, 10, tzinfo=UTC)
EXTENSIONS = (None, DUE + timedelta(days=3))
STATES = (None, *(s.value for s in SubmissionStatus))  # None: the unit never opened its report
RESUBMISSIONS = (None, DUE + timedelta(days=7), DUE - timedelta(days=2))


async def test_python_rule_and_sql_expression_agree_on_every_combination() -> None:
    engine = create_async_engine("sqlite+aiosqlite://")
    async with engine.begin() as conn:
        await conn.run_sync(lambda sync: SQLModel.metadata.create_all(sync, tables=[
            SQLModel.metadata.tables[t] for t in ("campaigns", "campaign_targets", "submissions")]))
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    campaign = Campaign(issuer_unit_id=uuid.uuid4(), issuer_path="/", issuer_name="Sở", school_year_id=uuid.uuid4(),
                        title="Báo cáo", title_folded="bao cao", kind="year_end_report", opens_at=DUE - timedelta(30),
                        due_at=DUE)
    expected: dict[uuid.UUID, datetime] = {}
    async with sessions() as session, session.begin():
        session.add(campaign)
        for extension, state, resubmission in itertools.product(EXTENSIONS, STATES, RESUBMISSIONS):
            if state is None and resubmission is not None:
                continue  # no submission, no resubmission date
            target = CampaignTarget(campaign_id=campaign.id, unit_id=uuid.uuid4(), unit_code="T", unit_name="Trường",
                                    unit_name_folded="truong", unit_type="school", unit_path="/",
                                    extension_due_at=extension)
            session.add(target)
            if state is not None:
                session.add(Submission(campaign_id=campaign.id, target_id=target.id, unit_id=target.unit_id,
                                       status=state, resubmission_due_at=resubmission))
            expected[target.unit_id] = deadlines.effective_due(DUE, extension, state, resubmission)
    async with sessions() as session:
        computed = await deadlines.unit_deadlines(session, campaign.id, DUE)
        own = await deadlines.unit_deadlines(session, campaign.id, DUE, only_own=True)
    await engine.dispose()

    assert {u: d.astimezone(UTC) for u, d in computed.items()} == expected
    assert set(own) == {u for u, d in expected.items() if d != DUE}
    assert len(expected) == len(EXTENSIONS) * (1 + len(SubmissionStatus) * len(RESUBMISSIONS))
    assert {d for d in expected.values()} == {DUE, *(e for e in EXTENSIONS if e), *(r for r in RESUBMISSIONS if r)}
