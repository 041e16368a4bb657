"""score sheets: the self and review totals as columns beside the final total, in the results' covering index

The results summary export of a national campaign read each row's self and review totals out of the JSON summary
(`summary->'self_total'`, `summary->'review_total'`): PostgreSQL parses a `json` value whole for each, 100,000
parses for 50,000 schools, most of the export's database time. The totals are now columns written with the summary
(scoring.sheets.service.refresh_summary), copied here from the summaries already stored, and carried by the
results' covering index so that the export is an index-only scan like the results page.

Revision ID: s9c_0001
Revises: s8b_0001
Create Date: 2026-12-07 09:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 's9c_0001'
down_revision: str | None = 's8b_0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COVERED = ['final_total', 'classification', 'level_rank', 'submission_status', 'unit_path', 'unit_name',
           'unit_name_folded', 'unit_id', 'commune_id', 'id', 'group_hex']


def upgrade() -> None:
    with op.batch_alter_table('score_sheets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('self_total', sa.Numeric(precision=10, scale=2), nullable=True))
        batch_op.add_column(sa.Column('review_total', sa.Numeric(precision=10, scale=2), nullable=True))
    sheets = sa.table('score_sheets', sa.column('summary', sa.JSON()), sa.column('self_total', sa.Numeric(10, 2)),
                      sa.column('review_total', sa.Numeric(10, 2)))
    # One UPDATE: the summary holds the totals as decimal strings (a JSON null: no criterion review-scored).
    op.execute(sheets.update().where(sheets.c.summary.isnot(None)).values(
        self_total=sa.cast(sheets.c.summary['self_total'].as_string(), sa.Numeric(10, 2)),
        review_total=sa.cast(sheets.c.summary['review_total'].as_string(), sa.Numeric(10, 2))))
    op.drop_index('ix_score_sheets_results', table_name='score_sheets')
    op.create_index('ix_score_sheets_results', 'score_sheets', ['campaign_id', 'submit_count'], unique=False,
                    postgresql_include=[*COVERED, 'self_total', 'review_total'])


def downgrade() -> None:
    op.drop_index('ix_score_sheets_results', table_name='score_sheets')
    op.create_index('ix_score_sheets_results', 'score_sheets', ['campaign_id', 'submit_count'], unique=False,
                    postgresql_include=COVERED)
    with op.batch_alter_table('score_sheets', schema=None) as batch_op:
        batch_op.drop_column('review_total')
        batch_op.drop_column('self_total')
