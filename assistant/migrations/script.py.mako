"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
Create Date: ${create_date}
"""

import sqlalchemy as sa
from alembic import op

revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
branch_labels = None
depends_on = None
# Required in every revision (assistant/adapters/database.py): True for an expand step (new tables,
# nullable columns, indexes) that the previous release's code runs against; False for a contract
# step (drops, renames, new constraints), which an older replica refuses to start against.
backward_compatible = False
# False when downgrade() cannot undo it (data would be lost): `gnist db downgrade` then refuses.
reversible = True


def upgrade() -> None:
    ${upgrades if upgrades else "pass"}


def downgrade() -> None:
    ${downgrades if downgrades else "pass"}
