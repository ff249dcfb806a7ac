"""A newer release's migrations, for tests of rolling upgrades: this code's revisions copied into a
temporary folder with one more revision (never written into assistant/migrations)."""

from __future__ import annotations

import shutil

from assistant.adapters.database import MIGRATIONS_DIR, Database

NEWER = "9001"


def newer_release(tmp_path, backward_compatible: bool, reversible: bool = True):
    """The migrations folder of a release after this one: this code's revisions and one more, an
    added table (expand) or a dropped column (contract)."""
    folder = tmp_path / "newer-migrations"
    shutil.copytree(MIGRATIONS_DIR, folder, ignore=shutil.ignore_patterns("__pycache__"))
    change = ('op.create_table("reactions", sa.Column("id", sa.Integer, primary_key=True), '
              'sa.Column("emoji", sa.String, nullable=True))' if backward_compatible
              else 'op.drop_column("preferences", "updated")')
    undo = 'op.drop_table("reactions")' if backward_compatible else \
        'op.add_column("preferences", sa.Column("updated", sa.String, nullable=True))'
    (folder / "versions" / f"{NEWER}_newer.py").write_text(f'''"""A newer release's revision (test only)."""
import sqlalchemy as sa
from alembic import op

revision = "{NEWER}"
down_revision = "{Database.head()}"
branch_labels = None
depends_on = None
backward_compatible = {backward_compatible}
reversible = {reversible}


def upgrade() -> None:
    {change}


def downgrade() -> None:
    {undo}
''', encoding="utf-8")
    return folder
