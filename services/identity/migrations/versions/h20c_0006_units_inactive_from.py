"""units inactive_from: the day a unit stopped (archived, merged, deactivated), so the tree `as_of` an earlier day
shows it active. Units stopped before this revision keep no day (shown inactive on every day, as before).

Revision ID: h20c_0006
Revises: h19b_0005
Create Date: 2026-12-07 02:03:48.524527
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'h20c_0006'
down_revision: str | None = 'h19b_0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.add_column(sa.Column('inactive_from', sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.drop_column('inactive_from')
