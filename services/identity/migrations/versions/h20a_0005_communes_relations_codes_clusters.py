"""post-2025 unit model: commune units, dated relations (backfilled), unit codes (backfilled), clusters,
reorganisations

Revision ID: h20a_0005
Revises: h18b_0004
Create Date: 2026-12-06 22:10:00
"""

import uuid
from collections.abc import Sequence
from datetime import date, datetime

import sqlalchemy as sa
import sqlmodel
from alembic import op

import edudx_common.db

revision: str = 'h20a_0005'
down_revision: str | None = 'h18b_0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _day(value: object) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, str):  # SQLite returns the stored text
        return datetime.fromisoformat(value[:19]).date()
    return date.today()


def upgrade() -> None:
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.add_column(sa.Column('commune_id', sa.Uuid(), nullable=True))
        batch_op.create_index(batch_op.f('ix_units_commune_id'), ['commune_id'], unique=False)

    relations = op.create_table('unit_relations',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('unit_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('related_unit_id', sa.Uuid(), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.CheckConstraint("kind IN ('professional', 'administrative')", name='ck_unit_relations_kind'),
    sa.CheckConstraint('valid_to IS NULL OR valid_to >= valid_from', name='ck_unit_relations_dates'),
    sa.ForeignKeyConstraint(['related_unit_id'], ['units.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('unit_relations', schema=None) as batch_op:
        batch_op.create_index('ix_unit_relations_unit_kind', ['unit_id', 'kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_unit_relations_related_unit_id'), ['related_unit_id'], unique=False)

    codes = op.create_table('unit_codes',
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('unit_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
    sa.CheckConstraint("kind IN ('current', 'former')", name='ck_unit_codes_kind'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], ),
    sa.PrimaryKeyConstraint('code')
    )
    with op.batch_alter_table('unit_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unit_codes_unit_id'), ['unit_id'], unique=False)

    op.create_table('unit_clusters',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('owner_unit_id', sa.Uuid(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['owner_unit_id'], ['units.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('owner_unit_id', 'code', name='uq_unit_clusters_owner_code')
    )
    with op.batch_alter_table('unit_clusters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unit_clusters_owner_unit_id'), ['owner_unit_id'], unique=False)

    op.create_table('unit_cluster_members',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('cluster_id', sa.Uuid(), nullable=False),
    sa.Column('unit_id', sa.Uuid(), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['cluster_id'], ['unit_clusters.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('unit_cluster_members', schema=None) as batch_op:
        batch_op.create_index('ix_unit_cluster_members_cluster_unit', ['cluster_id', 'unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_unit_cluster_members_unit_id'), ['unit_id'], unique=False)

    op.create_table('reorganisations',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('preview', sa.JSON(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('effective_date', sa.Date(), nullable=False),
    sa.Column('scope_path', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
    sa.Column('confirmed_by', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
    sa.Column('created_at', edudx_common.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('confirmed_at', edudx_common.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('pending', 'confirmed', 'cancelled')", name='ck_reorganisations_status'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('reorganisations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reorganisations_status'), ['status'], unique=False)

    # Backfill: today's parents become professional relations since each unit's creation, today's codes the
    # current codes.
    units = op.get_bind().execute(sa.text('SELECT id, code, parent_id, created_at FROM units')).all()
    def ident(value: object) -> uuid.UUID:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    op.bulk_insert(relations, [
        {'id': uuid.uuid4(), 'unit_id': ident(u.id), 'kind': 'professional', 'related_unit_id': ident(u.parent_id),
         'valid_from': _day(u.created_at), 'valid_to': None}
        for u in units if u.parent_id is not None])
    op.bulk_insert(codes, [
        {'code': u.code, 'unit_id': ident(u.id), 'kind': 'current', 'valid_from': _day(u.created_at),
         'valid_to': None, 'note': None}
        for u in units])


def downgrade() -> None:
    with op.batch_alter_table('reorganisations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reorganisations_status'))
    op.drop_table('reorganisations')
    with op.batch_alter_table('unit_cluster_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unit_cluster_members_unit_id'))
        batch_op.drop_index('ix_unit_cluster_members_cluster_unit')
    op.drop_table('unit_cluster_members')
    with op.batch_alter_table('unit_clusters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unit_clusters_owner_unit_id'))
    op.drop_table('unit_clusters')
    with op.batch_alter_table('unit_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unit_codes_unit_id'))
    op.drop_table('unit_codes')
    with op.batch_alter_table('unit_relations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unit_relations_related_unit_id'))
        batch_op.drop_index('ix_unit_relations_unit_kind')
    op.drop_table('unit_relations')
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_units_commune_id'))
        batch_op.drop_column('commune_id')
