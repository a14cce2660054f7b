"""Deletion by the database: every row of a conversation references its session.

Handoffs, notes and the web outbox go with their session (``ON DELETE CASCADE``);
provider copies outlive it, unlinked (``ON DELETE SET NULL``), because Haven must
still delete them at the provider. Rows left behind by a session already gone are
orphans: deleted, or for provider copies unlinked, before the constraint is added.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

ON_DELETE = {
    "handoffs": "CASCADE",
    "notes": "CASCADE",
    "web_outbox": "CASCADE",
    "provider_copies": "SET NULL",
}


def _name(table: str) -> str:
    return f"fk_{table}_session_key_sessions"


def _remove_orphans(table: str, ondelete: str) -> None:
    rows = sa.table(table, sa.column("session_key"))
    sessions = sa.table("sessions", sa.column("key"))
    orphan = rows.c.session_key.not_in(sa.select(sessions.c.key))
    if ondelete == "SET NULL":
        op.execute(sa.update(rows).where(orphan).values(session_key=None))
    else:
        op.execute(sa.delete(rows).where(orphan))


def upgrade() -> None:
    for table, ondelete in ON_DELETE.items():
        _remove_orphans(table, ondelete)
        with op.batch_alter_table(table) as batch_op:
            batch_op.create_foreign_key(
                _name(table), "sessions", ["session_key"], ["key"], ondelete=ondelete
            )


def downgrade() -> None:
    for table in ON_DELETE:
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_constraint(_name(table), type_="foreignkey")
