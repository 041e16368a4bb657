"""score sheet result columns: final total and class beside the JSON summary, indexed for ranking; folded name

Results at national scale rank, filter and count in SQL; the columns are written with the summary
(scoring.sheets.service.refresh_summary) and backfilled here from the summaries already stored.

Revision ID: h24_0003
Revises: 0002
Create Date: 2026-12-06 19:20:00
"""

from collections.abc import Sequence
from decimal import Decimal

import sqlalchemy as sa
from alembic import op

from edudx_common.text import fold

revision: str = 'h24_0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BATCH = 2000


def upgrade() -> None:
    with op.batch_alter_table('score_sheets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('final_total', sa.Numeric(precision=10, scale=2), nullable=True))
        batch_op.add_column(sa.Column('classification', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('unit_name_folded', sa.String(length=300), nullable=False, server_default=''))
        batch_op.create_index('ix_score_sheets_campaign_final_total', ['campaign_id', 'final_total'], unique=False)
    with op.batch_alter_table('score_sheets', schema=None) as batch_op:
        batch_op.alter_column('unit_name_folded', server_default=None)
    _backfill()


def _backfill() -> None:
    """Copy final total and class out of each stored summary and fold each name, in batches (a national
    instance has 50,000+ sheets)."""
    sheets = sa.table('score_sheets', sa.column('id', sa.Uuid()), sa.column('summary', sa.JSON()),
                      sa.column('unit_name', sa.String(300)), sa.column('unit_name_folded', sa.String(300)),
                      sa.column('final_total', sa.Numeric(10, 2)), sa.column('classification', sa.String(200)))
    connection = op.get_bind()
    update = (sheets.update().where(sheets.c.id == sa.bindparam('sheet_id'))
              .values(final_total=sa.bindparam('total'), classification=sa.bindparam('label'),
                      unit_name_folded=sa.bindparam('folded')))
    after = None
    while True:  # keyset pages by id: never every summary in memory at once
        query = sa.select(sheets.c.id, sheets.c.summary, sheets.c.unit_name)
        if after is not None:
            query = query.where(sheets.c.id > after)
        rows = connection.execute(query.order_by(sheets.c.id).limit(_BATCH)).all()
        if not rows:
            return
        connection.execute(update, [
            {'sheet_id': sheet_id, 'folded': fold(name)[:300],
             'total': Decimal(summary['final_total']) if summary else None,  # a JSON null reads as None too
             'label': (summary.get('classification') or {}).get('label') if summary else None}
            for sheet_id, summary, name in rows])
        after = rows[-1][0]


def downgrade() -> None:
    with op.batch_alter_table('score_sheets', schema=None) as batch_op:
        batch_op.drop_index('ix_score_sheets_campaign_final_total')
        batch_op.drop_column('classification')
        batch_op.drop_column('unit_name_folded')
        batch_op.drop_column('final_total')
