"""Alembic's entry: migrations run on the engine the store hands over (never a URL in a file)."""

from __future__ import annotations

from alembic import context

from dashboard.stores.postgres import metadata

engine = context.config.attributes.get("engine")
if engine is None:
    raise RuntimeError("run migrations through `python -m dashboard db init`")
with engine.begin() as connection:
    context.configure(connection=connection, target_metadata=metadata)
    context.run_migrations()
