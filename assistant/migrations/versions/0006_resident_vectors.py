"""Residents' input keeps its vector (embedded when it arrives), so «Finn tema» on a thousand
inputs embeds only what is new.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None
# Expand step (nullable columns only): the previous release's code runs against this schema.
backward_compatible = True


def upgrade() -> None:
    op.add_column("resident_inputs", sa.Column("vector", sa.LargeBinary))
    op.add_column("resident_inputs", sa.Column("vector_model", sa.String))


def downgrade() -> None:
    with op.batch_alter_table("resident_inputs") as batch:
        batch.drop_column("vector_model")
        batch.drop_column("vector")
