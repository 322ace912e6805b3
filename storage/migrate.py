"""Bring a database up to date with the Alembic migrations shipped in this package."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Engine

from storage.db import DatabaseSetupError

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    """An Alembic config bound to an existing engine (no alembic.ini needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply every migration not yet applied.

    A database at a revision this code does not ship (migrated by a newer version, or
    by another application) raises DatabaseSetupError rather than guessing.
    """
    config = alembic_config(engine)
    try:
        command.upgrade(config, revision)
    except CommandError as exc:
        if "Can't locate revision" not in str(exc):
            raise
        found = current_revision(engine)
        raise DatabaseSetupError(
            f"the database is at migration revision {found!r}, which this version of "
            f"teampulse does not know (newest known: "
            f"{ScriptDirectory.from_config(config).get_current_head()!r}); was it migrated "
            "by a newer teampulse? Run that version, or restore a backup") from None


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None for an empty database."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def known_revisions() -> set[str]:
    """Every revision shipped with this code."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return {script.revision for script in ScriptDirectory.from_config(config).walk_revisions()}


def head_revision(engine: Engine) -> str | None:
    """The newest revision shipped with this code."""
    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
