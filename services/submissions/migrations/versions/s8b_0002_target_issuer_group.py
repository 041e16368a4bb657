"""campaign targets: the group under the campaign's issuer as a column (the issuer's status view groups by it)

The status view rolled up under the issuer cut each target's group out of its path per request
(strpos/substr over every target); the target now stores it (`issuer_group_hex`, written on targeting and on every
move: submissions.campaigns.models.issuer_group_of), and this migration fills it for the targets already stored,
in one UPDATE that reads each target's issuer from its campaign.

Revision ID: s8b_0002
Revises: h21b_0001
Create Date: 2026-12-07 05:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 's8b_0002'
down_revision: str | None = 'h21b_0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A path is "/" then 32-hex-digit ids, each closed by "/" (as submissions.status.repository reads them).
_BACKFILL = {
    'postgresql': """
        UPDATE campaign_targets AS t SET issuer_group_hex = coalesce(nullif(CASE
            WHEN strpos(t.unit_path, c.issuer_hex) = 0 THEN substr(t.unit_path, length(t.unit_path) - 32, 32)
            ELSE substr(t.unit_path, strpos(t.unit_path, c.issuer_hex) + 33, 32) END, ''), c.issuer_hex)
        FROM (SELECT id, replace(CAST(issuer_unit_id AS TEXT), '-', '') AS issuer_hex FROM campaigns) AS c
        WHERE c.id = t.campaign_id""",
    'sqlite': """
        UPDATE campaign_targets SET issuer_group_hex = (
            SELECT coalesce(nullif(CASE
                WHEN instr(unit_path, c.issuer_unit_id) = 0 THEN substr(unit_path, length(unit_path) - 32, 32)
                ELSE substr(unit_path, instr(unit_path, c.issuer_unit_id) + 33, 32) END, ''), c.issuer_unit_id)
            FROM campaigns AS c WHERE c.id = campaign_targets.campaign_id)""",
}


def upgrade() -> None:
    with op.batch_alter_table('campaign_targets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('issuer_group_hex', sa.String(length=32), nullable=True))
    op.execute(_BACKFILL[op.get_bind().dialect.name])


def downgrade() -> None:
    with op.batch_alter_table('campaign_targets', schema=None) as batch_op:
        batch_op.drop_column('issuer_group_hex')
