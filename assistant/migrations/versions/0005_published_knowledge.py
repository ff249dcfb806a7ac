"""Knowledge kept current in the app: questions that went badly, and answer cards and knowledge
files published by administrators with their history.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None
# Expand step (new tables only): the previous release's code runs against this schema.
backward_compatible = True


def upgrade() -> None:
    op.create_table(
        "question_outcomes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("owner", sa.String, nullable=False),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("language", sa.String, nullable=False),
        sa.Column("outcome", sa.String, nullable=False),
        sa.Column("created", sa.String, nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("question_outcomes_owner", "question_outcomes", ["owner"])
    op.create_table(
        "published_knowledge",
        sa.Column("kind", sa.String, primary_key=True),
        sa.Column("name", sa.String, primary_key=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("author", sa.String, nullable=False),
        sa.Column("updated", sa.String, nullable=False),
    )
    op.create_table(
        "knowledge_edits",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String, nullable=False),
        sa.Column("name", sa.String, nullable=False),
        sa.Column("author", sa.String, nullable=False),
        sa.Column("action", sa.String, nullable=False),
        sa.Column("before", sa.Text, nullable=False),
        sa.Column("after", sa.Text, nullable=False),
        sa.Column("created", sa.String, nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("knowledge_edits_name", "knowledge_edits", ["kind", "name", "id"])


def downgrade() -> None:
    for name in ("knowledge_edits", "published_knowledge", "question_outcomes"):
        op.drop_table(name)
