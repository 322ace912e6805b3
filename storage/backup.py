"""Backup and restore of a SQLite database (PostgreSQL has pg_dump and pg_restore).

A backup uses SQLite's online backup API, so it is a consistent copy even while the bot
writes. A restore refuses a file whose schema is newer than this version knows (its
Alembic revision is not among ours), and refuses while a bot runs on the database; it
keeps a copy of the database it replaces (beside it, named with the time), and replaces
the database only once the backup is migrated and that copy made.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from storage.db import DatabaseSetupError, create_private_sqlite, remove_sqlite_files
from storage.instance_lock import InstanceLock, sqlite_path
from storage.migrate import known_revisions

PG_DUMP_HINT = (
    "backups of a PostgreSQL database are made with PostgreSQL's own tools, while the bot "
    "runs: pg_dump --format=custom --file=teampulse.dump DBNAME, and restored with "
    "pg_restore --clean --dbname=DBNAME teampulse.dump (see README: Backup and restore)")


def _read_only(path: Path) -> str:
    # A URI, percent-encoded, so a path with '?' or '#' in it is still the path.
    return path.resolve().as_uri() + "?mode=ro"


@contextlib.contextmanager
def _reading(path: Path, timeout: float = 5.0) -> Iterator[sqlite3.Connection]:
    """A read-only connection to the SQLite file `path` that leaves nothing beside it.

    On a database in WAL mode (the bot's, and every backup before they were made in
    rollback mode) a read-only connection creates the `-wal` and `-shm` it needs and,
    read-only, cannot remove them when it closes: they stayed beside the database after
    every backup and move-db, as if it were still open. If they were not there before,
    a read-write connection is opened and closed after it: SQLite folds its log in and
    removes both, but only if no other connection has the file open (a bot's are its
    own, left to it). Nothing in the database changes.
    """
    wal = path.with_name(path.name + "-wal")
    ours = not wal.exists()
    conn = sqlite3.connect(_read_only(path), uri=True, timeout=timeout)
    try:
        yield conn
    finally:
        conn.close()
        if ours and wal.exists():
            _tidy(path)


def _tidy(path: Path) -> None:
    """Open `path` read-write and close it again: the last connection's close removes the
    `-wal` and `-shm` (a file this user may not write keeps them: harmless, and as before)."""
    with contextlib.suppress(sqlite3.Error):
        conn = sqlite3.connect(path.resolve().as_uri() + "?mode=rw", uri=True, timeout=5)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()  # opens the log
        finally:
            conn.close()


def _sqlite_file(url: str) -> Path:
    path = sqlite_path(url)
    if path is None:
        if url.startswith("sqlite"):
            raise DatabaseSetupError("an in-memory SQLite database has nothing to back up")
        raise DatabaseSetupError(PG_DUMP_HINT)
    return path


def backup(url: str, target: Path) -> Path:
    """Copy the database at `url` into `target` (a new SQLite file); returns the source.

    The copy is written to `<target>.partial` in the same folder and renamed to `target`
    only once complete: a backup killed half-way leaves no file under the target's name
    that would pass for a good backup (the `.partial` one is removed by the next backup
    to that name).
    """
    source = _sqlite_file(url)
    if not source.is_file():
        raise DatabaseSetupError(f"there is no database at {source} to back up")
    if target.exists():
        raise DatabaseSetupError(f"{target} exists already; give a new file name")
    partial = target.with_name(target.name + ".partial")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        held = _hold(partial, target)
    except OSError as exc:
        raise DatabaseSetupError(f"cannot write the backup {target}: {exc.strerror}") from None
    try:
        # What a backup killed earlier left: its file is ours now, emptied; its journal goes.
        os.ftruncate(held, 0)
        for suffix in ("-wal", "-shm", "-journal"):
            with contextlib.suppress(FileNotFoundError):
                partial.with_name(partial.name + suffix).unlink()
        with _reading(source, timeout=30) as src:
            dst = sqlite3.connect(partial)
            try:
                src.backup(dst)  # page by page; writers in between are handled by SQLite
                # The pages say WAL, the bot's mode: a backup is one file, and whoever
                # reads it next (restore, the sqlite3 shell) would leave -wal and -shm.
                dst.execute("PRAGMA journal_mode=DELETE")
            finally:
                dst.close()
        if target.exists():  # another backup to the same name finished meanwhile
            raise DatabaseSetupError(f"{target} exists already; give a new file name")
        partial.rename(target)  # same folder: atomic, whole or not at all
    except (OSError, sqlite3.Error) as exc:
        # A half-written copy is no backup: it goes.
        with contextlib.suppress(OSError):
            remove_sqlite_files(partial)
        if isinstance(exc, sqlite3.DatabaseError) and "file is not a database" in str(exc):
            # SQLITE_NOTADB: the copy is new and empty, so it is the file copied from (the
            # org file named as DATABASE_URL, say), not the backup, as this said.
            raise DatabaseSetupError(
                f"DATABASE_URL: {source} is not a SQLite database (is it the file meant?); "
                "nothing was backed up") from None
        reason = exc.strerror if isinstance(exc, OSError) else str(exc)
        raise DatabaseSetupError(f"cannot write the backup {target}: {reason}") from None
    except DatabaseSetupError:
        with contextlib.suppress(OSError):
            remove_sqlite_files(partial)
        raise
    finally:
        os.close(held)  # (the lock goes with it)
    return source


def _hold(partial: Path, target: Path) -> int:
    """Create `partial` (or take the one a killed backup left) and hold an flock on it for
    the backup: a second backup to the same name meanwhile is refused instead of removing
    this one's copy under it. Returns the file descriptor that holds the lock."""
    while True:
        # Readable by its owner alone: a backup holds every answer, note and name of the
        # org (and SQLite gives its -wal and -shm the file's own mode).
        fd = os.open(partial, os.O_RDWR | os.O_CREAT, 0o600)
        os.fchmod(fd, 0o600)  # (one a killed backup left: made before this version)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise DatabaseSetupError(
                f"another backup to {target} is running; let it finish (or stop it), then "
                "run it again if needed; nothing was changed") from None
        # A backup that just finished renamed the file we opened to the backup's name: only
        # the file under the .partial name now is ours to write.
        try:
            ours = os.stat(partial).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            ours = False
        if ours:
            return fd
        os.close(fd)


