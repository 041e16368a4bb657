from sqlmodel import SQLModel

import identity.models  # noqa: F401 — registers every table on SQLModel.metadata
from edudx_common.migrations import run_migrations
from identity.config import Settings

run_migrations(SQLModel.metadata, Settings())
