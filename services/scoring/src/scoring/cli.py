"""`python -m scoring.cli` commands for operators.

- `seed-demo`: the rubrics every installation starts with, printed as JSON (their ids). The seed-004 rubric and
  the QĐ 4725 reference template are created once, by their keys; running it again finds them.
- `refresh-summaries`: recompute every sheet's stored summary (after a release that changes the calculation,
  i.e. bumps `SUMMARY_VERSION`); prints how many were rewritten.
"""

from __future__ import annotations

import argparse
import asyncio
import json

from sqlalchemy import select

from edudx_common.auth import Principal
from edudx_common.db import create_engine, session_factory
from scoring.config import Settings
from scoring.rubrics.service import definition_of, ensure_templates, get_rubric
from scoring.sheets.calculation import SUMMARY_VERSION
from scoring.sheets.models import ScoreSheet
from scoring.sheets.service import refresh_summary

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


async def refresh_summaries(settings: Settings) -> int:
    engine = create_engine(settings.database_url, schema=settings.database_schema)
    rewritten = 0
    try:
        async with session_factory(engine)() as session:
            for sheet in (await session.execute(select(ScoreSheet))).scalars():
                if sheet.summary is None or sheet.summary.get("version") != SUMMARY_VERSION:
                    await refresh_summary(session, sheet, definition_of(await get_rubric(session, sheet.rubric_id)))
                    rewritten += 1
            await session.commit()
    finally:
        await engine.dispose()
    return rewritten


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m scoring.cli")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("seed-demo", help="create the seed-004 rubric and the QĐ 4725 reference template")
    commands.add_parser("refresh-summaries", help="recompute stored sheet summaries made by an older calculation")
    args = parser.parse_args()
    if args.command == "seed-demo":
        print(json.dumps({"rubrics": asyncio.run(seed_demo(Settings()))}))
    else:
        print(json.dumps({"rewritten": asyncio.run(refresh_summaries(Settings()))}))


if __name__ == "__main__":
    main()