def backup_revision(path: Path) -> str | None:
    """The Alembic revision a backup file is at; DatabaseSetupError if it is no backup."""
    if path.is_dir():
        raise DatabaseSetupError(f"{path} is a folder; give the backup file (the one "
                                 "'teampulse backup FILE' wrote)")
    if not path.is_file():
        raise DatabaseSetupError(f"{path}: no such file")
    try:
        with _reading(path) as conn:
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError:
        raise DatabaseSetupError(
            f"{path} is not a teampulse backup (not a SQLite database with a migration "
            "revision)") from None
    return row[0] if row else None


class RestoreCancelled(Exception):
    """The operator answered no: nothing was changed."""


@dataclass(frozen=True)
class Restored:
    """What a restore did: the backup's revision, and where the database as it was before
    is kept (None: there was no database to keep)."""

    revision: str
    kept: Path | None
    #: Messages the backup still had to send that the database it replaced records as sent
    #: (or given up, or dropped as stale) since: marked so, not sent a second time.
    settled: int = 0
    #: Keys of people the replaced database had erased since the backup was made: back in
    #: it, with all erase had removed, to be erased again.
    erased_again: tuple[str, ...] = ()
    #: Messages the replaced database sent (or gave up, or dropped as stale) after the
    #: backup was made, under a dedupe key the backup lacks: their record carried into it,
    #: so that what they belong to (a digest, the honour roll, a round's prompt) is not
    #: sent a second time by the restored bot.
    carried: int = 0


def safety_copy_path(database: Path, now: datetime | None = None) -> Path:
    """Where a restore keeps the database it replaces: beside it, named with the time
    (UTC), `teampulse.before-restore-20261201T003512Z.db`; a new name if that one is taken."""
    stamp = f"{(now or datetime.now(UTC)):%Y%m%dT%H%M%SZ}"
    name = f"{database.stem}.before-restore-{stamp}"
    path = database.with_name(name + database.suffix)
    n = 1
    while path.exists() or path.with_name(path.name + ".partial").exists():
        n += 1
        path = database.with_name(f"{name}-{n}{database.suffix}")
    return path


def safety_copies(database: Path) -> list[Path]:
    """The copies restores kept beside the database (see safety_copy_path), oldest first.
    Never removed by teampulse: each is the only way back from the restore that made it."""
    pattern = f"{database.stem}.before-restore-*{database.suffix}"

    def made(path: Path) -> tuple[str, int]:
        # '…Z-2.db' is the second of one second: after '…Z.db', though '-' sorts before '.'.
        base = path.name.removesuffix(database.suffix)
        numbered = re.fullmatch(r"(.*Z)-(\d+)", base)
        return (numbered[1], int(numbered[2])) if numbered else (base, 1)

    return sorted((p for p in database.parent.glob(pattern) if p.is_file()), key=made)


