"""Alembic migrations of the PostgreSQL store; ``upgrade`` brings a database to the latest."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine

FOLDER = Path(__file__).resolve().parent


def alembic_config(engine: Engine | None = None) -> Config:
    """Alembic's configuration for our migrations, run on ``engine``'s database."""
    config = Config()
    config.set_main_option("script_location", str(FOLDER))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Create the tables, or migrate them, up to ``revision``."""
    command.upgrade(alembic_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None before the first migration."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
