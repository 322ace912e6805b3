"""Where a benchmark's data lives: a SQLite file, or a throwaway PostgreSQL database."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url


@contextlib.contextmanager
def throwaway_database(folder: Path, name: str) -> Iterator[str]:
    """A fresh, empty database URL: SQLite in `folder`, or a new database on the server
    BENCH_DATABASE_URL names, dropped afterwards."""
    server = os.environ.get("BENCH_DATABASE_URL")
    if not server:
        yield f"sqlite:///{folder / name}.db"
        return
    db = f"bench_{name}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {db}"))
    try:
        yield make_url(server).set(database=db).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)"))
        admin.dispose()


def settle(engine: Engine) -> None:
    """After a bulk fill, bring a PostgreSQL database to the state autovacuum keeps a
    database that grew over a year in: planner statistics, and the visibility map that
    lets an index-only scan skip the table (without it every covering index read visits
    the table too, and the summary's first-page read took 266 ms instead of 168 ms).
    Nothing to do on SQLite."""
    if engine.dialect.name != "postgresql":
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
