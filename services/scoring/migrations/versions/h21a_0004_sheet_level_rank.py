"""score sheet level rank: the class or overall level's rank beside the final total, for level-first ranking

Results of a level-mode rubric (QĐ 4725) rank by level first, then by points; the column is written with the
summary (scoring.sheets.service.refresh_summary) and backfilled here from the summaries already stored.

Revision ID: h21a_0004
Revises: h24_0003
Create Date: 2026-12-06 22:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'h21a_0004'
down_revision: str | None = 'h20b_0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BATCH = 2000


def upgrade() -> None:
    with op.batch_alter_table('score_sheets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('level_rank', sa.Integer(), nullable=True))
        batch_op.create_index('ix_score_sheets_campaign_level_rank', ['campaign_id', 'level_rank', 'final_total'],
                              unique=False)
    _backfill()


def _backfill() -> None:
    """Copy the class's rank out of each stored summary, in keyset batches (50,000+ sheets nationally)."""
    sheets = sa.table('score_sheets', sa.column('id', sa.Uuid()), sa.column('summary', sa.JSON()),
                      sa.column('level_rank', sa.Integer()))
    connection = op.get_bind()
    update = sheets.update().where(sheets.c.id == sa.bindparam('sheet_id')).values(level_rank=sa.bindparam('rank'))
    after = None
    while True:
        query = sa.select(sheets.c.id, sheets.c.summary).where(sheets.c.summary.isnot(None))
        if after is not None:
            query = query.where(sheets.c.id > after)
        rows = connection.execute(query.order_by(sheets.c.id).limit(_BATCH)).all()
        if not rows:
            return
        ranked = [{'sheet_id': sheet_id, 'rank': (summary.get('classification') or {}).get('rank')}
                  for sheet_id, summary in rows if summary]
        if ranked:
            connection.execute(update, ranked)
        after = rows[-1][0]


def downgrade() -> None:
    with op.batch_alter_table('score_sheets', schema=None) as batch_op:
        batch_op.drop_index('ix_score_sheets_campaign_level_rank')
        batch_op.drop_column('level_rank')
