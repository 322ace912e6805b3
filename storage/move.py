"""Move every row to another database (`teampulse move-db`): SQLite to PostgreSQL, typically.

The source is read as one consistent moment: a SQLite file through SQLite's online
backup into a copy beside it (as `teampulse backup` does), any other database in one
REPEATABLE READ transaction; a bot writing meanwhile cannot make the copy inconsistent,
but what it writes afterwards is not in it. The target must hold no row in our tables;
it is brought to the same migration revision first, then every table's rows are copied
in foreign-key order, in batches, in one transaction: a copy that fails or is killed
half-way leaves the target's tables empty, and the move can simply be run again. Killed
after that transaction's commit (before the report), the target is whole: run again, the
move finds every row of the source already there, says so and changes nothing; a target
holding anything else is refused with what to do. One move at a time from a database
(MoveLock on a SQLite file, an advisory lock on PostgreSQL) and into one (a SQLite file
under the bot's own lock, MoveTargetLock: no bot runs on it meanwhile).
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    Connection,
    Engine,
    Table,
    Text,
    bindparam,
    cast,
    func,
    insert,
    inspect,
    select,
    text,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from bot.config import mask_url
from bot.leader import LOCK_KEY
from storage.backup import backup
from storage.db import (
    DatabaseSetupError,
    check_database_url,
    create_db_engine,
    describe_db_error,
    remove_sqlite_files,
)
from storage.instance_lock import MoveLock, MoveTargetLock, another_move, sqlite_path
from storage.migrate import current_revision, head_revision, known_revisions, upgrade
from storage.models import Base

log = logging.getLogger(__name__)

#: Rows read and written at a time: memory stays flat whatever the database's size.
BATCH_ROWS = 1000

# Not copied. alembic_version: the target gets its own from the migrations. apscheduler_jobs:
# APScheduler's pickled jobs are rebuilt by the bot on every start (bot/scheduler.py,
# sync_org_jobs: one job per check-in timezone and the monthly ones, from the org file and
# the settings, replace_existing), and what fell due while no bot ran is caught up from the
# schedule, not from the jobs (catch_up, run_honours). Copying them would bring nothing the
# start does not rebuild, and would carry pickles written by whichever APScheduler wrote the
# source into a database the bot then unpickles on start.
NOT_COPIED = frozenset({"alembic_version", "apscheduler_jobs"})

#: The session-level advisory lock a move holds on a PostgreSQL source and on a PostgreSQL
#: target (advisory locks are per database): beside bot/leader.py's leader and start-up
#: keys, so a bot running on the database neither blocks a move nor is blocked by one.
MOVE_KEY = LOCK_KEY + 2


class MoveFailed(Exception):
    """The copy failed part-way; the target holds none of it. One line for the operator."""


@dataclass(frozen=True)
class Moved:
    """What a move copied: the revision, and the rows of each table in copy order."""

    revision: str
    tables: list[tuple[str, int]]
    #: The target held every row already (a move into it finished, killed before its
    #: report, say): nothing was copied.
    already: bool = False

    @property
    def total(self) -> int:
        """Rows copied in all."""
        return sum(n for _, n in self.tables)


def tables() -> list[Table]:
    """Our tables, parents before the tables that point at them."""
    return [t for t in Base.metadata.sorted_tables if t.name not in NOT_COPIED]


def move_database(source_url: str, target_url: str, *,
                  batch_rows: int | None = None) -> Moved:
    """Copy every row of the database at `source_url` into the empty one at `target_url`.

    A target that already holds exactly the source's rows (a move into it that finished)
    is left as it is: Moved(already=True).

    Raises DatabaseSetupError (nothing changed) for a target URL that cannot work or
    cannot be reached, a target that holds other data, or a source not at the newest
    revision; MoveFailed when the copy itself fails (the target's tables are left empty).
    """
    check_database_url(target_url, "TARGET_URL")
    shown = mask_url(target_url)
    if _same_sqlite_file(source_url, target_url):
        # Its snapshot would be found to hold the same rows, as after a finished move:
        # refused as a PostgreSQL database in use is (by the move's own lock on it).
        raise DatabaseSetupError(_in_use(shown))
    with _snapshot(source_url) as source:
        revision = _source_revision(source, source_url)
        # A SQLite target is locked as a bot locks its file before it is touched: no bot
        # runs on it, nor starts on it, nor does a second move fill it meanwhile.
        with _sqlite_target_lock(target_url) as new_file:
            return _move_into(source, target_url, shown, revision, batch_rows, new_file)


def _same_sqlite_file(source_url: str, target_url: str) -> bool:
    """Whether both URLs name one SQLite file, however spelt (relative, through a link)."""
    source, target = sqlite_path(source_url), sqlite_path(target_url)
    if source is None or target is None:
        return False
    if source.resolve() == target.resolve():
        return True
    with contextlib.suppress(OSError):  # one of them does not exist: not the same file
        return source.samefile(target)
    return False


def _in_use(shown: str) -> str:
    """The refusal of a move into the database it is moving from."""
    return (f"the target database at {shown} is the database in use (DATABASE_URL) itself; "
            "move-db copies it into another, empty database, nothing was changed")


@contextlib.contextmanager
def _sqlite_target_lock(url: str) -> Iterator[Path | None]:
    """Hold a SQLite target's lock for the move; yield its file if the move is creating
    it (None: it was there, or PostgreSQL). A move that fails or is refused leaves behind
    nothing it made: the lock file, the new file (a retry makes it again) and the
    folders made for it. Only what was not there before goes: an existing file (a wrong
    TARGET_URL naming the notes, say) and its folder stay as they were."""
    path = sqlite_path(url)
    if path is None:
        yield None
        return
    lock = MoveTargetLock(path)
    folders = [f for f in (path.parent, *path.parent.parents) if not f.exists()]
    had_lock_file = lock.path.exists()
    try:
        lock.acquire("teampulse move-db")
    except BaseException:
        _remove_folders(folders)  # (the lock file, if any, is another process's)
        raise
    # Looked at under the lock: no bot and no other move creates the file meanwhile.
    new_file = None if path.exists() else path
    try:
        yield new_file
    except BaseException:
        # Removed while the lock is held, so no other process takes the file meanwhile;
        # each apart, so one that cannot go does not keep the other.
        if new_file is not None:
            with contextlib.suppress(OSError):
                remove_sqlite_files(new_file)
        if not had_lock_file:
            with contextlib.suppress(OSError):
                lock.path.unlink()
        lock.release()
        _remove_folders(folders)
        raise
    lock.release()


def _remove_folders(folders: list[Path]) -> None:
    """Remove these folders, deepest first, each only if it is empty."""
    for folder in folders:
        try:
            folder.rmdir()
        except OSError:  # not empty (something else put there meanwhile), or gone
            return


def _move_into(source: Engine, target_url: str, shown: str, revision: str,
               batch_rows: int | None, new_file: Path | None = None) -> Moved:
    """The move's part on the target: check it, create the tables, copy. `new_file`: the
    SQLite file the move creates, removed if it fails (_sqlite_target_lock)."""
    # Only now the target is touched (a SQLite target's file is created on connecting).
    target = create_db_engine(target_url, "TARGET_URL")
    try:
        # Two moves into one PostgreSQL database (from two sources, or a retry while
        # the first runs) would both find it empty and fill it: the second is refused.
        with _pg_move_lock(target, "into", shown):
            holding = _check_target(target, shown)
            if holding:
                same = _same_rows(source, target, revision)
                if same is None:
                    raise DatabaseSetupError(_not_empty(target_url, shown, holding))
                return Moved(revision, same, already=True)
            try:
                upgrade(target)  # one transaction: a failure creates nothing
            except DBAPIError as exc:
                raise DatabaseSetupError(
                    f"cannot create the tables in the target database at {shown}: "
                    f"{describe_db_error(exc)}; nothing was changed") from None
            counts = _copy(source, target, shown, batch_rows or BATCH_ROWS, new_file)
    finally:
        target.dispose()
    return Moved(revision, counts)


@contextlib.contextmanager
def _snapshot(url: str) -> Iterator[Engine]:
    """An engine on the source as it is now: for a SQLite file, a copy made with SQLite's
    online backup beside it (`<db>.moving`, removed afterwards), under the file's MoveLock
    (a second move from it is refused: it would take the same copy's name); otherwise the
    database itself (read in one REPEATABLE READ transaction by _copy)."""
    path = sqlite_path(url)
    if path is None:
        engine = create_db_engine(url)
        try:
            # As the MoveLock of a SQLite file: one move from a database at a time.
            with _pg_move_lock(engine, "from", mask_url(url)):
                yield engine
        finally:
            engine.dispose()
        return
    if not path.is_file():
        raise DatabaseSetupError(f"there is no database at {path} to move (DATABASE_URL)")
    copy = path.with_name(path.name + ".moving")
    lock = MoveLock(path)
    lock.acquire("teampulse move-db")  # refuses a second move from this file: one snapshot
    try:
        remove_sqlite_files(copy)  # what a move killed earlier left (its lock went with it)
        try:
            backup(url, copy)
            engine = create_db_engine(f"sqlite:///{copy}")
            try:
                yield engine
            finally:
                engine.dispose()
        finally:
            remove_sqlite_files(copy)
    finally:
        lock.release()


@contextlib.contextmanager
def _pg_move_lock(engine: Engine, direction: str, shown: str) -> Iterator[None]:
    """On PostgreSQL, hold MOVE_KEY's session-level advisory lock on a connection of its
    own while the move runs, or refuse at once naming the move that holds it (nothing
    else on SQLite, where MoveLock does this for a source). The server drops the lock
    with the session, however the process ends (even SIGKILL)."""
    if engine.dialect.name != "postgresql":
        yield
        return
    try:
        conn = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    except DBAPIError as exc:
        raise _unusable(direction, shown, exc) from None
    try:
        try:
            # Named, so the refusal of a second move (and pg_stat_activity) says whose it is.
            conn.execute(text("SELECT set_config('application_name', :name, false)"),
                         {"name": f"teampulse pid {os.getpid()}, move-db"})
            locked = conn.execute(text("SELECT pg_try_advisory_lock(:key)"),
                                  {"key": MOVE_KEY}).scalar()
            holder = None if locked else _lock_holder(conn)
        except DBAPIError as exc:
            raise _unusable(direction, shown, exc) from None
        if holder is not None:
            if holder == f"pid {os.getpid()}, teampulse move-db":
                raise DatabaseSetupError(_in_use(shown))
            raise DatabaseSetupError(another_move(direction, shown, holder))
        yield
    finally:
        # The session ends with the connection (not back into the pool): the lock with it.
        conn.invalidate()
        conn.close()


def _unusable(direction: str, shown: str, exc: DBAPIError) -> DatabaseSetupError:
    which = "the target database" if direction == "into" else "the database"
    return DatabaseSetupError(f"cannot use {which} at {shown}: {describe_db_error(exc)}")


def _lock_holder(conn: Connection) -> str:
    """Who holds MOVE_KEY on this database: 'pid 4242, teampulse move-db' as its
    connection is named (the client's pid, which may be on another machine)."""
    name = conn.execute(text(
        "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
        "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 "
        "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
        "AND l.classid::bigint = :high AND l.objid::bigint = :low LIMIT 1"),
        {"high": MOVE_KEY >> 32, "low": MOVE_KEY & 0xFFFFFFFF}).scalar()
    match = re.fullmatch(r"teampulse pid (\d+), (.+)", name or "")
    return f"pid {match[1]}, teampulse {match[2]}" if match else "pid unknown"


def _source_revision(source: Engine, url: str) -> str:
    found = current_revision(source)
    head = head_revision(source)
    where = mask_url(url)
    if found is None:
        raise DatabaseSetupError(f"the database at {where} (DATABASE_URL) is empty: there is "
                                 "nothing to move")
    if found not in known_revisions():
        raise DatabaseSetupError(
            f"the database at {where} is at migration revision {found!r}, which this "
            "version of teampulse does not know; move it with the version that migrated it")
    if found != head:
        raise DatabaseSetupError(
            f"the database at {where} is at migration revision {found}, not {head}: run "
            "'teampulse migrate' first (with the bot stopped), then move-db; nothing was "
            "changed")
    assert head is not None
    return head


def _check_target(target: Engine, shown: str) -> list[str]:
    """Refuse a target that cannot be reached or is from a newer version; the tables of
    ours in which it holds a row."""
    try:
        with target.connect() as conn:
            found = current_revision(target)
            present = set(inspect(conn).get_table_names())
            holding = [t.name for t in tables() if t.name in present
                       and conn.execute(select(1).select_from(t).limit(1)).first()]
    except DBAPIError as exc:
        raise DatabaseSetupError(
            f"cannot use the target database at {shown}: {describe_db_error(exc)}") from None
    if found is not None and found not in known_revisions():
        raise DatabaseSetupError(
            f"the target database at {shown} is at migration revision {found!r}, which this "
            "version of teampulse does not know; move into an empty database, nothing was "
            "changed")
    return holding


def _not_empty(url: str, shown: str, holding: list[str]) -> str:
    """The refusal of a target holding rows that are not the source's, with what to do."""
    more = f" and {len(holding) - 3} more" if len(holding) > 3 else ""
    path = sqlite_path(url)
    if path is not None:
        empty = f"delete {path} (with any -wal and -shm file beside it)"
    else:
        name = make_url(url).database
        empty = f"drop it and create it empty (dropdb {name}; createdb -O OWNER {name})"
    return (f"the target database at {shown} already holds data (in "
            f"{', '.join(holding[:3])}{more}) that is not the database in use as it is now; "
            "move-db only fills an empty database, nothing was changed: if that data is "
            f"not needed, {empty} and run move-db again")


def _same_rows(source: Engine, target: Engine, revision: str) -> list[tuple[str, int]] | None:
    """Every table's rows, if the target holds exactly the source's rows (and is at the
    same revision); None at the first difference. Row counts are compared first, so a
    target holding something else is told apart without reading it all."""
    if current_revision(target) != revision:
        return None
    with source.connect() as src, target.connect() as dst:
        if src.dialect.name == "postgresql":
            src = src.execution_options(isolation_level="REPEATABLE READ")
        if dst.dialect.name == "postgresql":
            dst = dst.execution_options(isolation_level="REPEATABLE READ")
        with src.begin(), dst.begin():
            present = set(inspect(dst).get_table_names())
            if any(t.name not in present for t in tables()):
                return None
            counts = [(t.name, _count(src, t)) for t in tables()]
            if any(_count(dst, t) != n for t, (_, n) in zip(tables(), counts, strict=True)):
                return None
            for table in tables():
                theirs = _rows(dst, table).partitions(BATCH_ROWS)
                for ours in _rows(src, table).partitions(BATCH_ROWS):
                    if [tuple(r) for r in ours] != [tuple(r) for r in next(theirs, [])]:
                        return None
    return counts


def _count(conn: Connection, table: Table) -> int:
    return conn.execute(select(func.count()).select_from(table)).scalar_one()


def _rows(conn: Connection, table: Table, batch_rows: int = BATCH_ROWS) -> Any:
    """A table's rows, streamed in key order: the order they were written in, as a rule
    (and a stable one)."""
    # JSON travels as its text: a value comes out as it went in (SQL NULL stays NULL, JSON
    # null stays 'null', key order and spacing stay), without parsing every row.
    columns = [cast(c, Text).label(c.name) if isinstance(c.type, JSON) else c
               for c in table.columns]
    return conn.execution_options(stream_results=True, yield_per=batch_rows).execute(
        select(*columns).order_by(*table.primary_key.columns))


def _copy(source: Engine, target: Engine, shown: str, batch_rows: int,
          new_file: Path | None = None) -> list[tuple[str, int]]:
    counts: list[tuple[str, int]] = []
    current: str | None = None
    try:
        with source.connect() as src, target.begin() as dst:
            if src.dialect.name == "postgresql":
                # One snapshot for every table: rows written meanwhile are not half in.
                src = src.execution_options(isolation_level="REPEATABLE READ")
            with src.begin():
                for table in tables():
                    current = table.name
                    counts.append((table.name, _copy_table(src, dst, table, batch_rows)))
                current = None
                if dst.dialect.name == "postgresql":
                    _move_sequences(dst)
    except Exception as exc:
        log.debug("move-db failed", exc_info=True)
        step = f"copying {current}" if current else "finishing the copy"
        left = (f"the new file {new_file} is removed" if new_file is not None
                else "its tables are created, empty")
        raise MoveFailed(
            f"{step} into {shown} failed ({describe_db_error(exc)}); the target holds none "
            f"of it ({left}): fix the cause and run move-db again"
        ) from None
    return counts


def _copy_table(src: Connection, dst: Connection, table: Table, batch_rows: int) -> int:
    json_cols = {c.name for c in table.columns if isinstance(c.type, JSON)}
    on_postgresql = dst.dialect.name == "postgresql"
    values: dict[str, Any] = {}
    for c in table.columns:
        if c.name in json_cols:
            param = bindparam(f"p_{c.name}", type_=Text())
            values[c.name] = cast(param, c.type) if on_postgresql else param
        else:
            values[c.name] = bindparam(f"p_{c.name}", type_=c.type)
    statement = insert(table).values(values)
    copied = 0
    for rows in _rows(src, table, batch_rows).partitions(batch_rows):
        _insert_batch(dst, statement, [{f"p_{k}": v for k, v in row._mapping.items()}
                                       for row in rows])
        copied += len(rows)
    return copied


def _insert_batch(dst: Connection, statement: Any, rows: list[dict[str, Any]]) -> None:
    """Write one batch (its own function: a test interrupts the copy here)."""
    dst.execute(statement, rows)


def _move_sequences(dst: Connection) -> None:
    """Move each PostgreSQL sequence on past the copied ids: rows were inserted with their
    ids, which leaves the sequences at 1, and the first new row would collide."""
    for table in tables():
        for column in table.primary_key.columns:
            quoted = dst.dialect.identifier_preparer.quote(table.name)
            sequence = dst.execute(text("SELECT pg_get_serial_sequence(:t, :c)"),
                                   {"t": quoted, "c": column.name}).scalar()
            if sequence is None:
                continue  # not an id the database hands out
            col = dst.dialect.identifier_preparer.quote(column.name)
            # is_called false: the next id handed out is MAX + 1 (1 for an empty table).
            dst.execute(text(f"SELECT setval(:s, COALESCE(MAX({col}), 0) + 1, false) "
                             f"FROM {quoted}"), {"s": sequence})