def restore(url: str, source: Path, *,
            confirm: Callable[[Path, str], bool] | None = None,
            kept: Callable[[Path], None] | None = None) -> Restored:
    """Replace the database at `url` with the backup `source`, brought up to date.

    Once the backup is known good and no bot runs on the database, `confirm(database,
    revision)` is asked (False: RestoreCancelled, nothing changed). The backup is copied
    and migrated beside the database (`<db>.restoring`); then the database as it is is
    kept beside it (safety_copy_path, online backup API; `kept` is told its path at once);
    only then is the backup copied over it, in one transaction: a migration that fails, or
    a restore killed at any moment, leaves the database as it was.
    """
    target = _sqlite_file(url)
    revision = backup_revision(source)
    known = known_revisions()
    if revision is None or revision not in known:
        raise DatabaseSetupError(
            f"{source} is at migration revision {revision!r}, which this version of "
            "teampulse does not know (a newer version made it?); restore it with that "
            "version, nothing was changed")
    lock = InstanceLock(target)
    lock.acquire("teampulse restore")  # refuses while a bot runs on this file
    staging = target.with_name(target.name + ".restoring")
    try:
        if confirm is not None and not confirm(target, revision):
            raise RestoreCancelled
        target.parent.mkdir(parents=True, exist_ok=True)
        _stage(source, staging, target)
        settled, erased, carried = _against_replaced(staging, target) if target.is_file() \
            else (0, (), 0)
        copy = None
        if target.is_file():
            copy = keep_copy(url, target)
            if kept is not None:
                kept(copy)
        _overwrite(staging, target, copy)
    finally:
        remove_sqlite_files(staging)
        lock.release()
    return Restored(revision, copy, settled, erased, carried)


def _stage(source: Path, staging: Path, target: Path) -> None:
    """The backup copied to `staging` and migrated up to date (the database untouched)."""
    remove_sqlite_files(staging)  # what a restore killed earlier left
    create_private_sqlite(staging)  # every answer of the backup: its owner's alone
    with _reading(source) as src:
        dst = sqlite3.connect(staging, timeout=30)
        try:
            src.backup(dst)
        finally:
            dst.close()
    from storage import migrate
    from storage.db import create_db_engine, describe_db_error

    engine = create_db_engine(f"sqlite:///{staging}")
    try:
        migrate.upgrade(engine)
    except Exception as exc:
        raise DatabaseSetupError(
            f"{source} could not be brought up to date ({describe_db_error(exc)}); the "
            f"database at {target} was not changed") from None
    finally:
        engine.dispose()  # the last connection folds its write-ahead log in


#: Outbox statuses of a message done with: sent, given up, or dropped unsent as stale.
_DONE = ("sent", "failed", "expired")
#: What the replaced database recorded of a message done with, copied onto the backup's row.
_SETTLED_COLUMNS = ("status", "sent_at", "external_id", "attempts", "last_error")


def _against_replaced(staging: Path, database: Path) -> tuple[int, tuple[str, ...], int]:
    """The staged backup read beside `database`, the one it replaces: its messages settled
    (_settle_outbox), the people erased since (_erased_since) and the messages sent since
    carried (_carry_sent). A database that cannot be read, often why it is restored,
    settles nothing, names no one and carries nothing."""
    # Opened as a URI, so the ATTACH below reads a URI too (the database read-only).
    conn = sqlite3.connect(staging.resolve().as_uri(), uri=True, timeout=30)
    try:
        conn.execute("ATTACH DATABASE ? AS replaced", (_read_only(database),))
        erased = _erased_since(conn)
        return _settle_outbox(conn), erased, _carry_sent(conn)
    except sqlite3.Error:
        return 0, (), 0
    finally:
        conn.close()


def _settle_outbox(conn: sqlite3.Connection) -> int:
    """Mark the backup's messages still to send that the replaced database records as done
    with as it has them; returns how many.

    A backup made while messages waited (a platform down, a rate-limited round) holds them
    'pending'; once sent they would go out again after the restore (every director asked
    for the week's check-in twice). The same message is the same row in both: its id,
    creation time, platform and address (a database not made from the backup shares none
    of them).
    """
    same = ("FROM replaced.outbox AS r WHERE r.id = outbox.id "
            "AND r.created_at = outbox.created_at AND r.platform = outbox.platform "
            "AND r.address = outbox.address AND r.status IN (?, ?, ?)")
    columns = ", ".join(f"{c} = (SELECT r.{c} {same})" for c in _SETTLED_COLUMNS)
    with conn:
        settled = conn.execute(
            f"UPDATE outbox SET {columns}, sending_at = NULL "
            f"WHERE status IN ('pending', 'sending') AND EXISTS (SELECT 1 {same})",
            _DONE * (len(_SETTLED_COLUMNS) + 1)).rowcount
    return max(settled, 0)


