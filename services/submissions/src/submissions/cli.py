"""`python -m submissions.cli` commands for operators, the outbox's too (`outbox status|requeue|purge`,
docs/operations.md)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import uuid
from pathlib import Path

from edudx_common.db import create_engine, session_factory, session_scope
from edudx_common.event_retention import EVENT_COMMANDS, add_event_commands, run_event_command
from edudx_common.http import ServiceClient, ServiceTokenProvider
from submissions.clients.identity import IdentityClient
from submissions.clients.scoring import ScoringClient
from submissions.config import Settings
from submissions.demo_signatures import ensure_demo_ca, seed_demo_draft, seed_signed_report
from submissions.events import EventSink
from submissions.outlines.service import seed_templates
from submissions.seed import seed_demo


async def _run(settings: Settings, command: str, args: argparse.Namespace) -> None:
    engine = create_engine(settings.database_url, schema=settings.database_schema)
    tokens = ServiceTokenProvider(identity_url=settings.identity_url, client_id=settings.service_client_id,
                                  client_secret=settings.service_client_secret)
    identity = ServiceClient(settings.identity_url, name="identity", token_provider=tokens)
    scoring = ServiceClient(settings.scoring_url, name="scoring", token_provider=tokens)
    try:
        async for session in session_scope(session_factory(engine)):
            events = EventSink(tuple(settings.event_receivers))
            out: dict[str, str | None] = {}
            if command == "seed-templates":
                await seed_templates(session)
            elif command == "seed-demo-signed":
                signed = await seed_signed_report(session, IdentityClient(identity), ScoringClient(scoring), events,
                                                  submission_id=args.submission_id, principal_name=args.principal,
                                                  ca_directory=Path(args.demo_ca_dir))
                out = {"signed_submission_id": str(args.submission_id) if signed else None}
            else:
                campaign = await seed_demo(session, IdentityClient(identity), events,
                                           issuer_unit_id=args.issuer_unit_id, rubric_id=args.rubric_id)
                out = {"campaign_id": str(campaign.id), "title": campaign.title}
                if args.signed_unit_id:
                    draft = await seed_demo_draft(session, campaign=campaign, unit_id=uuid.UUID(args.signed_unit_id),
                                                  principal_name=args.signed_principal)
                    out["signed_draft_id"] = str(draft) if draft else None
            if out:
                json.dump(out, sys.stdout, ensure_ascii=False)
                sys.stdout.write("\n")
    finally:
        await identity.aclose()
        await scoring.aclose()
        await engine.dispose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m submissions.cli")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("seed-templates", help="add the shared outline templates (idempotent)")
    demo = commands.add_parser("seed-demo", help="templates, the current school year and a published demo campaign "
                                                 "(needs identity running)")
    demo.add_argument("--issuer-unit-id", required=True, help="the issuing authority (the Sở since 7/2025)")
    demo.add_argument("--rubric-id", help="the scoring service's rubric the campaign is scored against")
    demo.add_argument("--signed-unit-id", help="a school whose report is written now, to be self-scored "
                                               "(scoring's seed-demo-self-scores), then submitted and signed "
                                               "(seed-demo-signed)")
    demo.add_argument("--signed-principal", default="Hiệu trưởng (DEMO)", help="the principal's name")
    signed = commands.add_parser("seed-demo-signed", help="submit the demo draft and sign it with DEMO certificates "
                                                          "(needs identity and scoring running)")
    signed.add_argument("--submission-id", required=True, type=uuid.UUID)
    signed.add_argument("--principal", default="Hiệu trưởng (DEMO)", help="the name on the DEMO certificate")
    signed.add_argument("--demo-ca-dir", required=True, help="where the DEMO CA is kept (see demo-ca)")
    ca = commands.add_parser("demo-ca", help="make the embedded run's DEMO certificate authority if missing "
                                             "(for demo accounts only; prints its certificate's path)")
    ca.add_argument("--dir", required=True)
    add_event_commands(commands, outbox=True, inbox=False)
    args = parser.parse_args(argv)
    if args.command in EVENT_COMMANDS:
        print(json.dumps(asyncio.run(run_event_command(Settings(), args)), ensure_ascii=False))
        return
    if args.command == "demo-ca":
        print(ensure_demo_ca(Path(args.dir)))
        return
    asyncio.run(_run(Settings(), args.command, args))


if __name__ == "__main__":
    main()
