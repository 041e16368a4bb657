"""review workbench: assignments and score copies (target_reviews), declines, bulk actions with an undo window,
campaigns' revision period, submissions' completeness

Revision ID: h21b_0001
Revises: h25_0003
Create Date: 2026-12-06 22:02:22.802983
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import edudx_common.db


revision: str = 'h21b_0001'
down_revision: str | None = 'h20b_0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # inbox_events: created by h20b_0001 (one inbox for identity's and scoring's events)
    op.create_table('bulk_actions',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('campaign_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('unit_ids', sa.JSON(), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('actor', sa.JSON(), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('run_after', edudx_common.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_at', edudx_common.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', edudx_common.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('results', sa.JSON(), nullable=False),
    sa.CheckConstraint("state IN ('scheduled', 'cancelled', 'done')", name='ck_bulk_actions_state'),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('bulk_actions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bulk_actions_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index('ix_bulk_actions_state_run_after', ['state', 'run_after'], unique=False)

    op.create_table('review_declines',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('target_id', sa.Uuid(), nullable=False),
    sa.Column('reviewer_id', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('reviewer_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('at', edudx_common.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['target_id'], ['campaign_targets.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('target_id', 'reviewer_id', name='uq_review_declines_reviewer')
    )
    with op.batch_alter_table('review_declines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_declines_target_id'), ['target_id'], unique=False)

    op.create_table('target_reviews',
    sa.Column('target_id', sa.Uuid(), nullable=False),
    sa.Column('campaign_id', sa.Uuid(), nullable=False),
    sa.Column('reviewer_id', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
    sa.Column('reviewer_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('assigned_at', edudx_common.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('assigned_by', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
    sa.Column('self_score', sa.Float(), nullable=True),
    sa.Column('review_score', sa.Float(), nullable=True),
    sa.Column('final_score', sa.Float(), nullable=True),
    sa.Column('scores_at', edudx_common.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], ),
    sa.ForeignKeyConstraint(['target_id'], ['campaign_targets.id'], ),
    sa.PrimaryKeyConstraint('target_id')
    )
    with op.batch_alter_table('target_reviews', schema=None) as batch_op:
        batch_op.create_index('ix_target_reviews_campaign_reviewer', ['campaign_id', 'reviewer_id'], unique=False)

    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revision_days', sa.Integer(), server_default='7', nullable=False))
        batch_op.create_check_constraint('ck_campaigns_revision_days', 'revision_days BETWEEN 1 AND 90')

    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('completeness', sa.Integer(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.drop_column('completeness')

    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.drop_constraint('ck_campaigns_revision_days', type_='check')
        batch_op.drop_column('revision_days')

    with op.batch_alter_table('target_reviews', schema=None) as batch_op:
        batch_op.drop_index('ix_target_reviews_campaign_reviewer')

    op.drop_table('target_reviews')
    with op.batch_alter_table('review_declines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_declines_target_id'))

    op.drop_table('review_declines')
    with op.batch_alter_table('bulk_actions', schema=None) as batch_op:
        batch_op.drop_index('ix_bulk_actions_state_run_after')
        batch_op.drop_index(batch_op.f('ix_bulk_actions_campaign_id'))

    op.drop_table('bulk_actions')
