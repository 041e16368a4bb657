"""score sheets: commune, clusters, levels, type and former paths (post-2025 unit model: results grouped by
commune, cluster or level; reorganisations keep history)

Revision ID: h20b_0001
Revises: h24_0003
Create Date: 2026-12-06 22:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = 'h20b_0001'
down_revision: str | None = 'h24_0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('score_sheets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('commune_id', sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column('commune_name', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True))
        batch_op.add_column(sa.Column('cluster_codes', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('cluster_names', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('education_levels', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('unit_type', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True))
        batch_op.add_column(sa.Column('former_unit_paths', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.create_index(batch_op.f('ix_score_sheets_commune_id'), ['commune_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('score_sheets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_score_sheets_commune_id'))
        for name in ('former_unit_paths', 'unit_type', 'education_levels', 'cluster_names', 'cluster_codes',
                     'commune_name', 'commune_id'):
            batch_op.drop_column(name)
