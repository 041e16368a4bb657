"""score sheets: an index in the results page's order by name

The results page by name orders by the folded name then the name, in code-point order (COLLATE "C" on PostgreSQL).
No index matched, so a page far down the list sorted every sheet before it (a middle page of 50,000 sorted 25,000
rows, on disk) and even the last page, read backwards, sorted every sheet for its top 50. Walking this index the
last page reads 50 entries and a middle page 25,000 narrow ones, without a sort; the INCLUDE columns make it an
index-only scan. SQLite's default order already is by code point: the same columns without a collation.

Revision ID: s10d_0001
Revises: s9c_0001
Create Date: 2026-12-07 12:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 's10d_0001'
down_revision: str | None = 's9c_0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INCLUDED = ['submit_count', 'final_total', 'classification', 'level_rank', 'group_hex', 'unit_id', 'id']


def upgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        names: list[str | sa.TextClause] = [sa.text('unit_name_folded COLLATE "C"'), sa.text('unit_name COLLATE "C"')]
    else:
        names = ['unit_name_folded', 'unit_name']
    op.create_index('ix_score_sheets_campaign_name', 'score_sheets', ['campaign_id', *names], unique=False,
                    postgresql_include=INCLUDED)


def downgrade() -> None:
    op.drop_index('ix_score_sheets_campaign_name', table_name='score_sheets')
