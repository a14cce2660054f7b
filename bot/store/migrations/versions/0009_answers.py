"""Replies kept until they went out, so that a redelivery after a crash is answered.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "answers",
        sa.Column("digest", sa.String(length=64), primary_key=True),
        sa.Column(
            "session_key",
            sa.String(length=64),
            sa.ForeignKey(
                "sessions.key", ondelete="CASCADE", name="fk_answers_session_key_sessions"
            ),
            nullable=False,
        ),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_answers_session_key", "answers", ["session_key"])


def downgrade() -> None:
    op.drop_index("ix_answers_session_key", table_name="answers")
    op.drop_table("answers")
