"""`python -m notifications.cli` commands for operators.

    worker [--steps plan,expand,send,reconcile]   run the background work as its own process (any number of
                                                  them, against one PostgreSQL; stop with SIGTERM or Ctrl-C)
    run-once                                      every step once, then exit (cron, or a quick check)
    reconcile CAMPAIGN_ID                         compare one campaign with the submissions service now
    resend-failed CAMPAIGN_ID                     send one campaign's failed e-mails again (those that had no
                                                  recipient are composed again from the current contacts)
    inbox status | inbox purge --older-than 30d   ids of accepted events (docs/operations.md)
    webhooks purge --older-than 30d               delete the webhook delivery log's delivered and given-up
                                                  deliveries older than that (the worker's `retention` step
                                                  does it every hour with NOTIFICATIONS_WEBHOOKS_KEEP_DELIVERIES_DAYS)
    webhooks new-key                              print a new key for NOTIFICATIONS_WEBHOOKS_SECRET_KEYS
    webhooks rotate-secrets                       encrypt every signing secret again with the first key
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
import uuid
from dataclasses import asdict
from datetime import timedelta

from sqlalchemy import select

from edudx_common.db import utcnow
from edudx_common.event_retention import EVENT_COMMANDS, add_event_commands, parse_age, run_event_command
from edudx_common.logging import configure_logging
from notifications.campaigns.sync import reconcile
from notifications.config import Settings
from notifications.delivery.service import resend_failed
from notifications.webhooks.models import WebhookSubscription
from notifications.webhooks.vault import new_key
from notifications.worker import STEPS, build_runtime


async def _worker(settings: Settings, steps: tuple[str, ...]) -> None:
    runtime = build_runtime(settings, clock=utcnow)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        async with runtime.worker.running(steps=steps):
            sys.stderr.write(f"notifications worker {runtime.worker.name}: {', '.join(steps)}\n")
            await stop.wait()
    finally:
        await runtime.aclose()


async def _run_once(settings: Settings) -> None:
    runtime = build_runtime(settings, clock=utcnow)
    try:
        report = await runtime.worker.run_once()
        json.dump(asdict(report), sys.stdout, default=str, ensure_ascii=False)
        sys.stdout.write("\n")
    finally:
        await runtime.aclose()


async def _reconcile(settings: Settings, campaign_id: uuid.UUID) -> None:
    runtime = build_runtime(settings, clock=utcnow)
    try:
        report = await reconcile(runtime.worker.sessions, runtime.worker.submissions, campaign_id, now=utcnow())
        json.dump(asdict(report), sys.stdout, default=str, ensure_ascii=False)
        sys.stdout.write("\n")
    finally:
        await runtime.aclose()


async def _resend_failed(settings: Settings, campaign_id: uuid.UUID) -> None:
    runtime = build_runtime(settings, clock=utcnow)
    try:
        async with runtime.worker.sessions() as session, session.begin():
            report = await resend_failed(session, None, campaign_id, now=utcnow(),
                                         give_up_after=timedelta(hours=settings.give_up_after_hours))
        json.dump(asdict(report), sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
    finally:
        await runtime.aclose()


async def _webhooks(settings: Settings, args: argparse.Namespace) -> dict[str, int | str]:
    if args.action == "new-key":
        return {"key": new_key()}
    runtime = build_runtime(settings, clock=utcnow)
    try:
        if args.action == "purge":
            return {"purged": await runtime.worker.purge_webhook_deliveries(utcnow(), keep=args.older_than)}
        vault = settings.secret_vault()
        async with runtime.worker.sessions() as session, session.begin():
            subscriptions = (await session.execute(select(WebhookSubscription))).scalars().all()
            for subscription in subscriptions:
                subscription.secret_encrypted = vault.reseal(subscription.secret_encrypted)
        return {"resealed": len(subscriptions)}
    finally:
        await runtime.aclose()


def _steps(value: str) -> tuple[str, ...]:
    steps = tuple(s.strip() for s in value.split(",") if s.strip())
    unknown = set(steps) - set(STEPS)
    if unknown or not steps:
        raise argparse.ArgumentTypeError(f"steps are {', '.join(STEPS)}")
    return steps


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m notifications.cli")
    commands = parser.add_subparsers(dest="command", required=True)
    worker = commands.add_parser("worker", help="plan, expand, send and reconcile until stopped")
    worker.add_argument("--steps", type=_steps, default=STEPS, help=f"comma-separated, default {','.join(STEPS)}")
    commands.add_parser("run-once", help="every step once, then exit")
    sync = commands.add_parser("reconcile", help="compare one campaign with the submissions service")
    sync.add_argument("campaign_id", type=uuid.UUID)
    resend = commands.add_parser("resend-failed", help="send one campaign's failed e-mails again")
    resend.add_argument("campaign_id", type=uuid.UUID)
    add_event_commands(commands, outbox=False, inbox=True)
    webhooks = commands.add_parser("webhooks", help="webhook delivery log retention, secret keys")
    actions = webhooks.add_subparsers(dest="action", required=True)
    purge = actions.add_parser("purge", help="delete delivered and given-up deliveries before the given age")
    purge.add_argument("--older-than", required=True, type=parse_age, help="e.g. 30d")
    actions.add_parser("new-key", help="a new Fernet key for NOTIFICATIONS_WEBHOOKS_SECRET_KEYS")
    actions.add_parser("rotate-secrets", help="encrypt every signing secret again with the first key")
    args = parser.parse_args(argv)
    settings = Settings()
    configure_logging("notifications", settings.log_level, settings.log_json)
    if args.command in EVENT_COMMANDS:
        print(json.dumps(asyncio.run(run_event_command(settings, args)), ensure_ascii=False))
    elif args.command == "webhooks":
        print(json.dumps(asyncio.run(_webhooks(settings, args)), ensure_ascii=False))
    elif args.command == "worker":
        asyncio.run(_worker(settings, args.steps))
    elif args.command == "run-once":
        asyncio.run(_run_once(settings))
    elif args.command == "resend-failed":
        asyncio.run(_resend_failed(settings, args.campaign_id))
    else:
        asyncio.run(_reconcile(settings, args.campaign_id))


if __name__ == "__main__":
    main()
