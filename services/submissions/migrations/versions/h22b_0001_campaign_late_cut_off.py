"""campaign late cut-off: late reports accepted until `late_until` (after the deadline)

Revision ID: h22b_0001
Revises: 0002
Create Date: 2026-12-06 18:36:08.665903
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import edudx_common.db


revision: str = 'h22b_0001'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.add_column(sa.Column('late_until', edudx_common.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_check_constraint('ck_campaigns_late_until', 'late_until IS NULL OR late_until > due_at')


def downgrade() -> None:
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.drop_constraint('ck_campaigns_late_until', type_='check')
        batch_op.drop_column('late_until')
