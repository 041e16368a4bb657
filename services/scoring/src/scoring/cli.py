"""`python -m scoring.cli` commands for operators.

- `seed-demo`: the rubrics every installation starts with, printed as JSON (their ids). The seed-004 rubric and
  the QĐ 4725 reference template are created once, by their keys; running it again finds them.
- `seed-demo-self-scores --submission-id …`: the demo school's self-scores for its draft (the embedded run's
  signed demo report), saved through the same checks as a person's save: criteria that need evidence are scored
  0 (the demo uploads none), the others at three quarters of their points.
- `outbox status|requeue|purge`, `inbox status|purge`: the events' operator paths (docs/operations.md).
- `refresh-summaries`: recompute every sheet's stored summary (after a release that changes the calculation,
  i.e. bumps `SUMMARY_VERSION`); prints how many were rewritten.
- `stamp-issuers`: give the sheets stored before migration s8b_0001 their campaign's issuer and sub-authority
  (asked of submissions, one campaign at a time, one UPDATE each): run once after migrating. Results are right
  before it too (they cut the group out of the paths of a campaign not yet stamped), only slower; a results read
  never writes. Prints how many sheets were stamped and the campaigns submissions no longer knows. Then
  `VACUUM ANALYZE score_sheets` (or let autovacuum run): results read index-only, which needs the pages marked
  all-visible again after an UPDATE of every sheet.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from edudx_common.auth import Principal, Role
from edudx_common.db import create_engine, session_factory, utcnow
from edudx_common.event_retention import EVENT_COMMANDS, add_event_commands, run_event_command
from edudx_common.http import downstream_clients
from edudx_common.scope import RemoteUnitTree
from edudx_common.tables.outbox import EventSink
from scoring.clients.evidence import EvidenceClient
from scoring.clients.identity import IdentityClient
from scoring.clients.submissions import SubmissionsClient
from scoring.config import Settings
from scoring.errors import CampaignNotFound
from scoring.rubrics.definition import Criterion, CriterionKind, RubricDefinition
from scoring.rubrics.service import definition_of, ensure_templates, get_rubric
from scoring.sheets import repository as sheets_repository
from scoring.sheets.calculation import SUMMARY_VERSION
from scoring.sheets.models import ScoreSheet
from scoring.sheets.schemas import SelfScoreInput
from scoring.sheets.service import load_context, refresh_summary, save_self_scores

SEED_PRINCIPAL = Principal(subject="seed", kind="service", name="Dữ liệu khởi tạo")


async def seed_demo(settings: Settings) -> dict[str, str]:
    engine = create_engine(settings.database_url, schema=settings.database_schema)
    try:
        async with session_factory(engine)() as session:
            rubrics = await ensure_templates(session, SEED_PRINCIPAL)
            await session.commit()
            return {key: str(rubric.id) for key, rubric in rubrics.items()}
    finally:
        await engine.dispose()


def demo_self_score(definition: RubricDefinition, criterion: Criterion) -> SelfScoreInput:
    """A plausible self-score that needs no evidence when the criterion requires some (the demo uploads none)."""
    claim = not criterion.evidence_required
    entry = SelfScoreInput(criterion_code=criterion.code, note="Tự chấm mẫu (DEMO)")
    if criterion.kind == CriterionKind.MANDATORY:
        entry.passed = claim
    elif criterion.kind == CriterionKind.BLOCKS:
        entry.item_codes = [item.code for item in criterion.items[: len(criterion.items) // 2 or 1]] if claim else []
    elif criterion.kind == CriterionKind.LEVELS:
        levels = sorted(criterion.items, key=lambda item: item.points)
        entry.level_code = levels[len(levels) // 2].code if claim else levels[0].code
    else:
        step = float(criterion.step or definition.step)
        entry.points = math.floor(float(criterion.max_points) * 0.75 / step) * step if claim else 0
    return entry


async def seed_demo_self_scores(settings: Settings, submission_id: uuid.UUID) -> int:
    """Self-score every criterion of the demo school's draft as its IT officer would; returns how many."""
    clients, _ = downstream_clients(settings, submissions=settings.submissions_url, evidence=settings.evidence_url)
    engine = create_engine(settings.database_url, schema=settings.database_schema)
    try:
        submissions = SubmissionsClient(clients["submissions"])
        info = await submissions.submission(submission_id)
        officer = Principal(subject=f"demo:{info.unit_id}", kind="user", unit_id=info.unit_id,
                            roles=frozenset({Role.SCHOOL_IT_OFFICER.value}), name="Cán bộ CNTT (DEMO)")
        async with session_factory(engine)() as session:
            ctx = await load_context(session, officer, submission_id, submissions=submissions,
                                     tree=RemoteUnitTree(clients["identity"]))
            entries = [demo_self_score(ctx.definition, criterion)
                       for group in ctx.definition.groups for criterion in group.criteria]
            await save_self_scores(session, officer, ctx, entries, identity=IdentityClient(clients["identity"]),
                                   evidence=EvidenceClient(clients["evidence"]),
                                   events=EventSink(tuple(settings.event_receivers)), clock=utcnow)
            await session.commit()
            return len(entries)
    finally:
        for client in clients.values():
            await client.aclose()
        await engine.dispose()


