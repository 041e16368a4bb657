"""`edudx-identity` commands for operators: signing key, demo data, first administrator, the outbox (`outbox
status|requeue|purge`, docs/operations.md)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from edudx_common.db import create_engine, session_factory, session_scope
from edudx_common.event_retention import EVENT_COMMANDS, add_event_commands, run_event_command
from identity.auth.passwords import Passwords
from identity.config import Settings
from identity.keys import ensure_private_key_file
from identity.seed import DEMO_NOTE, DEMO_PASSWORD, bootstrap_admin, seed_demo
from identity.units.models import UnitType


async def _seed_demo(settings: Settings, *, archive_office: bool) -> None:
    engine = create_engine(settings.database_url, schema=settings.database_schema)
    passwords = Passwords(fast=settings.password_hash_fast, concurrency=settings.password_hash_concurrency)
    async for session in session_scope(session_factory(engine)):
        accounts, unit_ids = await seed_demo(session, passwords, archive_office=archive_office)
    await engine.dispose()
    json.dump({"password": DEMO_PASSWORD,
               "accounts": [{"email": a.email, "role": a.role.value,
                             "unit": f"{a.unit_name} ({a.granted})" if a.granted else a.unit_name}
                            for a in accounts],
               "units": unit_ids,
               "notes": [DEMO_NOTE]},
              sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")


async def _bootstrap_admin(settings: Settings, args: argparse.Namespace) -> None:
    engine = create_engine(settings.database_url, schema=settings.database_schema)
    async for session in session_scope(session_factory(engine)):
        passwords = Passwords(min_length=settings.password_min_length, concurrency=settings.password_hash_concurrency)
        await bootstrap_admin(session, passwords,
                              unit_code=args.unit_code, unit_name=args.unit_name, unit_type=UnitType(args.unit_type),
                              email=args.email.lower(), password=args.password)
    await engine.dispose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="edudx-identity")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("ensure-key", help="create the token signing key file if it does not exist")
    demo = commands.add_parser("seed-demo",
                               help="create the demo province and accounts (idempotent); prints them as JSON")
    demo.add_argument("--office-archived-later", action="store_true",
                      help="leave Phòng Long Hồ active with its accounts: the caller archives it through the API once "
                           "its 2024-2025 campaign is done (scripts/demo_last_year.py)")
    admin = commands.add_parser("bootstrap-admin", help="create the root unit and a system administrator")
    admin.add_argument("--unit-code", required=True)
    admin.add_argument("--unit-name", required=True)
    admin.add_argument("--unit-type", default=UnitType.DEPARTMENT.value, choices=[t.value for t in UnitType])
    admin.add_argument("--email", required=True)
    admin.add_argument("--password", required=True)
    add_event_commands(commands, outbox=True, inbox=False)
    args = parser.parse_args(argv)
    settings = Settings()
    if args.command in EVENT_COMMANDS:
        print(json.dumps(asyncio.run(run_event_command(settings, args)), ensure_ascii=False))
        return
    if args.command == "ensure-key":
        ensure_private_key_file(settings.jwt_private_key_file)
    elif args.command == "seed-demo":
        asyncio.run(_seed_demo(settings, archive_office=not args.office_archived_later))
    elif args.command == "bootstrap-admin":
        asyncio.run(_bootstrap_admin(settings, args))


if __name__ == "__main__":
    main()
