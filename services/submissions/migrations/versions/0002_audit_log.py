"""audit log: the append-only audit trail (edudx_common.tables.audit)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 20:45:44.505253
"""

from collections.abc import Sequence

from alembic import op

from edudx_common.tables import migrations as shared_tables


revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    shared_tables.upgrade(op, "audit", to=1)


def downgrade() -> None:
    shared_tables.downgrade(op, "audit", to=0, current=1)
