"""Alembic environment: Tillit's own tables and version table, on the connection it is handed."""
from alembic import context

from engagement import tables
from engagement.migrate import VERSION_TABLE

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=tables.Base.metadata,
                  version_table=VERSION_TABLE, render_as_batch=True,
                  include_name=lambda name, type_, _parent: type_ != "table" or (name or "").startswith("engagement_"))
with context.begin_transaction():
    context.run_migrations()
