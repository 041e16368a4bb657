"""webhooks: subscriptions, delivery log, and the outbox their deliveries go through

Revision ID: h19b_0003
Revises: h17_0002
Create Date: 2026-12-06 22:04:37.262649
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import edudx_common.db
from edudx_common.tables import migrations as shared_tables


revision: str = 'h19b_0003'
down_revision: str | None = 'h17_0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    shared_tables.upgrade(op, "outbox", to=1)

    op.create_table('webhook_subscriptions',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('unit_id', sa.Uuid(), nullable=False),
    sa.Column('url', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('description', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.Column('event_types', sa.JSON(), nullable=False),
    sa.Column('secret', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('consecutive_failures', sa.Integer(), nullable=False),
    sa.Column('disabled_at', edudx_common.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('disabled_reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('created_by', sa.Uuid(), nullable=True),
    sa.Column('created_at', edudx_common.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', edudx_common.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('consecutive_failures >= 0', name='ck_webhook_subscriptions_failures'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('webhook_subscriptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_webhook_subscriptions_unit_id'), ['unit_id'], unique=False)

    op.create_table('webhook_deliveries',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('subscription_id', sa.Uuid(), nullable=False),
    sa.Column('event_id', sa.Uuid(), nullable=False),
    sa.Column('event_type', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('occurred_at', edudx_common.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_attempt_at', edudx_common.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_status_code', sa.Integer(), nullable=True),
    sa.Column('last_response_excerpt', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('delivered_at', edudx_common.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', edudx_common.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('pending', 'delivered', 'failed')", name='ck_webhook_deliveries_status'),
    sa.ForeignKeyConstraint(['subscription_id'], ['webhook_subscriptions.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('webhook_deliveries', schema=None) as batch_op:
        batch_op.create_index('ix_webhook_deliveries_subscription_created', ['subscription_id', 'created_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('webhook_deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_webhook_deliveries_subscription_created')

    op.drop_table('webhook_deliveries')
    with op.batch_alter_table('webhook_subscriptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_webhook_subscriptions_unit_id'))

    op.drop_table('webhook_subscriptions')
    shared_tables.downgrade(op, "outbox", to=0, current=1)
