"""score sheets: a covering index for the results page's two queries (PostgreSQL: index-only scans)

The results page reads, per campaign, the result columns of every submitted sheet twice (the (group, class)
aggregate and the ranked page). Their rows also hold the summary JSON (~2 KB each), so a scan of a 50,000-school
campaign read ~12,500 heap pages; this index carries just what the two queries read (campaign, submit count,
total, class, level rank, status, path, names, unit, commune, id), ~2,000 pages for the same rows. On SQLite it is
a plain index on (campaign, submit count).

Revision ID: h24c_0005
Revises: h21a_0004
Create Date: 2026-12-07 02:10:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = 'h24c_0005'
down_revision: str | None = 'h21a_0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INCLUDED = ['final_total', 'classification', 'level_rank', 'submission_status', 'unit_path', 'unit_name',
            'unit_name_folded', 'unit_id', 'commune_id', 'id']


def upgrade() -> None:
    op.create_index('ix_score_sheets_results', 'score_sheets', ['campaign_id', 'submit_count'], unique=False,
                    postgresql_include=INCLUDED)


def downgrade() -> None:
    op.drop_index('ix_score_sheets_results', table_name='score_sheets')
