"""Engine and session factory for SQLite (the default) and PostgreSQL."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.util import asbool

from bot.config import mask_url
from storage.versioned_writes import write_versioned_together

# Seconds to wait for a PostgreSQL server before start-up gives up (the OS default is
# minutes when packets are silently dropped).
CONNECT_TIMEOUT = 10
#: How long the server keeps a session whose process it no longer hears (a network drop
#: sends it no reset): TCP keep-alive probes after 5 s of silence, 2 s apart, 2 of them,
#: asked for by every session. The kernel's defaults are two hours and more, all that time
#: holding what the session held: its open transaction's row locks (a round batch
#: half-written, which another replica's round then waited on), a leader's lock.
SERVER_KEEPALIVE = {"tcp_keepalives_idle": "5", "tcp_keepalives_interval": "2",
                    "tcp_keepalives_count": "2"}
SERVER_SILENCE_SECONDS = 9


def session_settings_sql(settings: dict[str, str]) -> str:
    """One statement setting these for the rest of the session (set_config, not startup
    options, which a pooler in front of the server may refuse; ignored on a Unix socket)."""
    return "SELECT " + ", ".join(f"set_config('{name}', '{value}', false)"
                                 for name, value in settings.items())


class ConcurrentChange(Exception):
    """Another transaction changed what this one was about to (another replica handling
    the same person's previous message at that moment): the event is handled again in a
    new transaction, which reads what is there now (bot/core.py)."""


#: What a scheduled job meets when the database fails it, to log in a line and retry at
#: its next run: a database error, or (with replicas) a dialog another replica changed
#: under it (StaleDataError, see storage.models.Conversation.version).
JOB_DB_FAILURES: tuple[type[Exception], ...] = (DBAPIError, StaleDataError)


#: The databases teampulse runs on (its migrations and queries are written for these).
SUPPORTED_BACKENDS = frozenset({"sqlite", "postgresql"})


class DatabaseSetupError(Exception):
    """The database cannot be used at all: a bad URL, a missing driver, an unknown revision.

    Its message is one line meant for the operator.
    """


def check_database_url(url: str, name: str = "DATABASE_URL", *, sqlite_form: bool = True) -> URL:
    """Parse a DATABASE_URL and check its backend and driver are installed, without connecting.

    `name` is what the messages call the URL (`move-db` checks its TARGET_URL). With
    `sqlite_form`, a SQLite URL is also checked for what SQLite's driver would refuse (see
    `sqlite_url_problem`).
    """
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DatabaseSetupError(
            f"{name} is not a database URL; expected e.g. sqlite:///data/teampulse.db "
            "or postgresql+psycopg://user:password@host/dbname") from None
    except ValueError:
        # SQLAlchemy's int() on the port. The port is not quoted: with '@host' left out
        # ('user:password/db'), what it read as the port is the password.
        raise DatabaseSetupError(
            f"{name}'s port is not a number: write the host and port as host:5432, and a "
            "':', '/' or '@' in the user name or password as %3A, %2F or %40") from None
    shown = mask_url(url)
    if parsed.host and "@" in parsed.host:
        # 'user:p@ss@host': read as password 'p' at host 'ss@host', whose connection error
        # would quote the rest of the password.
        raise DatabaseSetupError(
            f"{name} has an '@' before the host that is not percent-encoded: write an "
            "'@' in the user name or password as %40 (and ':' as %3A, '/' as %2F)")
    try:
        dialect = parsed.get_dialect()
    except ArgumentError:  # NoSuchModuleError: an unknown backend or driver name
        raise DatabaseSetupError(
            f"{name} {shown}: unknown database backend or driver "
            f"{parsed.drivername!r}; teampulse supports sqlite and postgresql+psycopg") from None
    if parsed.get_backend_name() not in SUPPORTED_BACKENDS:
        # mysql://, mssql://: SQLAlchemy knows them, so the message had been "the driver
        # is not installed", as if installing one would do; teampulse runs on neither.
        raise DatabaseSetupError(
            f"{name} {shown}: teampulse does not run on {parsed.get_backend_name()}; it "
            "supports sqlite (sqlite:///data/teampulse.db) and PostgreSQL "
            "(postgresql+psycopg://user:password@host/dbname)")
    try:
        dialect.import_dbapi()
    except ImportError as exc:
        raise DatabaseSetupError(
            f"{name} {shown}: the driver for {parsed.drivername!r} is not installed "
            f"(no module {exc.name or exc}); for PostgreSQL install the postgres extra "
            "(pip install '.[postgres]') and use postgresql+psycopg://") from None
    if sqlite_form and parsed.get_backend_name() == "sqlite" and (
            problem := sqlite_url_problem(parsed, name, shown)):
        raise DatabaseSetupError(problem)
    return parsed


#: SQLite's driver's query parameters that must be of a kind, as the operator is told it.
_SQLITE_QUERY_KINDS = {"uri": "true or false", "check_same_thread": "true or false",
                       "timeout": "a number", "detect_types": "a whole number",
                       "cached_statements": "a whole number"}
_READ_AS: dict[str, Callable[[str], object]] = {
    "true or false": asbool, "a number": float, "a whole number": int}
#: What else a SQLite URL's query may say: the driver's one setting that is text, and
#: SQLite's own URI settings (https://sqlite.org/uri.html), read only with uri=true.
_SQLITE_DRIVER_TEXT = ("isolation_level",)
_SQLITE_URI_SETTINGS = ("cache", "immutable", "mode", "modeof", "nolock", "psow", "vfs")


def sqlite_url_problem(parsed: URL, name: str, shown: str) -> str | None:
    """What SQLite's driver would refuse (or drop) in `parsed`, in one line naming the
    setting and the URL as `shown` (its password masked), quoted; None if nothing.
    SQLAlchemy refused these only at create_engine or the first connection, with a message
    quoting the URL whole, which the log leaves out: a traceback saying nothing (a user
    part, a host from one slash too few, a query value that is not a number, a NUL in the
    path)."""
    # Quoted: a URL ending in ':' (sqlite:///:memory:) ran into the line's own colon.
    said = f"{name} '{shown}'"
    if parsed.username or parsed.password:
        return (f"{said}: a SQLite URL takes no user or password (SQLite has no "
                "login: the file's permissions guard it); write "
                f"sqlite:///{parsed.database or 'data/teampulse.db'}")
    if parsed.host or parsed.port:
        path = "/".join(part for part in (parsed.host, parsed.database) if part)
        return (f"{said}: a SQLite URL has no host (here {parsed.host!r}): write "
                "three slashes before a path from the working directory "
                f"(sqlite:///{path}) or four before a full path "
                "(sqlite:////srv/teampulse/teampulse.db)")
    for key, kind in _SQLITE_QUERY_KINDS.items():
        value = parsed.query.get(key)
        if isinstance(value, tuple):
            return f"{said}: {key} is given {len(value)} times: give it once"
        try:
            if value is not None:
                _READ_AS[kind](value)
        except ValueError:
            return f"{said}: {key}={value!r} is not {kind}"
    # Anything else SQLAlchemy drops with a warning (SQLite's own settings without
    # uri=true: 'mode=ro' asked for read-only and got a database every command could
    # write), and SQLite drops without one (a typo such as 'mod=ro', even with uri=true).
    driver = (*_SQLITE_QUERY_KINDS, *_SQLITE_DRIVER_TEXT)
    for key in parsed.query:
        if key in _SQLITE_URI_SETTINGS and not asbool(parsed.query.get("uri", False)):
            return (f"{said}: SQLite reads {key} only with uri=true in the URL as "
                    f"well, and ignores it without: write {shown}&uri=true")
        if key not in driver and key not in _SQLITE_URI_SETTINGS:
            return (f"{said}: {key} is no SQLite setting, so it would be ignored; a "
                    f"SQLite URL takes {', '.join(driver)} and, with uri=true, "
                    f"{', '.join(_SQLITE_URI_SETTINGS)}")
    try:
        # SQLAlchemy decodes a %-escape that is not UTF-8 as '\ufffd': another file's name,
        # made anew and empty by the first command, the operator's left unread.
        unquote(shown.partition("?")[0], errors="strict")
    except UnicodeDecodeError:
        return (f"{said}: a %-escape in the path is not UTF-8 text once decoded, so "
                "SQLite would open a file of another name: write the file's name in UTF-8 "
                "(rename a file whose name is not)")
    if "\x00" in (parsed.database or ""):
        return (f"{said}: the path holds a NUL character (%00), which no file name "
                "can hold")
    return None


def sqlite_file(database: str, name: str = "DATABASE_URL") -> Path:
    """A SQLite URL's database path as a file's (`~` expanded: SQLite itself would open a
    folder named '~' under the working directory), or DatabaseSetupError naming the setting
    for a path that is not UTF-8 text: a `~` from a HOME whose name has a Latin-1 byte. Such
    a path cannot be written back into a URL, which the migrations and the bot do (a
    UnicodeEncodeError traceback, its message hidden, after `migrate` had made the file)."""
    path = Path(database).expanduser()
    if bad := sorted({f"\\x{ord(c) - 0xDC00:02x}" for c in str(path)
                      if 0xDC80 <= ord(c) <= 0xDCFF}):
        shown = os.fsencode(path).decode("utf-8", "backslashreplace")
        raise DatabaseSetupError(
            f"{name}: the SQLite database's path {shown} holds a byte that is not UTF-8 text "
            f"({', '.join(bad)}), which teampulse cannot use: give a path in UTF-8, or "
            "rename the folder")
    return path


def describe_db_error(exc: BaseException) -> str:
    """One line saying what went wrong with the database (no SQL, no parameters)."""
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        detail = str(exc.orig).strip().splitlines()
        return f"{type(exc.orig).__name__}: {detail[0] if detail else ''}".rstrip(": ")
    detail = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {detail[0] if detail else ''}".rstrip(": ")


def in_memory_sqlite(url: str) -> bool:
    """Whether `url` is a SQLite database held in memory (`sqlite://`, `sqlite:///:memory:`,
    a `mode=memory` URI): each connection has its own, gone when it closes."""
    # (Not the SQLite URL's form: `run` says first that memory is no place for the bot.)
    parsed = check_database_url(url, sqlite_form=False)
    database = parsed.database or ""
    return parsed.get_backend_name() == "sqlite" and (
        database in ("", ":memory:") or "mode=memory" in url)


def make_sqlite_folder(database: Path, name: str = "DATABASE_URL") -> None:
    """Create a SQLite file's folder, or raise DatabaseSetupError naming it and the setting
    (`name`) that chose it: no permission, a file in the way, a read-only disk; or the
    database's path itself a folder (SQLite said only 'unable to open database file')."""
    try:
        database.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        reason = ("a file, not a folder, is in the way" if isinstance(
            exc, FileExistsError | NotADirectoryError) else exc.strerror or str(exc))
        raise DatabaseSetupError(
            f"{name}: cannot create {database.parent}, the folder of the SQLite database "
            f"{database} ({reason}); create it, or give a path teampulse may write to"
        ) from None
    try:
        folder = database.is_dir()
    except OSError as exc:  # a name longer than the file system takes, say
        raise DatabaseSetupError(
            f"{name}: cannot use {database} as the SQLite database "
            f"({exc.strerror or type(exc).__name__}); give a path teampulse may write to"
        ) from None
    if folder:
        raise DatabaseSetupError(
            f"{name}: {database} is a folder, not a SQLite database file; name a file in it, "
            f"such as sqlite:///{database / 'teampulse.db'}")


