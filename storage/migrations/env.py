"""Alembic environment: runs against the engine handed in by storage.migrate."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

import storage.away  # noqa: F401  (its table belongs to the metadata)
from storage.models import Base

config = context.config
target_metadata = Base.metadata


def _include(obj: object, name: str | None, type_: str, *_args: object) -> bool:
    # APScheduler owns its own table; autogenerate must not try to drop it.
    return not (type_ == "table" and name == "apscheduler_jobs")


def run_migrations_online() -> None:
    """Run migrations on the engine given by the caller (or the URL in the config)."""
    engine = config.attributes.get("engine")
    if engine is None:
        engine = create_engine(config.get_main_option("sqlalchemy.url") or "sqlite://")
    with engine.begin() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            include_object=_include,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        context.run_migrations()


run_migrations_online()
