"""Conversations: sessions, encrypted transcript, delivery receipts.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sessions",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("flow", sa.String(64), nullable=False),
        sa.Column("step", sa.String(64), nullable=False),
        sa.Column("misses", sa.Integer, nullable=False),
        sa.Column("handoff", sa.String(16), nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_active", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rate_window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rate_count", sa.Integer, nullable=False),
        sa.Column("rate_notified", sa.Boolean, nullable=False),
    )
    op.create_index("ix_sessions_last_active", "sessions", ["last_active"])
    op.create_table(
        "messages",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "session_key",
            sa.String(64),
            sa.ForeignKey("sessions.key", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("direction", sa.String(3), nullable=False),
        sa.Column("body", sa.LargeBinary, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_messages_session_key", "messages", ["session_key"])
    op.create_table(
        "receipts",
        sa.Column("digest", sa.String(64), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_receipts_created_at", "receipts", ["created_at"])


def downgrade() -> None:
    op.drop_table("receipts")
    op.drop_table("messages")
    op.drop_table("sessions")
