"""audit log: the append-only audit trail (edudx_common.audit)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 20:45:31.734314
"""

from collections.abc import Sequence

from alembic import op

from edudx_common.audit import create_table_in_migration, drop_table_in_migration


revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_table_in_migration(op)


def downgrade() -> None:
    drop_table_in_migration(op)