def sqlite_write_problem(database: Path, name: str = "DATABASE_URL") -> str | None:
    """Why this user cannot write the SQLite database `database` where it is, one line
    naming the setting (`name`), or None if nothing stops it: its folder (SQLite writes its
    journal beside the file, `teampulse run` its lock file) or the file itself read-only,
    by permissions or a read-only disk. SQLite says only 'unable to open database file' or
    'attempt to write a readonly database', and the lock file a PermissionError."""
    folder = database.parent
    fix = "make it writable for the user teampulse runs as, or give a path teampulse may write to"
    if folder.is_dir() and not os.access(folder, os.W_OK | os.X_OK):
        return (f"{name}: cannot write in {folder}, the folder of the SQLite database "
                f"{database} (no permission, or a read-only disk; SQLite writes its journal "
                f"beside the database, and teampulse run its lock file); {fix}")
    if database.is_file() and not os.access(database, os.W_OK):
        return (f"{name}: cannot write the SQLite database {database} (the file is "
                f"read-only for this user, or on a read-only disk); {fix}")
    return None


#: The files SQLite keeps beside a database: its write-ahead log, shared memory, journal.
SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")


def create_private_sqlite(database: Path) -> None:
    """Create `database` empty (SQLite reads an empty file as an empty database) and
    readable by its owner alone, unless a file is there already, which is left as it is.

    SQLite itself creates a missing file with the process's umask (0644 as a rule) though
    it holds people's answers, blockers and anonymous pulse data; its -wal, -shm and
    -journal take the database's own mode, so they follow. os.open with O_EXCL and mode
    0600 makes the file private from its first moment, with no chmod after (a window
    where it could be opened) and no umask change (process-wide: another thread's file
    made meanwhile would get it too). One it cannot create (no permission, a read-only
    disk) is left to SQLite to report as before, with sqlite_write_problem's reasons.
    """
    try:
        fd = os.open(database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError:  # there already (another process's, or the operator's), or not ours
        return
    os.close(fd)


def loose_sqlite_file(database: Path) -> str | None:
    """One line for the operator if the SQLite database `database` can be read or written
    by other users than its owner, with the command that fixes it; None if not (or if it
    is not there). Only reported, never changed: the file and its mode are the operator's
    (a group that backs it up, say)."""
    try:
        mode = stat.S_IMODE(database.stat().st_mode)
    except OSError:
        return None
    if not mode & 0o077:
        return None
    # The one command: SQLite gives the -wal and -shm it creates the database's own mode.
    return (f"the SQLite database {database} can be read by other users (mode {mode:04o}) "
            "though it holds people's answers, blockers and anonymous pulse data (its "
            "-wal and -shm files too, until the bot next starts); make it its owner's "
            f"alone with: chmod 600 {database}")


def remove_sqlite_files(database: Path) -> None:
    """Remove a SQLite database file and the journal files beside it (-wal, -shm,
    -journal); any that is not there is fine."""
    for path in (database, *(database.with_name(database.name + suffix)
                             for suffix in SQLITE_COMPANIONS)):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def create_db_engine(url: str, name: str = "DATABASE_URL") -> Engine:
    """Create an engine; for a SQLite file, make its folder and turn on foreign keys.

    Raises DatabaseSetupError for a URL that cannot work (bad form, unknown or missing
    driver, a SQLite folder that cannot be made); `name` is what its message calls the URL.
    """
    parsed = check_database_url(url, name)
    # hide_parameters: a failed statement's error must not carry people's answers into logs.
    kwargs: dict[str, Any] = {"future": True, "hide_parameters": True}
    path: Path | None = None
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            path = sqlite_file(database, name)
            make_sqlite_folder(path, name)
            # The file the lock, backup and move-db use (sqlite_path expands '~' too); SQLite
            # itself would open a folder named '~' under the working directory.
            parsed = parsed.set(database=str(path))
        kwargs["connect_args"] = {"check_same_thread": False}
    else:
        kwargs["pool_pre_ping"] = True  # a connection the server dropped is replaced, not used
        if parsed.get_driver_name() in {"psycopg", "psycopg2"}:
            # Named, so an operator (and a new leader, see bot/leader.py) can tell which
            # teampulse processes are connected.
            kwargs["connect_args"] = {"application_name": f"teampulse pid {os.getpid()}"}
            if "connect_timeout" not in parsed.query:
                kwargs["connect_args"]["connect_timeout"] = CONNECT_TIMEOUT
    engine = create_engine(parsed, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        if path is not None and "mode" not in parsed.query:  # (not one opened read-only)
            private = path
            # At the first connection, where SQLite would create the file (not here: a
            # command that only looks whether the database is there must not make one).
            event.listen(engine, "do_connect",
                         lambda *_args: create_private_sqlite(private))
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
    elif parsed.get_backend_name() == "postgresql":
        event.listen(engine, "connect", _postgresql_connect)
    return engine


def no_jit(conn: Connection) -> None:
    """On PostgreSQL, no JIT compilation for the rest of this transaction (SET LOCAL: the
    server's and other sessions' settings are untouched, behind any connection pooler).

    The GM's view at 10,000 people runs statements the planner costs above
    jit_above_cost; compiling them cost more than it saved (/summary on the bench's 10,000
    directors, PostgreSQL 15, taking turns: 1,214 ms with JIT, 1,146 ms without): JIT pays
    off only for queries of seconds. Nothing on SQLite.
    """
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL jit = off")


@contextmanager
def planned_afresh(conn: Connection) -> Iterator[None]:
    """On PostgreSQL, the statements of the block planned for their own parameters and the
    tables as they are now: psycopg sends them unprepared (its connection's
    prepare_threshold None for the block, restored after it), and the server plans an
    unprepared statement for the values it is given, never with a plan kept from earlier
    runs. Nothing on SQLite, which plans every statement anew.

    For the reads of a check-in round's batches. psycopg prepares a statement once it has
    run five times, and after five more the server may keep a generic plan for it, costed
    on the tables as they were. A new install's first round fills the rounds table and
    the outbox from empty: the plan kept from the first batches (a scan of what were
    nearly empty tables) was used for all later ones, so each batch's look-up of its
    100 dedupe keys compared every row the round had written so far (19 ms a batch at
    10,000 people, against under 1 ms planned afresh): a round quadratic in people. The
    writes keep their prepared statements: an insert is run once per row (psycopg's
    pipelined executemany), and planning each row anew cost more than the reads gained.

    (Until 2026-12-07 this was SET LOCAL plan_cache_mode = force_custom_plan and back: two
    more round trips to the server for each block, six of a round batch's 17.)
    """
    if conn.dialect.name != "postgresql":
        yield
        return
    driver = conn.connection.driver_connection
    was = driver.prepare_threshold
    driver.prepare_threshold = None
    try:
        yield
    finally:
        driver.prepare_threshold = was


def _postgresql_connect(dbapi_connection: Any, _record: Any) -> None:
    # (Not tcp_user_timeout: a client reading a long export slowly would be cut off.)
    cursor = dbapi_connection.cursor()
    cursor.execute(session_settings_sql(SERVER_KEEPALIVE))
    cursor.close()
    dbapi_connection.commit()


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite's own transaction handling breaks SAVEPOINT; SQLAlchemy's documented fix is
    # to turn it off and emit BEGIN ourselves (see _sqlite_begin). Foreign keys are opt-in.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    # WAL: a commit appends to the write-ahead log instead of rewriting pages through a
    # rollback journal, and readers do not block the writer. With synchronous=NORMAL a
    # commit is not synced to disk (the log is, at checkpoints): delivery commits a batch
    # at a time and each commit was a disk sync. A crash of the process loses nothing; a
    # power cut may lose the last commits but never corrupts the file (SQLite's own
    # guidance for WAL). The journal mode is stored in the file; a read-only file or an
    # in-memory database keeps its own, which is fine.
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
    except sqlite3.DatabaseError:
        pass
    cursor.close()


#: Execution option of a connection whose transactions only read (handlers.context's
#: one_moment): on SQLite a plain BEGIN, which takes no write lock (see _sqlite_begin).
READS_ONLY = "teampulse_reads_only"


def _sqlite_begin(connection: Any) -> None:
    # IMMEDIATE takes the write lock up front. Handlers run on a database thread while the
    # event loop's thread also uses the database; with a plain (deferred) BEGIN, two
    # transactions that both read and then write can deadlock, and SQLite then fails one at
    # once with "database is locked" instead of waiting out busy_timeout. A transaction
    # that only reads cannot deadlock so, and holding the lock would stop every answer
    # from being stored while a GM's summary of thousands is read.
    if connection.get_execution_options().get(READS_ONLY):
        connection.exec_driver_sql("BEGIN")
        return
    try:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    except DBAPIError as exc:
        if "readonly" not in str(exc.orig).replace(" ", "").lower():
            raise
        # A read-only file (or disk): the write lock is refused, but reading still works,
        # so /summary and the like go on; a write fails when it is attempted.
        connection.exec_driver_sql("BEGIN")


#: session.info key: set while a batch of events leaves its changes unwritten between
#: events (see bot.core.TeamPulse._batch), so that they are written together.
DEFERRED_FLUSH = "teampulse.deferred_flush"
#: session.info key: rows queued by defer_insert(), in order, not yet written.
DEFERRED_INSERTS = "teampulse.deferred_inserts"
#: session.info key: statements queued by defer_after(), by name: (run, items).
DEFERRED_AFTER = "teampulse.deferred_after"
#: session.info key: set while the session's transaction holds a batch of several events
#: (bot.core.TeamPulse._batch), whose earlier events' changes are not committed yet.
IN_BATCH = "teampulse.in_batch"


class BatchSession(Session):
    """A Session whose raw SQL sees its unwritten changes during a batch.

    A query through the ORM writes pending changes first (autoflush); SQL run on
    `connection()` does not. While DEFERRED_FLUSH is set, `connection()` writes them
    first too, so whatever a handler reads sees the events before it. Statements that
    only add rows no pending change touches use insert_connection() instead. Rows
    queued with defer_insert() are written before any statement at all (and before
    the commit), so nothing ever reads the database without them.
    """

    def connection(self, *args: Any, **kwargs: Any) -> Connection:
        if self.info.get(DEFERRED_FLUSH) and not self._flushing:
            if self.new or self.dirty or self.deleted:
                self.flush()
            write_deferred(self)
        return super().connection(*args, **kwargs)

    def flush(self, objects: Any = None) -> None:
        """Write pending changes; during a batch on PostgreSQL, the changed dialogs
        (versioned rows) first, in one statement per set of columns changed instead of
        one UPDATE each (storage.versioned_writes)."""
        if (objects is None and self.info.get(DEFERRED_FLUSH) and not self._flushing
                and self.dirty and not self.in_nested_transaction()
                and self.get_bind().dialect.name == "postgresql"):
            # Not inside a savepoint: undoing one expires only what the ORM flushed in
            # it, and the rows written here would keep the version they were given.
            write_versioned_together(self, lambda: Session.connection(self))
        super().flush(objects)

    def begin_nested(self) -> SessionTransaction:
        # Rows queued before a savepoint are written before it: a savepoint rolled back
        # (a feature carrying on without a chart, say) must not undo them with its own.
        write_deferred(self)
        return super().begin_nested()


def defer_insert(session: Session, statement: Any, row: dict[str, Any]) -> bool:
    """Queue one row of a plain INSERT `statement` while the session defers its writes
    (DEFERRED_FLUSH): rows queued one after another for the same statement go in
    together, one executemany, before the session's next statement of any kind or
    its commit. False (nothing queued: the caller inserts now) when not deferring."""
    if not session.info.get(DEFERRED_FLUSH) or session.in_nested_transaction():
        return False  # (inside a savepoint: written now, undone with it if it is)
    session.info.setdefault(DEFERRED_INSERTS, []).append((statement, row))
    return True


def defer_after(session: Session, name: str, item: Any,
                run: Callable[[Connection, list[Any]], None]) -> bool:
    """Queue `item` while the session defers its writes (DEFERRED_FLUSH): `run` gets
    every item queued under `name` at once, after the rows defer_insert() queued and at
    the same moments (before the session's next statement of any kind, or its commit),
    so what it does is seen as if done when queued. For a statement on every answer's
    path that only touches rows no pending change refers to (withdrawing the outbox's
    queued reminders by key): one for the batch, not one per answer. False (nothing
    queued: the caller runs it now) when not deferring."""
    if not session.info.get(DEFERRED_FLUSH) or session.in_nested_transaction():
        return False
    queued = session.info.setdefault(DEFERRED_AFTER, {})
    queued.setdefault(name, (run, []))[1].append(item)
    return True


def write_deferred(session: Session) -> None:
    """Write the rows defer_insert() queued, in the order they were queued, then run
    what defer_after() queued."""
    pending = session.info.get(DEFERRED_INSERTS)
    after = session.info.get(DEFERRED_AFTER)
    if not pending and not after:
        return
    # Taken before executing: never written twice.
    session.info[DEFERRED_INSERTS], session.info[DEFERRED_AFTER] = [], {}
    connection = Session.connection(session)
    start = 0
    for end in range(1, len(pending or ()) + 1):
        if end == len(pending) or pending[end][0] is not pending[start][0]:
            connection.execute(pending[start][0], [row for _, row in pending[start:end]])
            start = end
    for run, items in (after or {}).values():
        run(connection, items)


@event.listens_for(BatchSession, "do_orm_execute")
def _deferred_before_orm_statement(state: Any) -> None:
    # An ORM query (a select, a lazy load, Session.get missing its identity map) reads
    # the rows queued before it.
    if state.session.info.get(DEFERRED_INSERTS) or state.session.info.get(DEFERRED_AFTER):
        write_deferred(state.session)


@event.listens_for(BatchSession, "before_commit")
def _deferred_before_commit(session: Session) -> None:
    write_deferred(session)


@event.listens_for(BatchSession, "after_soft_rollback")
def _deferred_dropped(session: Session, previous: SessionTransaction) -> None:
    # Undone with the transaction they were meant for. (None is queued inside a
    # savepoint, and those queued before one are written when it begins.)
    if not previous.nested:
        session.info.pop(DEFERRED_INSERTS, None)
        session.info.pop(DEFERRED_AFTER, None)


def insert_connection(session: Session) -> Connection:
    """The session's connection for an INSERT into a table that the session's pending
    changes never refer to (outbox rows, event claims): nothing is written first but
    the rows queued with defer_insert() (an outbox row's id follows theirs)."""
    write_deferred(session)
    return Session.connection(session)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit."""
    return sessionmaker(engine, class_=BatchSession, expire_on_commit=False)


#: The planner cost of a random page read above which teampulse's reads suffer: PostgreSQL
#: ships with 4 (spinning disks), where its docs suggest about 1.1 for SSD storage.
RANDOM_PAGE_COST_ADVISED = 1.1
_RANDOM_PAGE_COST_HIGH = 2.0


def planner_advice(engine: Engine) -> str | None:
    """On PostgreSQL with a random_page_cost for spinning disks (the server's default 4),
    a line for the operator saying what to set and why; None otherwise (and on SQLite).

    teampulse's reads (the GM's view, the charts) are many short index lookups over data
    that fits in memory; at 4 the planner scans whole tables instead: the GM's view of a
    year of 1,000 directors took 331 ms against 145 ms at 1.1 (README, "PostgreSQL
    settings"). The server's setting is the operator's: it is only reported, never changed.
    """
    if engine.dialect.name != "postgresql":
        return None
    with engine.connect() as conn:
        value = conn.exec_driver_sql("SHOW random_page_cost").scalar()
    try:
        cost = float(value)
    except (TypeError, ValueError):
        return None
    if cost < _RANDOM_PAGE_COST_HIGH:
        return None
    return (f"PostgreSQL's random_page_cost is {value} (the setting for spinning disks): on "
            f"SSD storage, or with the database in memory, set it to "
            f"{RANDOM_PAGE_COST_ADVISED} (ALTER DATABASE … SET random_page_cost = "
            f"{RANDOM_PAGE_COST_ADVISED}); the GM's /summary ran 2.3x as fast with it on a "
            f"year of 1,000 directors. See the README, \"PostgreSQL settings\".")
