"""Advocates' presence and names; who wrote each advocate message and whether it arrived.

``advocates.display_name`` names the advocate to colleagues; ``advocates.live_at`` is the
last sign of life of their console (the open stream), without which a tick in "available"
no longer promises the person a trained person. ``notes.handover_to`` marks the note
written at a transfer. ``advocate_messages`` holds, per advocate message, its author and
its delivery state; the database deletes it with the message, and so with the
conversation.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-16
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("advocates") as batch_op:
        batch_op.add_column(sa.Column("display_name", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("live_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("notes") as batch_op:
        batch_op.add_column(sa.Column("handover_to", sa.String(length=64), nullable=True))
    op.create_table(
        "advocate_messages",
        sa.Column(
            "message_id",
            sa.Integer(),
            sa.ForeignKey(
                "messages.id", ondelete="CASCADE", name="fk_advocate_messages_message_id"
            ),
            primary_key=True,
        ),
        sa.Column("author", sa.String(length=64), nullable=False),
        sa.Column("delivery", sa.String(length=16), nullable=False),
        sa.Column("ref", sa.String(length=64), nullable=True),
        sa.Column("outbox_id", sa.Integer(), nullable=True),
    )
    op.create_index("ix_advocate_messages_ref", "advocate_messages", ["ref"])


def downgrade() -> None:
    op.drop_index("ix_advocate_messages_ref", table_name="advocate_messages")
    op.drop_table("advocate_messages")
    with op.batch_alter_table("notes") as batch_op:
        batch_op.drop_column("handover_to")
    with op.batch_alter_table("advocates") as batch_op:
        batch_op.drop_column("live_at")
        batch_op.drop_column("display_name")
