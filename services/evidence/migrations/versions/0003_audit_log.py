"""audit log: the append-only audit trail (edudx_common.audit)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 20:45:24.257344
"""

from collections.abc import Sequence

from alembic import op

from edudx_common.audit import create_table_in_migration, drop_table_in_migration


revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_table_in_migration(op)


def downgrade() -> None:
    drop_table_in_migration(op)
