"""unit_contacts.commune_id: a school's UBND xã/phường, whose officials a Sở may grant the school's reminders.

Cached rows get none until they are fetched again (their TTL, or identity's next change event).

Revision ID: s8a_0001
Revises: h19d_0004
Create Date: 2026-12-07 05:35:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 's8a_0001'
down_revision: str | None = 'h19d_0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('unit_contacts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('commune_id', sa.Uuid(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('unit_contacts', schema=None) as batch_op:
        batch_op.drop_column('commune_id')
