"""A second connection that reads the database as it was at the moment a first one does.

The GM's summary sends a dozen statements; on one connection the database works on one
at a time, with one of the machine's cores, while the summary's Python waits. A second
connection works on other statements meanwhile (handlers/summary_gm.py, through
storage/summary_rows.read_aside). It must see exactly what the first sees, or the view
contradicts itself (a check-in counted in one part and not in another):

- PostgreSQL: the first transaction exports its snapshot (`pg_export_snapshot()`) and the
  second takes it (`SET TRANSACTION SNAPSHOT`), as `pg_dump --jobs` does. Where the server
  refuses either (some PostgreSQL-compatible servers export none, nor did hot standbys
  before PostgreSQL 10; a pooler or load balancer may put the second connection on
  another server, which does not know the snapshot) there is no second
  connection, and the first reads on as if it had never been asked (see _shared).
- SQLite (WAL): a read transaction sees the database as of its first read. The second
  connection reads `PRAGMA data_version` before the first connection's first read and
  again as its own first read; the value changes with every commit another connection
  makes in between, so the same value means both began at the same moment. Otherwise
  (something committed in those few statements) there is no second connection and the
  summary reads on one, as it always could. No lock is taken: a writer is never held up.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError

log = logging.getLogger(__name__)

# What pg_export_snapshot() returns ("00000003-0000001B-1"): written into SET TRANSACTION
# SNAPSHOT, which takes no bound parameter.
_SNAPSHOT_ID = re.compile(r"[0-9A-Fa-f]+(-[0-9A-Fa-f]+)+")


@contextmanager
def beside(engine: Engine, first: Connection, options: Mapping[str, Any]
           ) -> Iterator[Connection | None]:
    """A connection (with `options`) in a read transaction that sees what `first`'s does,
    or None where there can be none (see the module's text). `first` must be in a
    transaction that has not read yet: this makes its first read. Rolled back and given
    back to the pool on leaving."""
    dialect = engine.dialect.name
    if dialect not in {"sqlite", "postgresql"}:
        first.exec_driver_sql("SELECT 1")
        yield None
        return
    other = engine.connect().execution_options(**options)
    try:
        if dialect == "postgresql":
            yield other if _shared(first, other) else None
            return
        before = other.exec_driver_sql("PRAGMA data_version").scalar()
        other.rollback()  # (its next read begins a new transaction: the second reading)
        first.exec_driver_sql("PRAGMA data_version")  # the first's read: its moment
        other.begin()
        same = other.exec_driver_sql("PRAGMA data_version").scalar() == before
        yield other if same else None
    finally:
        other.close()


def _shared(first: Connection, other: Connection) -> bool:
    """Whether `other` began a transaction on `first`'s exported snapshot. Where the server
    refuses, `other` is rolled back and `first` is as it was: PostgreSQL exports no
    snapshot from a subtransaction, and a refused export aborts the transaction it was
    asked in, so whether this server exports at all is asked in `other`'s own first."""
    other.begin()
    try:
        other.exec_driver_sql("SELECT pg_export_snapshot()")
    except DBAPIError as exc:
        other.rollback()
        _one_connection("the server exports no snapshot", exc)
        return False
    other.rollback()
    snapshot = first.exec_driver_sql("SELECT pg_export_snapshot()").scalar()
    if not isinstance(snapshot, str) or not _SNAPSHOT_ID.fullmatch(snapshot):
        raise ValueError(f"unexpected snapshot id {snapshot!r}")
    other.begin()
    try:
        other.exec_driver_sql(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
    except DBAPIError as exc:
        other.rollback()
        _one_connection("the second connection cannot take the first's snapshot", exc)
        return False
    return True


def _one_connection(why: str, exc: DBAPIError) -> None:
    # (The driver's first line says what the server refused; no statement, no secret.)
    reason = str(exc.orig).splitlines()[0] if exc.orig is not None else type(exc).__name__
    log.info("summary reads on one connection: %s (%s)", why, reason)
