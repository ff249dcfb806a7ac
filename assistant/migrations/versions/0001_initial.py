"""The tables the first releases created themselves (IF NOT EXISTS: a data dir from before
migrations is adopted as it is).

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None
# Expand step (new tables and indexes only): the previous release's code runs against this schema.
backward_compatible = True


def upgrade() -> None:
    op.create_table(
        "conversations",
        sa.Column("id", sa.String, primary_key=True),
        sa.Column("owner", sa.String, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("created", sa.String, nullable=False),
        sa.Column("updated", sa.String, nullable=False),
        if_not_exists=True,
    )
    op.create_index("conversations_owner", "conversations", ["owner", "updated"], if_not_exists=True)
    op.create_table(
        "messages",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("conversation_id", sa.String, sa.ForeignKey("conversations.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("role", sa.String, nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("citations", sa.Text, nullable=False, server_default="[]"),
        sa.Column("mode", sa.String),
        sa.Column("notices", sa.Text, nullable=False, server_default="[]"),
        sa.Column("created", sa.String, nullable=False),
        sqlite_autoincrement=True,
        if_not_exists=True,
    )
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("owner", sa.String, nullable=False),
        sa.Column("conversation_id", sa.String),
        sa.Column("message_id", sa.Integer),
        sa.Column("rating", sa.Integer, nullable=False),
        sa.Column("comment", sa.Text, nullable=False, server_default=""),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("answer", sa.Text, nullable=False),
        sa.Column("sources", sa.Text, nullable=False),
        sa.Column("created", sa.String, nullable=False),
        sqlite_autoincrement=True,
        if_not_exists=True,
    )
    op.create_table(
        "preferences",
        sa.Column("owner", sa.String, primary_key=True),
        sa.Column("language", sa.String, nullable=False),
        sa.Column("updated", sa.String, nullable=False),
        if_not_exists=True,
    )
    op.create_table(
        "workshop_canvases",
        sa.Column("id", sa.String, primary_key=True),
        sa.Column("owner", sa.String, nullable=False),
        sa.Column("municipality", sa.Text, nullable=False, server_default=""),
        sa.Column("raw_problem", sa.Text, nullable=False, server_default=""),
        sa.Column("language", sa.String, nullable=False, server_default="nb"),
        sa.Column("created", sa.String, nullable=False),
        sa.Column("updated", sa.String, nullable=False),
        sa.Column("data", sa.Text, nullable=False),
        if_not_exists=True,
    )
    op.create_index("workshop_canvases_owner", "workshop_canvases", ["owner", "updated"], if_not_exists=True)


def downgrade() -> None:
    for table in ("workshop_canvases", "preferences", "feedback", "messages", "conversations"):
        op.drop_table(table)
