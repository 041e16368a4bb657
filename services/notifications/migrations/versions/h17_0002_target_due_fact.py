"""target due fact: the time of the fact each target's deadline comes from (submissions computes the deadline;
notifications stores it, a later fact winning)

Revision ID: h17_0002
Revises: h17_0001
Create Date: 2026-12-06 19:41:44.748152
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import edudx_common.db


revision: str = 'h17_0002'
down_revision: str | None = 'h17_0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('tracked_targets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('due_fact_at', edudx_common.db.UTCDateTime(timezone=True), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('tracked_targets', schema=None) as batch_op:
        batch_op.drop_column('due_fact_at')

