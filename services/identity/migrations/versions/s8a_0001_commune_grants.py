"""commune_grants: rights a Sở grants a commune official (reminders, review) on the commune's schools (issue 20).

Revision ID: s8a_0001
Revises: h20c_0006
Create Date: 2026-12-07 05:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import edudx_common.db

revision: str = 's8a_0001'
down_revision: str | None = 'h20c_0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'commune_grants',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('user_id', sa.Uuid(), nullable=False),
        sa.Column('commune_id', sa.Uuid(), nullable=False),
        sa.Column('issuer_unit_id', sa.Uuid(), nullable=False),
        sa.Column('rights', sa.JSON(), nullable=False),
        sa.Column('valid_from', sa.Date(), nullable=False),
        sa.Column('valid_to', sa.Date(), nullable=True),
        sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column('created_at', edudx_common.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('updated_at', edudx_common.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('revoked_at', edudx_common.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('revoked_by', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
        sa.CheckConstraint('valid_to IS NULL OR valid_to > valid_from', name='ck_commune_grants_dates'),
        sa.ForeignKeyConstraint(['commune_id'], ['units.id']),
        sa.ForeignKeyConstraint(['issuer_unit_id'], ['units.id']),
        sa.ForeignKeyConstraint(['user_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_commune_grants_user_id', 'commune_grants', ['user_id'], unique=False)
    op.create_index('ix_commune_grants_commune', 'commune_grants', ['commune_id'], unique=False)
    op.create_index('ix_commune_grants_issuer', 'commune_grants', ['issuer_unit_id'], unique=False)
    op.create_index('uq_commune_grants_open', 'commune_grants', ['user_id', 'commune_id', 'issuer_unit_id'],
                    unique=True, postgresql_where=sa.text('revoked_at IS NULL'),
                    sqlite_where=sa.text('revoked_at IS NULL'))


def downgrade() -> None:
    op.drop_index('uq_commune_grants_open', table_name='commune_grants')
    op.drop_index('ix_commune_grants_issuer', table_name='commune_grants')
    op.drop_index('ix_commune_grants_commune', table_name='commune_grants')
    op.drop_index('ix_commune_grants_user_id', table_name='commune_grants')
    op.drop_table('commune_grants')
