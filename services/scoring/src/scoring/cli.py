"""`python -m scoring.cli seed-demo`: the rubrics every installation starts with (printed as JSON: their ids).

The seed-004 rubric and the QĐ 4725 reference template are created once, by their keys; running it again
finds them.
"""

from __future__ import annotations

import argparse
import asyncio
import json

from edudx_common.auth import Principal
from edudx_common.db import create_engine, session_factory
from scoring.config import Settings
from scoring.rubrics.service import ensure_templates

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


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m scoring.cli")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("seed-demo", help="create the seed-004 rubric and the QĐ 4725 reference template")
    parser.parse_args()
    print(json.dumps({"rubrics": asyncio.run(seed_demo(Settings()))}))


if __name__ == "__main__":
    main()
