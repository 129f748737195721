"""Database migrations (Alembic), with a version table of Tillit's own so a host's Alembic is untouched."""
from __future__ import annotations

import functools
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


VERSION_TABLE = "engagement_alembic_version"  # as migrations/env.py names it


def behind(connection: Connection) -> str | None:
    """Why this database cannot serve this release's Tillit (its tables are missing or older), or
    None: the readiness check says so rather than 'ok' while every request fails."""
    heads = release_heads()
    current = set(MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE}).get_current_heads())
    if current == heads:
        return None
    have = ", ".join(sorted(current)) or "none"
    return (f"the database's schema is at {have}, this release needs {', '.join(sorted(heads))}: run "
            "`engagement db upgrade` (`flask engagement db upgrade` in a host app)")


@functools.cache
def release_heads() -> frozenset[str]:
    """The newest migration of this release (read once: the files do not change under a process)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return frozenset(ScriptDirectory.from_config(config).get_heads())


def upgrade(engine: Engine, revision: str = "head") -> None:
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), revision)


def new_revision(engine: Engine, message: str) -> None:
    """For developers: autogenerate a migration from the models."""
    with engine.begin() as connection:
        command.revision(alembic_config(connection), message=message, autogenerate=True)