async def refresh_summaries(settings: Settings) -> int:
    engine = create_engine(settings.database_url, schema=settings.database_schema)
    rewritten = 0
    try:
        async with session_factory(engine)() as session:
            for sheet in (await session.execute(select(ScoreSheet))).scalars():
                if sheet.summary is None or sheet.summary.get("version") != SUMMARY_VERSION:
                    await refresh_summary(session, sheet, definition_of(await get_rubric(session, sheet.rubric_id)),
                                          None)
                    rewritten += 1
            await session.commit()
    finally:
        await engine.dispose()
    return rewritten


async def stamp_campaigns(session: AsyncSession, submissions: SubmissionsClient) -> dict[str, Any]:
    """Every campaign with sheets lacking their issuer, stamped and committed one at a time (a short lock each, and
    what is done stays done if a later one fails)."""
    stamped, unknown = 0, []
    for campaign_id in await sheets_repository.unstamped_campaigns(session):
        try:
            campaign = await submissions.campaign(campaign_id)
        except CampaignNotFound:
            unknown.append(str(campaign_id))
            continue
        stamped += await sheets_repository.stamp_issuer(session, campaign_id, campaign.issuer_unit_id)
        await session.commit()
    return {"stamped": stamped, "unknown_campaigns": unknown}


async def stamp_issuers(settings: Settings) -> dict[str, Any]:
    clients, _ = downstream_clients(settings, submissions=settings.submissions_url)
    engine = create_engine(settings.database_url, schema=settings.database_schema)
    try:
        async with session_factory(engine)() as session:
            return await stamp_campaigns(session, SubmissionsClient(clients["submissions"]))
    finally:
        for client in clients.values():
            await client.aclose()
        await engine.dispose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m scoring.cli")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("seed-demo", help="create the seed-004 rubric and the QĐ 4725 reference template")
    demo_scores = commands.add_parser("seed-demo-self-scores",
                                      help="self-score the demo school's draft (the embedded run's signed report)")
    demo_scores.add_argument("--submission-id", required=True, type=uuid.UUID)
    commands.add_parser("refresh-summaries", help="recompute stored sheet summaries made by an older calculation")
    commands.add_parser("stamp-issuers", help="give sheets stored before s8b_0001 their campaign's issuer and group")
    add_event_commands(commands, outbox=True, inbox=True)
    args = parser.parse_args(argv)
    if args.command in EVENT_COMMANDS:
        print(json.dumps(asyncio.run(run_event_command(Settings(), args)), ensure_ascii=False))
    elif args.command == "seed-demo":
        print(json.dumps({"rubrics": asyncio.run(seed_demo(Settings()))}))
    elif args.command == "seed-demo-self-scores":
        print(json.dumps({"self_scored": asyncio.run(seed_demo_self_scores(Settings(), args.submission_id))}))
    elif args.command == "stamp-issuers":
        print(json.dumps(asyncio.run(stamp_issuers(Settings()))))
    else:
        print(json.dumps({"rewritten": asyncio.run(refresh_summaries(Settings()))}))


if __name__ == "__main__":
    main()
