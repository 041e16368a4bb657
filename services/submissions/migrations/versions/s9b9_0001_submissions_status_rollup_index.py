"""submissions: a covering index for the status view's roll-up (PostgreSQL: an index-only scan)

The status roll-up reads, per campaign, the status, lateness, first submission and completeness of every
submission; the rows also hold the report's content, so at 50,000 targets the scan read ~7,500 heap pages. This
index carries just those columns (~480 pages for the same rows). On SQLite it is a plain index on (campaign,
target).

Revision ID: s9b9_0001
Revises: s8b_0002
Create Date: 2026-12-07 09:20:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = 's9b9_0001'
down_revision: str | None = 's8b_0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INCLUDED = ['status', 'late_seconds', 'first_submitted_at', 'completeness']


def upgrade() -> None:
    op.create_index('ix_submissions_status_rollup', 'submissions', ['campaign_id', 'target_id'], unique=False,
                    postgresql_include=INCLUDED)


def downgrade() -> None:
    op.drop_index('ix_submissions_status_rollup', table_name='submissions')
