"""score sheets: a version per campaign that every write of its sheets changes, for the results' cached figures

The results page's figures (units, averages and classes per group) were added up from every sheet of the campaign on
every request: at 50,000 schools a pass over 50,000 index entries, the largest part of the page. A process now keeps
them keyed by this version (scoring.results.figures_cache) and reads only the version, one row, while nothing
changed. The version is set by triggers on score_sheets in the writing statement's own transaction, so every writer
(score writes, submission events, moves, the stamping command, a hand-run UPDATE) changes it without knowing of it:
on PostgreSQL one statement-level trigger per operation (a bulk UPDATE of 50,000 sheets changes each campaign's
version once), on SQLite row-level ones. Each change takes a value never used before (a sequence; SQLite: a random
64-bit number), never the old one plus one: figures computed in a transaction that rolls back stay keyed by a value
no one else will see. TRUNCATE forgets every version (a campaign without one is never served from a cache).

On SQLite a batch migration that rebuilds score_sheets drops its triggers: such a migration must create them again
(`create_sqlite_triggers`); tests/scoring/test_results_figures_cache.py fails on the migrated database otherwise.

Revision ID: s11d_0001
Revises: s10d_0001
Create Date: 2026-12-07 16:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 's11d_0001'
down_revision: str | None = 's10d_0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OPERATIONS = {'INSERT': 'NEW TABLE AS new_rows', 'UPDATE': 'OLD TABLE AS old_rows NEW TABLE AS new_rows',
               'DELETE': 'OLD TABLE AS old_rows'}


def upgrade() -> None:
    op.create_table('score_sheet_versions',
                    sa.Column('campaign_id', sa.Uuid(), nullable=False),
                    sa.Column('version', sa.BigInteger(), nullable=False),
                    sa.PrimaryKeyConstraint('campaign_id'))
    if op.get_bind().dialect.name == 'postgresql':
        _create_postgresql_triggers()
        fresh = "nextval('score_sheet_version_seq')"
    else:
        create_sqlite_triggers()
        fresh = 'random()'
    op.execute(f'INSERT INTO score_sheet_versions (campaign_id, version) SELECT campaign_id, {fresh} '
               'FROM (SELECT DISTINCT campaign_id FROM score_sheets) AS campaigns')


def _create_postgresql_triggers() -> None:
    schema = op.get_bind().execute(sa.text('SELECT current_schema()')).scalar_one()
    op.execute(f'CREATE SEQUENCE "{schema}".score_sheet_version_seq')
    # Qualified names: the function runs with the writer's search_path, whatever it is.
    op.execute(f'''
CREATE FUNCTION "{schema}".touch_score_sheet_versions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        DELETE FROM "{schema}".score_sheet_versions;
    ELSIF TG_OP = 'INSERT' THEN
        INSERT INTO "{schema}".score_sheet_versions (campaign_id, version)
        SELECT campaign_id, nextval('"{schema}".score_sheet_version_seq')
        FROM (SELECT DISTINCT campaign_id FROM new_rows ORDER BY 1) AS touched
        ON CONFLICT (campaign_id) DO UPDATE SET version = excluded.version;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO "{schema}".score_sheet_versions (campaign_id, version)
        SELECT campaign_id, nextval('"{schema}".score_sheet_version_seq')
        FROM (SELECT campaign_id FROM new_rows UNION SELECT campaign_id FROM old_rows ORDER BY 1) AS touched
        ON CONFLICT (campaign_id) DO UPDATE SET version = excluded.version;
    ELSE
        INSERT INTO "{schema}".score_sheet_versions (campaign_id, version)
        SELECT campaign_id, nextval('"{schema}".score_sheet_version_seq')
        FROM (SELECT DISTINCT campaign_id FROM old_rows ORDER BY 1) AS touched
        ON CONFLICT (campaign_id) DO UPDATE SET version = excluded.version;
    END IF;
    RETURN NULL;
END $$''')
    for operation, tables in _OPERATIONS.items():
        op.execute(f'CREATE TRIGGER score_sheet_versions_{operation.lower()} AFTER {operation} '
                   f'ON "{schema}".score_sheets REFERENCING {tables} FOR EACH STATEMENT '
                   f'EXECUTE FUNCTION "{schema}".touch_score_sheet_versions()')
    op.execute(f'CREATE TRIGGER score_sheet_versions_truncate AFTER TRUNCATE ON "{schema}".score_sheets '
               f'FOR EACH STATEMENT EXECUTE FUNCTION "{schema}".touch_score_sheet_versions()')


def create_sqlite_triggers() -> None:
    """Row-level (SQLite has no other): one upsert per sheet written."""
    def touch(campaign: str, where: str = '') -> str:
        return (f'INSERT INTO score_sheet_versions (campaign_id, version) SELECT {campaign}, random() {where} '
                'ON CONFLICT (campaign_id) DO UPDATE SET version = excluded.version;')

    op.execute(f'CREATE TRIGGER score_sheet_versions_insert AFTER INSERT ON score_sheets '
               f'BEGIN {touch("NEW.campaign_id", "WHERE true")} END')
    op.execute(f'CREATE TRIGGER score_sheet_versions_update AFTER UPDATE ON score_sheets '
               f'BEGIN {touch("NEW.campaign_id", "WHERE true")} '
               f'{touch("OLD.campaign_id", "WHERE OLD.campaign_id <> NEW.campaign_id")} END')
    op.execute(f'CREATE TRIGGER score_sheet_versions_delete AFTER DELETE ON score_sheets '
               f'BEGIN {touch("OLD.campaign_id", "WHERE true")} END')


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for operation in (*_OPERATIONS, 'TRUNCATE'):
            op.execute(f'DROP TRIGGER score_sheet_versions_{operation.lower()} ON score_sheets')
        op.execute('DROP FUNCTION touch_score_sheet_versions()')
        op.execute('DROP SEQUENCE score_sheet_version_seq')
    else:
        for operation in _OPERATIONS:
            op.execute(f'DROP TRIGGER score_sheet_versions_{operation.lower()}')
    op.drop_table('score_sheet_versions')
