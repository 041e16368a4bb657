"""campaign targets: commune, clusters and former paths (post-2025 unit model: group by commune/cluster/level,
commune read-only scope, reorganisations keep history); inbox for identity's unit.changed

Revision ID: h20b_0001
Revises: h25_0003
Create Date: 2026-12-06 22:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from edudx_common.tables import migrations as shared_tables

revision: str = 'h20b_0001'
down_revision: str | None = 'h25_0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('campaign_targets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('commune_id', sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column('commune_name', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True))
        batch_op.add_column(sa.Column('cluster_codes', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('cluster_names', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('former_unit_paths', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.create_index(batch_op.f('ix_campaign_targets_commune_id'), ['commune_id'], unique=False)
    shared_tables.upgrade(op, "inbox", to=1)


def downgrade() -> None:
    shared_tables.downgrade(op, "inbox", to=0, current=1)
    with op.batch_alter_table('campaign_targets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaign_targets_commune_id'))
        batch_op.drop_column('former_unit_paths')
        batch_op.drop_column('cluster_names')
        batch_op.drop_column('cluster_codes')
        batch_op.drop_column('commune_name')
        batch_op.drop_column('commune_id')
