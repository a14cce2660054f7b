"""Provider copies claimed by one worker at a time; the console's streams told of changes.

With several workers, each round of deletions claims the copies it will delete
(``claimed_by``, the worker; ``claimed_until``, the end of its lease), so that no two
workers delete the same copy. A lease that ran out (a worker killed mid-round) frees
its copies for the others.

On PostgreSQL, triggers send ``NOTIFY haven_events`` (nothing in it) when a transaction
changes what the console's live streams show: a handoff row (a chat queued, claimed,
transferred, closed or erased with its conversation) or a message in a chat an advocate
holds. PostgreSQL delivers it once per transaction, after the commit, to every worker's
listener (``bot.console.listen``). SQLite serves one worker, whose streams poll.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-14
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

NOTIFY = "PERFORM pg_notify('haven_events', '');"
HELD = "SELECT 1 FROM handoffs WHERE session_key = NEW.session_key AND state = 'assigned'"
TRIGGERS = {
    "haven_handoff_changed": ("AFTER INSERT OR UPDATE OR DELETE ON handoffs", NOTIFY),
    "haven_message_added": (
        "AFTER INSERT ON messages",
        f"IF EXISTS ({HELD}) THEN {NOTIFY} END IF;",
    ),
}
"""Each trigger's name (also its function's), when it fires, and what its function does."""


def upgrade() -> None:
    with op.batch_alter_table("provider_copies") as batch_op:
        batch_op.add_column(sa.Column("claimed_by", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True))
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, (when, body) in TRIGGERS.items():
        op.execute(
            f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN {body} RETURN NULL; END $$"
        )
        op.execute(f"CREATE TRIGGER {name} {when} FOR EACH ROW EXECUTE FUNCTION {name}()")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name, (when, _body) in TRIGGERS.items():
            table = when.rsplit(" ", 1)[-1]
            op.execute(f"DROP TRIGGER {name} ON {table}")
            op.execute(f"DROP FUNCTION {name}()")
    with op.batch_alter_table("provider_copies") as batch_op:
        batch_op.drop_column("claimed_until")
        batch_op.drop_column("claimed_by")
