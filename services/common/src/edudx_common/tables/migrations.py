"""The schema of the shared tables (audit, outbox, inbox), as numbered steps: the one place their changes live.

Each service owns its copy of a shared table in its own schema, and its own Alembic chain creates and changes it
by calling a step from here, e.g. in a service's revision:

    from edudx_common.tables import migrations as shared_tables

    def upgrade() -> None:
        shared_tables.upgrade(op, "outbox", to=1)

    def downgrade() -> None:
        shared_tables.downgrade(op, "outbox", to=0, current=1)

Step 1 of each table is its creation as first released. A released step is frozen: a later change to a table
(a column, an index) is a new step appended to its list, and every service with the table gets a new revision
calling `upgrade(op, name, to=N, current=N - 1)`. tests/contract/test_shared_tables.py checks that each service
with the table reaches the latest step and that its migrated table matches the model.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel.sql.sqltypes import AutoString

from edudx_common.db import UTCDateTime
from edudx_common.tables.audit import TABLE as AUDIT_TABLE
from edudx_common.tables.audit import append_only_statements, drop_append_only_statements

Operations = Any  # alembic's `op` (alembic.operations.Operations): typed loosely, as alembic's own stubs are


@dataclass(frozen=True)
class Step:
    description: str
    upgrade: Callable[[Operations], None]
    downgrade: Callable[[Operations], None]


# --- audit: the append-only audit trail (edudx_common.tables.audit) -----------------------------------------------


def _create_audit_log(op: Operations) -> None:
    op.create_table(
        AUDIT_TABLE,
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("occurred_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("request_id", AutoString(length=64), nullable=True),
        sa.Column("action", AutoString(length=60), nullable=False),
        sa.Column("actor_kind", AutoString(length=10), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("actor_roles", AutoString(length=200), nullable=False),
        sa.Column("actor_unit_id", sa.Uuid(), nullable=True),
        sa.Column("unit_id", sa.Uuid(), nullable=True),
        sa.Column("unit_path", AutoString(length=2000), nullable=True),
        sa.Column("target_type", AutoString(length=40), nullable=False),
        sa.Column("target_id", AutoString(length=100), nullable=True),
        sa.Column("changes", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table(AUDIT_TABLE, schema=None) as batch_op:
        batch_op.create_index("ix_audit_log_action_occurred_at", ["action", "occurred_at"], unique=False)
        batch_op.create_index("ix_audit_log_actor_id", ["actor_id"], unique=False)
        batch_op.create_index("ix_audit_log_occurred_at", ["occurred_at"], unique=False)
    # Append-only in the database too: UPDATE and DELETE on audit_log are refused whoever asks.
    for statement in append_only_statements(op.get_bind().dialect.name):
        op.execute(statement)


def _drop_audit_log(op: Operations) -> None:
    for statement in drop_append_only_statements(op.get_bind().dialect.name):
        op.execute(statement)
    op.drop_table(AUDIT_TABLE)


# --- outbox: events to send (edudx_common.tables.outbox) ----------------------------------------------------------


def _create_outbox_messages(op: Operations) -> None:
    op.create_table(
        "outbox_messages",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("event_type", AutoString(length=100), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("receiver", AutoString(length=50), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", AutoString(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_error", AutoString(length=500), nullable=True),
        sa.Column("delivered_at", UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('pending', 'delivered', 'failed')", name="ck_outbox_messages_status"),
        sa.CheckConstraint("attempts >= 0", name="ck_outbox_messages_attempts"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id", "receiver", name="uq_outbox_messages_event_receiver"),
    )
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_messages_status_next_attempt", ["status", "next_attempt_at"], unique=False)


def _drop_outbox_messages(op: Operations) -> None:
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_messages_status_next_attempt")
    op.drop_table("outbox_messages")


# --- inbox: events received once (edudx_common.tables.inbox) ------------------------------------------------------


def _create_inbox_events(op: Operations) -> None:
    op.create_table(
        "inbox_events",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("event_type", AutoString(length=100), nullable=False),
        sa.Column("received_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("event_id"),
    )


def _drop_inbox_events(op: Operations) -> None:
    op.drop_table("inbox_events")


# Each table's steps in order: STEPS[name][0] is step 1. Append, never edit a released step.
STEPS: dict[str, tuple[Step, ...]] = {
    "audit": (Step("create audit_log, its indexes and append-only triggers", _create_audit_log, _drop_audit_log),),
    "outbox": (Step("create outbox_messages", _create_outbox_messages, _drop_outbox_messages),),
    "inbox": (Step("create inbox_events", _create_inbox_events, _drop_inbox_events),),
}
# The table each name stands for (what a service's models hold).
TABLES = {"audit": AUDIT_TABLE, "outbox": "outbox_messages", "inbox": "inbox_events"}


def latest(name: str) -> int:
    return len(_steps(name))


def upgrade(op: Operations, name: str, *, to: int, current: int = 0) -> None:
    """Apply the steps of shared table `name` after `current` up to `to` (a service's revision names both, so
    the revision does the same thing whenever it runs, whatever steps are added later)."""
    steps = _steps(name)
    if not 0 <= current < to <= len(steps):
        raise ValueError(f"{name}: no steps from {current} to {to} (it has {len(steps)})")
    for step in steps[current:to]:
        step.upgrade(op)


def downgrade(op: Operations, name: str, *, to: int, current: int) -> None:
    """Undo the steps of shared table `name` from `current` down to `to` (0: the table is dropped)."""
    steps = _steps(name)
    if not 0 <= to < current <= len(steps):
        raise ValueError(f"{name}: no steps from {current} down to {to} (it has {len(steps)})")
    for step in reversed(steps[to:current]):
        step.downgrade(op)


def _steps(name: str) -> tuple[Step, ...]:
    if name not in STEPS:
        raise ValueError(f"unknown shared table {name!r}: one of {', '.join(sorted(STEPS))}")
    return STEPS[name]
