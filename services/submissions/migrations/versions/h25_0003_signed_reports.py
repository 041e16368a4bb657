"""signed reports: the official PDF of each submitted version, accepted signed copies, campaigns' require_signature

Revision ID: h25_0003
Revises: h22b_0001
Create Date: 2026-12-06 18:39:38.684392
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import edudx_common.db


revision: str = 'h25_0003'
down_revision: str | None = 'h22b_0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('official_documents',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('submission_id', sa.Uuid(), nullable=False),
    sa.Column('version_number', sa.Integer(), nullable=False),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', edudx_common.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('submission_id', 'version_number', name='uq_official_documents_version')
    )
    with op.batch_alter_table('official_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_official_documents_submission_id'), ['submission_id'], unique=False)

    op.create_table('signed_reports',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('submission_id', sa.Uuid(), nullable=False),
    sa.Column('version_number', sa.Integer(), nullable=False),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('signer_name', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('signer_subject', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('signer_issuer', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('signer_serial', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('certificate_valid_until', edudx_common.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('signing_time', edudx_common.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('timestamp_time', edudx_common.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('seal_name', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('seal_subject', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
    sa.Column('name_matches', sa.Boolean(), nullable=False),
    sa.Column('warnings', sa.JSON(), nullable=False),
    sa.Column('uploaded_by', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('uploaded_by_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('uploaded_at', edudx_common.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('signed_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signed_reports_submission_id'), ['submission_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_signed_reports_uploaded_at'), ['uploaded_at'], unique=False)

    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.add_column(sa.Column('require_signature', sa.Boolean(), nullable=False, server_default=sa.false()))



def downgrade() -> None:
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.drop_column('require_signature')

    with op.batch_alter_table('signed_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_signed_reports_uploaded_at'))
        batch_op.drop_index(batch_op.f('ix_signed_reports_submission_id'))

    op.drop_table('signed_reports')
    with op.batch_alter_table('official_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_official_documents_submission_id'))

    op.drop_table('official_documents')
