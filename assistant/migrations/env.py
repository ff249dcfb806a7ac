"""Alembic runs the migrations on the connection ``Database.migrate`` hands it (already inside the
transaction that holds the migration lock); there is no alembic.ini."""

from alembic import context

config = context.config
context.configure(connection=config.attributes["connection"], target_metadata=None,
                  on_version_apply=config.attributes.get("on_version_apply"),
                  render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
