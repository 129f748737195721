"""Database migrations (Alembic), with a version table of Tillit's own so a host's Alembic is untouched."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), revision)


def new_revision(engine: Engine, message: str) -> None:
    """For developers: autogenerate a migration from the models."""
    with engine.begin() as connection:
        command.revision(alembic_config(connection), message=message, autogenerate=True)
