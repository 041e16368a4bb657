"""integration clients: API credentials of outside systems bound to one unit's subtree

Revision ID: h19b_0005
Revises: h18b_0004
Create Date: 2026-12-06 22:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import edudx_common.db

revision: str = 'h19b_0005'
down_revision: str | None = 'h20a_0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('integration_clients',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('client_id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('secret_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('unit_id', sa.Uuid(), nullable=False),
    sa.Column('scope', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('created_by', sa.Uuid(), nullable=True),
    sa.Column('created_at', edudx_common.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', edudx_common.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', edudx_common.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_used_at', edudx_common.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("scope IN ('read', 'read write')", name='ck_integration_clients_scope'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('client_id')
    )
    with op.batch_alter_table('integration_clients', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_integration_clients_revoked_at'), ['revoked_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_integration_clients_unit_id'), ['unit_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('integration_clients', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_integration_clients_unit_id'))
        batch_op.drop_index(batch_op.f('ix_integration_clients_revoked_at'))

    op.drop_table('integration_clients')
