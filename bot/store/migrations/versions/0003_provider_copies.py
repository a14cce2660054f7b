"""Provider copies: messages a provider keeps (SMS at Twilio), to be deleted there.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "provider_copies",
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("session_key", sa.String(length=64), nullable=True),
        sa.Column("ref", sa.LargeBinary(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("digest"),
    )
    with op.batch_alter_table("provider_copies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_provider_copies_due_at"), ["due_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_provider_copies_session_key"), ["session_key"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("provider_copies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_provider_copies_session_key"))
        batch_op.drop_index(batch_op.f("ix_provider_copies_due_at"))

    op.drop_table("provider_copies")
