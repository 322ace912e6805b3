"""Bring a database up to date with the Alembic migrations shipped in this package.

Alembic is imported only when a database is not at HEAD already (a first start, a start
after an upgrade of teampulse) or when asked about revisions: most starts find nothing to
migrate, and loading Alembic and its migration scripts to learn so took half a second of
a restart and some 11 MB it kept for the life of the process.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text

from storage.db import DatabaseSetupError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"

#: The newest revision in storage/migrations/versions. A new migration sets it to its own
#: revision (tests/test_migrations.py fails until it does): a database already there is
#: left alone without Alembic.
HEAD = "0016_joined"


def alembic_config(engine: Engine) -> Config:
    """An Alembic config bound to an existing engine (no alembic.ini needed)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply every migration not yet applied.

    A database at a revision this code does not ship (migrated by a newer version, or
    by another application) raises DatabaseSetupError rather than guessing.
    """
    if revision == "head" and at_head(engine):
        return
    from alembic import command
    from alembic.script import ScriptDirectory
    from alembic.util.exc import CommandError

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


def at_head(engine: Engine) -> bool:
    """Whether the database is at HEAD (one revision recorded, HEAD's), read without
    Alembic."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return False
        found = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    return [row[0] for row in found] == [HEAD]


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None for an empty database."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def known_revisions() -> set[str]:
    """Every revision shipped with this code."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return {script.revision for script in ScriptDirectory.from_config(config).walk_revisions()}


def head_revision(engine: Engine) -> str | None:
    """The newest revision shipped with this code."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
