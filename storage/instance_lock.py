"""One `teampulse run` per SQLite file: a lock file with the holder's pid beside the database.

SQLite takes one writer at a time; two bots on one file would each run the scheduler and
the outbox and trip over each other ("database is locked", prompts sent twice). The lock
is an `fcntl.flock` on `<database>.lock`, so the operating system releases it when the
process ends, however it ends (even SIGKILL); the pid written into the file only names the
holder in the refusal. Read-only CLI commands (`summary`, `kudos`, `backup`) do not take it
and work beside a running bot. `move-db` takes a lock of its own the same way (MoveLock)
on the file it reads, and the bot's lock on a SQLite file it fills (MoveTargetLock).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path

from storage.db import (
    DatabaseSetupError,
    check_database_url,
    make_sqlite_folder,
    sqlite_file,
    sqlite_write_problem,
)


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL, or None (PostgreSQL, or an in-memory database)."""
    parsed = check_database_url(url)  # a URL that cannot work is refused in one line
    if parsed.get_backend_name() != "sqlite":
        return None
    database = parsed.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return sqlite_file(database)


class InstanceLock:
    """Held while a bot runs on a SQLite file; `acquire` refuses when another holds it."""

    #: Beside the database: `<database><suffix>`.
    suffix = ".lock"
    #: The setting that names the database, for a folder that cannot be made.
    setting = "DATABASE_URL"

    def __init__(self, database: Path) -> None:
        self.database = database
        self.path = database.with_name(database.name + self.suffix)
        self._fd: int | None = None

    def refusal(self, holder: str) -> str:
        """What `acquire` says when another process holds the lock."""
        return (f"another teampulse process ({holder}) is using {self.database}; SQLite runs "
                "one bot at a time: stop that one first, or use PostgreSQL to run several "
                "(see README: Several replicas)")

    def acquire(self, what: str = "teampulse") -> None:
        """Take the lock, or raise DatabaseSetupError naming the process that has it."""
        make_sqlite_folder(self.database, self.setting)
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            # A read-only data folder (or disk): one line naming it, not a traceback.
            raise DatabaseSetupError(sqlite_write_problem(self.database, self.setting) or (
                f"{self.setting}: cannot write {self.path}, the lock file beside the SQLite "
                f"database {self.database} ({exc.strerror or type(exc).__name__}); make its "
                "folder writable for the user teampulse runs as, or give a path teampulse "
                "may write to")) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read(fd)
            os.close(fd)
            raise DatabaseSetupError(self.refusal(holder or "pid unknown")) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}, {what}\n".encode(), 0)
        self._fd = fd

    def holder(self) -> str | None:
        """Who holds the lock now ('pid 123, teampulse run'), or None if nobody does."""
        if not self.path.exists():
            return None
        fd = os.open(self.path, os.O_RDONLY)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                return _read(fd) or "pid unknown"
            fcntl.flock(fd, fcntl.LOCK_UN)
            return None
        finally:
            os.close(fd)

    def release(self) -> None:
        """Let go (the file stays; an empty one means nobody holds it)."""
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            os.ftruncate(self._fd, 0)
        os.close(self._fd)  # closing drops the flock
        self._fd = None

    def __enter__(self) -> InstanceLock:
        self.acquire()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.release()


class MoveLock(InstanceLock):
    """Held while `teampulse move-db` moves a SQLite file (`<database>.move-db.lock`): the
    move's snapshot beside the database (`<database>.moving`) has one name, so a second
    move from the same file would delete the first's snapshot under it. The second is
    refused instead; a killed move's lock goes with its process, as the bot's does."""

    suffix = ".move-db.lock"

    def refusal(self, holder: str) -> str:
        """One line: who is moving, and what to do."""
        return another_move("from", str(self.database), holder)


class MoveTargetLock(InstanceLock):
    """Held while `teampulse move-db` fills a SQLite file: the bot's own lock on it
    (`<database>.lock`), so a bot running on the file refuses the move, a bot started on it
    meanwhile is refused, and so is a second move into it (each would find the file empty
    and fill it; the first then failed on the second's rows)."""

    setting = "TARGET_URL"

    def refusal(self, holder: str) -> str:
        """One line: the move or the bot that has the file, and what to do."""
        if "move-db" in holder:
            return another_move("into", str(self.database), holder)
        return (f"a bot is running on the target database {self.database} ({holder}); "
                "move-db only fills a database no bot uses: stop that bot, and if the file "
                "holds nothing you need, delete it (with any -wal and -shm file beside it) "
                "and run move-db again; nothing was changed")


def another_move(direction: str, where: str, holder: str) -> str:
    """A second move-db refused: from or into which database, whose move holds it."""
    return (f"another move-db {direction} {where} is running ({holder}); let it finish "
            "(or stop it), then run move-db again if needed; nothing was changed")


def _read(fd: int) -> str:
    with contextlib.suppress(OSError):
        return os.pread(fd, 200, 0).decode(errors="replace").strip()
    return ""


def lock_for(url: str) -> InstanceLock | None:
    """The instance lock of a database URL (None where none is needed: PostgreSQL)."""
    path = sqlite_path(url)
    return InstanceLock(path) if path is not None else None
