"""webhooks: signing secrets encrypted at rest (`secret` → `secret_encrypted`, Fernet)

The existing plaintext secrets are encrypted with the key of the settings this migration runs with
(NOTIFICATIONS_WEBHOOKS_SECRET_KEYS, or the one derived from NOTIFICATIONS_SERVICE_CLIENT_SECRET): run it with the
service's own environment. The downgrade decrypts them again.

Revision ID: h19d_0004
Revises: h19b_0003
Create Date: 2026-12-07 01:55:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from notifications.config import Settings
from notifications.webhooks.vault import SEALED_PREFIX

revision: str = 'h19d_0004'
down_revision: str | None = 'h19b_0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _rewrite(column: str, change: object) -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.text(f'SELECT id, {column} FROM webhook_subscriptions')).all()
    for row in rows:
        bind.execute(sa.text(f'UPDATE webhook_subscriptions SET {column} = :value WHERE id = :id'),
                     {'value': change(row[1]), 'id': row[0]})  # type: ignore[operator]


def upgrade() -> None:
    with op.batch_alter_table('webhook_subscriptions', schema=None) as batch_op:
        batch_op.alter_column('secret', new_column_name='secret_encrypted',
                              existing_type=sa.String(length=100),
                              type_=sa.String(length=500), existing_nullable=False)
    vault = Settings().secret_vault()
    _rewrite('secret_encrypted', lambda stored: stored if stored.startswith(SEALED_PREFIX) else vault.seal(stored))


def downgrade() -> None:
    vault = Settings().secret_vault()
    _rewrite('secret_encrypted', lambda stored: vault.open(stored) if stored.startswith(SEALED_PREFIX) else stored)
    with op.batch_alter_table('webhook_subscriptions', schema=None) as batch_op:
        batch_op.alter_column('secret_encrypted', new_column_name='secret',
                              existing_type=sa.String(length=500),
                              type_=sa.String(length=100), existing_nullable=False)
