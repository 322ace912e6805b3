"""Alembic environment: runs against the engine handed in by storage.migrate."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

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
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # A batch migration on SQLite copies a table, drops the original and renames
            # the copy. With foreign keys enforced (storage/db.py turns them on for every
            # connection), dropping checkin_rounds deletes every answer through ON DELETE
            # CASCADE, and dropping people everything that is theirs. Alembic's batch mode
            # needs them off while it runs; the pragma only takes effect outside a
            # transaction, so on the driver's connection before the migration's BEGIN.
            _foreign_keys(connection, on=False)
        try:
            with connection.begin():
                context.configure(
                    connection=connection,
                    target_metadata=target_metadata,
                    include_object=_include,
                    render_as_batch=sqlite,
                )
                # (Checked only when the database is behind the newest migration, as at a
                # start after an upgrade or a restore: the check reads every table, seconds
                # for a large database, and most starts migrate nothing.)
                pending = sqlite and context.get_context().get_current_revision() \
                    != context.get_head_revision()
                broken = _broken(connection) if pending else {}
                context.run_migrations()
                if pending:
                    _no_new_breaks(connection, broken)
        finally:
            if sqlite:
                _foreign_keys(connection, on=True)


def _foreign_keys(connection: Connection, on: bool) -> None:
    raw = connection.connection.driver_connection
    assert raw is not None
    raw.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


def _broken(connection: Connection) -> dict[str, int]:
    """Rows pointing at rows that do not exist, per table."""
    out: dict[str, int] = {}
    for row in connection.exec_driver_sql("PRAGMA foreign_key_check").all():
        out[row[0]] = out.get(row[0], 0) + 1
    return out


def _no_new_breaks(connection: Connection, before: dict[str, int]) -> None:
    """With foreign keys off, nothing stopped a migration from leaving a row that points
    at nothing: refuse to commit one (the whole migration is rolled back)."""
    new = {table: n - before.get(table, 0) for table, n in _broken(connection).items()
           if n > before.get(table, 0)}
    if new:
        raise RuntimeError(f"the migration would leave {sum(new.values())} row(s) in "
                           f"{', '.join(sorted(new))} pointing at rows that do not exist; "
                           "nothing was changed")


run_migrations_online()
