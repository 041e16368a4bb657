"""producer positions: how far the copies of other services' data have caught up (identity's change events)

Revision ID: h17_0001
Revises: 0002
Create Date: 2026-12-06 18:41:21.644757
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import edudx_common.db


revision: str = 'h17_0001'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('producer_positions',
    sa.Column('producer', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
    sa.Column('position', sa.BigInteger(), nullable=False),
    sa.Column('applied_at', edudx_common.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('producer')
    )


def downgrade() -> None:
    op.drop_table('producer_positions')