#: The columns of an outbox row _carry_sent copies (not its id: the backup gives one).
_CARRIED_COLUMNS = ("dedupe_key", "platform", "target_kind", "address", "thread_id",
                    "user_ref", "payload", "status", "attempts", "not_before", "created_at",
                    "sent_at", "external_id", "last_error", "priority", "expires_at")


def _carry_sent(conn: sqlite3.Connection) -> int:
    """Copy into the backup the replaced database's record of each message it was done
    with (sent, given up, dropped as stale) under a dedupe key the backup lacks; how many.

    Made after the backup (Monday's digests, the 1st's honour roll after Sunday night's
    backup), such a message is not in it, and the restored bot, finding nothing sent,
    sent it all again. Its record, dedupe key and all, makes the bot's own guard (a
    dedupe key is queued once) hold across the restore. Only between a database and a
    backup made from it (a message the same row in both, as _settle_outbox tells it; a
    backup that never sent anything: a person the same row in both): an unrelated
    database's keys would stop messages it never sent."""
    related = conn.execute(
        "SELECT 1 FROM outbox AS b JOIN replaced.outbox AS r ON r.id = b.id "
        "AND r.created_at = b.created_at AND r.platform = b.platform "
        "AND r.address = b.address LIMIT 1").fetchone() or (
        conn.execute("SELECT 1 FROM outbox LIMIT 1").fetchone() is None and conn.execute(
            "SELECT 1 FROM people AS b JOIN replaced.people AS r ON r.id = b.id "
            "AND r.key = b.key AND r.added_at IS b.added_at LIMIT 1").fetchone())
    if not related:
        return 0
    columns = ", ".join(_CARRIED_COLUMNS)
    with conn:
        carried = conn.execute(
            f"INSERT INTO outbox ({columns}) SELECT {columns} FROM replaced.outbox AS r "
            "WHERE r.dedupe_key IS NOT NULL AND r.status IN (?, ?, ?) AND NOT EXISTS "
            "(SELECT 1 FROM outbox AS b WHERE b.dedupe_key = r.dedupe_key) ORDER BY r.id",
            _DONE).rowcount
    return max(carried, 0)


def _erased_since(conn: sqlite3.Connection) -> tuple[str, ...]:
    """The keys, in the backup, of people the replaced database had erased since it was
    made (their row there is `former-<id>`; storage.personal_data): the restore brings
    all of it back, and the operator must erase them again. The same person is the same
    row in both: its id and when the org sync first found them."""
    return tuple(row[0] for row in conn.execute(
        "SELECT b.key FROM people AS b JOIN replaced.people AS r ON r.id = b.id "
        "WHERE r.key = 'former-' || r.id AND b.key != r.key AND r.added_at IS b.added_at "
        "ORDER BY b.key"))


def keep_copy(url: str, database: Path) -> Path:
    """A copy of the database as it is, beside it (see safety_copy_path)."""
    copy = safety_copy_path(database)
    try:
        backup(url, copy)
    except DatabaseSetupError as exc:
        raise DatabaseSetupError(
            f"cannot keep a copy of the database before restoring ({exc}); the database at "
            f"{database} was not changed") from None
    return copy


def _overwrite(staging: Path, target: Path, copy: Path | None) -> None:
    """The staged backup over the database, in one SQLite transaction."""
    # SQLite's backup API again, not a rename: it writes the target in one transaction
    # under SQLite's own locks, safe beside anyone reading it (a rename would leave
    # them, and the target's write-ahead log, on the old file).
    try:
        create_private_sqlite(target)  # a restore to a new place: made private, as the bot does
        src = sqlite3.connect(staging)
        dst = sqlite3.connect(target, timeout=30)
        try:
            src.backup(dst)  # replaces every page of the target, in one go
        finally:
            dst.close()
            src.close()
    except sqlite3.Error as exc:
        before = f" (a copy of it as it was: {copy})" if copy is not None else ""
        raise DatabaseSetupError(
            f"cannot write the backup over the database at {target}: {exc}; it was not "
            f"changed{before}") from None
