"""Residents' input: a public form per workshop (its id is the capability token in the link) and the
anonymous answers residents send through it.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None
# Expand step (new tables and indexes only): the previous release's code runs against this schema.
backward_compatible = True


def upgrade() -> None:
    op.create_table(
        "resident_forms",
        sa.Column("id", sa.String, primary_key=True),
        sa.Column("owner", sa.String, nullable=False),
        sa.Column("canvas_id", sa.String, nullable=False),
        sa.Column("language", sa.String, nullable=False, server_default="nb"),
        sa.Column("open", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("created", sa.String, nullable=False),
        sa.Column("updated", sa.String, nullable=False),
        sa.Column("theme_edits", sa.Text, nullable=False, server_default="[]"),
    )
    op.create_index("resident_forms_owner", "resident_forms", ["owner", "canvas_id"], unique=True)
    op.create_table(
        "resident_inputs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("form_id", sa.String, sa.ForeignKey("resident_forms.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kritikk", sa.Text, nullable=False, server_default=""),
        sa.Column("positivitet", sa.Text, nullable=False, server_default=""),
        sa.Column("drommen", sa.Text, nullable=False, server_default=""),
        sa.Column("virkeliggjoring", sa.Text, nullable=False, server_default=""),
        sa.Column("age_group", sa.String),
        sa.Column("place", sa.Text),
        sa.Column("language", sa.String, nullable=False, server_default="nb"),
        sa.Column("content_hash", sa.String, nullable=False),
        sa.Column("masked", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created", sa.String, nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("resident_inputs_form_hash", "resident_inputs", ["form_id", "content_hash"], unique=True)


def downgrade() -> None:
    op.drop_table("resident_inputs")
    op.drop_table("resident_forms")
