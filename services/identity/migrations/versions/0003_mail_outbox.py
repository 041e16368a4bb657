"""mail outbox: identity's e-mails are recorded with their one-time link and sent by the outbox dispatcher

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 21:50:00
"""

from collections.abc import Sequence

from alembic import op

from edudx_common.tables import migrations as shared_tables

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    shared_tables.upgrade(op, "outbox", to=1)


def downgrade() -> None:
    shared_tables.downgrade(op, "outbox", to=0, current=1)
