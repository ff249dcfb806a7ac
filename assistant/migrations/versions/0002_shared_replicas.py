"""What several replicas share: session bindings and downloads; indexes for per-owner lookups.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None
# Expand step (new tables and indexes only): the previous release's code runs against this schema.
backward_compatible = True


def upgrade() -> None:
    op.create_index("messages_conversation", "messages", ["conversation_id"])
    op.create_index("feedback_owner", "feedback", ["owner"])
    op.create_table(
        "sessions",
        sa.Column("session_hash", sa.String, primary_key=True),
        sa.Column("owner", sa.String, nullable=False),
        sa.Column("created", sa.String, nullable=False),
    )
    op.create_index("sessions_owner", "sessions", ["owner"])
    op.create_table(
        "downloads",
        sa.Column("path", sa.String, primary_key=True),
        sa.Column("owner_key", sa.String, nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
        sa.Column("created", sa.Integer, nullable=False),
    )
    op.create_index("downloads_owner", "downloads", ["owner_key"])
    op.create_index("downloads_created", "downloads", ["created"])


def downgrade() -> None:
    op.drop_table("downloads")
    op.drop_table("sessions")
    op.drop_index("feedback_owner", "feedback")
    op.drop_index("messages_conversation", "messages")
