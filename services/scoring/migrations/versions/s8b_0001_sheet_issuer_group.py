"""score sheets: the campaign's issuer and the sub-authority under it as columns (results group by a column)

The results page's figures grouped by sub-authority cut the group key out of every sheet's `unit_path` per
request (strpos/rtrim/substr over 50,000 rows); the sheet now stores its campaign's issuer and that key
(`issuer_unit_id`, `group_hex`), written with the path (the ORM listener in scoring.sheets.models, the bulk move in
scoring.sheets.repository.move_paths). The issuer lives in the submissions service, not in this database, so the
sheets already stored get both later (scoring.sheets.repository.stamp_issuer: one UPDATE per campaign; since s9c by
`python -m scoring.cli stamp-issuers` or the sheet's next event, never by a results read); the partial index below
finds the sheets still without one at the cost of an index probe.
The results page's covering index (h24c_0005) carries the group too, so its two queries stay index-only scans.

Revision ID: s8b_0001
Revises: h24c_0005
Create Date: 2026-12-07 05:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 's8b_0001'
down_revision: str | None = 'h24c_0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


COVERED = ['final_total', 'classification', 'level_rank', 'submission_status', 'unit_path', 'unit_name',
           'unit_name_folded', 'unit_id', 'commune_id', 'id']


def upgrade() -> None:
    with op.batch_alter_table('score_sheets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('issuer_unit_id', sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column('group_hex', sa.String(length=32), nullable=True))
        batch_op.create_index('ix_score_sheets_campaign_group', ['campaign_id', 'group_hex'], unique=False)
    unstamped = sa.text('issuer_unit_id IS NULL')
    op.create_index('ix_score_sheets_unstamped', 'score_sheets', ['campaign_id'], unique=False,
                    postgresql_where=unstamped, sqlite_where=unstamped)
    op.drop_index('ix_score_sheets_results', table_name='score_sheets')
    op.create_index('ix_score_sheets_results', 'score_sheets', ['campaign_id', 'submit_count'], unique=False,
                    postgresql_include=[*COVERED, 'group_hex'])


def downgrade() -> None:
    op.drop_index('ix_score_sheets_results', table_name='score_sheets')
    op.create_index('ix_score_sheets_results', 'score_sheets', ['campaign_id', 'submit_count'], unique=False,
                    postgresql_include=COVERED)
    op.drop_index('ix_score_sheets_unstamped', table_name='score_sheets')
    with op.batch_alter_table('score_sheets', schema=None) as batch_op:
        batch_op.drop_index('ix_score_sheets_campaign_group')
        batch_op.drop_column('group_hex')
        batch_op.drop_column('issuer_unit_id')
