"""Shared workshops: capability links, the members they let in, each field's history and comments.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None
# Expand step (new tables and indexes only): the previous release's code runs against this schema.
backward_compatible = True

CANVAS = "workshop_canvases.id"


def upgrade() -> None:
    op.create_table(
        "workshop_shares",
        sa.Column("token", sa.String, primary_key=True),
        sa.Column("canvas_id", sa.String, sa.ForeignKey(CANVAS, ondelete="CASCADE"), nullable=False),
        sa.Column("role", sa.String, nullable=False),
        sa.Column("created", sa.String, nullable=False),
    )
    op.create_index("workshop_shares_canvas", "workshop_shares", ["canvas_id"])
    op.create_table(
        "workshop_members",
        sa.Column("token", sa.String, sa.ForeignKey("workshop_shares.token", ondelete="CASCADE"), primary_key=True),
        sa.Column("member", sa.String, primary_key=True),
        sa.Column("canvas_id", sa.String, nullable=False),
        sa.Column("joined", sa.String, nullable=False),
    )
    op.create_index("workshop_members_member", "workshop_members", ["member", "canvas_id"])
    for name, columns in (
        ("canvas_history", [sa.Column("kind", sa.String, nullable=False),
                            sa.Column("previous", sa.Text, nullable=False),
                            sa.Column("value", sa.Text, nullable=False)]),
        ("canvas_comments", [sa.Column("text", sa.Text, nullable=False)]),
    ):
        op.create_table(
            name,
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("canvas_id", sa.String, sa.ForeignKey(CANVAS, ondelete="CASCADE"), nullable=False),
            sa.Column("field", sa.String, nullable=False),
            sa.Column("author", sa.String, nullable=False),
            *columns,
            sa.Column("created", sa.String, nullable=False),
            sqlite_autoincrement=True,
        )
        op.create_index(f"{name}_field", name, ["canvas_id", "field", "id"])


def downgrade() -> None:
    for name in ("canvas_comments", "canvas_history", "workshop_members", "workshop_shares"):
        op.drop_table(name)
