"""Bring a database up to date with the Alembic migrations shipped in this package.

Alembic is imported only when a database is not at HEAD already (a first start, a start
after an upgrade of teampulse) or when asked about revisions: most starts find nothing to
migrate, and loading Alembic and its migration scripts to learn so took half a second of
a restart and some 11 MB it kept for the life of the process. The bot's own start
(`migrating`) runs even a migration that is due in a short-lived child process
(`python -m storage.migrate`), so the long-running process never loads Alembic at all.
"""

from __future__ import annotations

import logging
import os
import secrets
import subprocess
import sys
import tempfile
import threading
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING

from sqlalchemy import Engine, inspect, text

from storage.db import (
    READS_ONLY,
    DatabaseSetupError,
    create_db_engine,
    in_memory_sqlite,
    remove_sqlite_files,
)

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"

log = logging.getLogger(__name__)

#: The newest revision in storage/migrations/versions. A new migration sets it to its own
#: revision (tests/test_migrations.py fails until it does): a database already there is
#: left alone without Alembic.
HEAD = "0025_supportfirst"

#: What the interpreter runs as `migrating`'s child (the tests' kill harness runs
#: itself there, to kill a child part-way).
CHILD = ("-m", "storage.migrate")


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


@contextmanager
def migrating(engine: Engine) -> Iterator[None]:
    """Bring the database up to date around a block that runs meanwhile, such as the
    start's reading of the org file: a due migration runs in a child process
    (`python -m storage.migrate`), started on entry and waited for when the block ends.

    For the bot's start: Alembic and the migration scripts, loaded to migrate once,
    stayed resident for the life of the process (4-9 MB of a first start's 140-150 at
    10,000 people), and the child's own start (most of a second) is on the machine's
    other core while the block works. The child gets the database's URL on a pipe, never
    on its command line (any user of the machine can read it with ps) or in its
    environment, and exits if this process dies (its pipe closes): a migration is one
    transaction, so a child stopped half-way changes nothing. If the block raises, the
    child is stopped (nothing committed) and the error goes on. An in-memory SQLite
    database (nobody else can see it), a child that cannot be started or one that fails
    for any reason fall back to upgrade() here after the block, which migrates or raises
    as it always did.

    A SQLite file that is not there yet (a first start) is created and migrated under
    another name beside it and put in place only once the block is done: a block that
    raises (an org file that cannot be read) leaves no database behind, and the next
    start is a first start again.
    """
    database = _not_there_yet(engine)
    with _migrating_aside(engine, database) if database else _migrating_here(engine):
        yield


@contextmanager
def _migrating_here(engine: Engine) -> Iterator[None]:
    """`migrating` of the database itself."""
    if at_head(engine):
        yield
        return
    url = engine.url.render_as_string(hide_password=False)
    child = None if in_memory_sqlite(url) else _Child.start(url)
    try:
        yield
    except BaseException:
        if child is not None:
            child.stop()
        raise
    code = child.wait() if child is not None else None
    if code == 0:
        engine.dispose()  # (no connection of this process kept from before the migration)
        return
    if code is not None:
        log.debug("migrating in a child process failed (exit %s): migrating here", code)
    upgrade(engine)


#: What a first start's database is called while it is created (`migrating`): the file's
#: name, this, and a random part (two starts at once each have their own).
CREATING = ".creating-"


def _not_there_yet(engine: Engine) -> Path | None:
    """The SQLite file of `engine` if there is none yet (None for PostgreSQL, an
    in-memory database, or a file that is there)."""
    if engine.dialect.name != "sqlite":
        return None
    database = engine.url.database or ""
    url = engine.url.render_as_string(hide_password=False)
    if database.startswith("file:") or in_memory_sqlite(url):
        return None
    path = Path(database)  # (create_db_engine expanded a '~' already)
    return None if path.exists() else path


@contextmanager
def _migrating_aside(engine: Engine, database: Path) -> Iterator[None]:
    """`migrating` of a SQLite file not there yet: the new database is migrated as
    `<database>.creating-…` while the block runs, and becomes `database` once it is done.

    Created under its own name and removed if the block raises: a database the start
    had created in place and then removed would have been open to any other command
    started meanwhile (`migrate`, `summary`), whose work would be lost with it.
    """
    staging = database.with_name(f"{database.name}{CREATING}{secrets.token_hex(4)}")
    aside = create_db_engine(engine.url.set(database=str(staging)).render_as_string(
        hide_password=False))
    try:
        try:
            with _migrating_here(aside):
                yield
        finally:
            aside.dispose()  # the last connection folds its write-ahead log in
        _put_in_place(staging, database)
    finally:
        remove_sqlite_files(staging)
    # A database another command created meanwhile is migrated where it is; the one just
    # put in place is found up to date with one read.
    with _migrating_here(engine):
        pass


def _put_in_place(staging: Path, database: Path) -> None:
    """`staging` as `database`, unless a database is there by now (left alone)."""
    try:
        os.link(staging, database)  # fails, changing nothing, if `database` exists
    except FileExistsError:
        pass
    except OSError:
        # A filesystem without hard links (some network shares): renamed instead.
        if not database.exists():
            staging.rename(database)


class _Child:
    """A running migration child (CHILD), and the file its stderr goes to."""

    def __init__(self, process: subprocess.Popen[bytes], said: IO[bytes]) -> None:
        self.process, self.said = process, said

    @classmethod
    def start(cls, url: str) -> _Child | None:
        """The child started on `url` (None: it could not be)."""
        # Not teampulse's own settings: the URL comes on stdin, and the child needs no token
        # (what libpq reads itself, PGPASSWORD and the like, it does need).
        env = {name: value for name, value in os.environ.items()
               if name != "DATABASE_URL" and not name.startswith(("SLACK_", "TELEGRAM_"))}
        root = Path(__file__).resolve().parent.parent
        if not {"site-packages", "dist-packages"} & set(root.parts):
            # A checkout: the child imports this code, not another copy installed (an
            # installed package is found by the same interpreter anyway, and its folder
            # put ahead of the standard library's could shadow it).
            env["PYTHONPATH"] = os.pathsep.join(
                p for p in (str(root), env.get("PYTHONPATH")) if p)
        # (Closed by wait() or stop(): it outlives this call.)
        said = tempfile.TemporaryFile()  # noqa: SIM115
        try:
            process = subprocess.Popen([sys.executable, *CHILD], env=env,
                                       stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                       stderr=said)
        except OSError:
            said.close()
            return None
        assert process.stdin is not None
        try:
            process.stdin.write(url.encode() + b"\n")
            process.stdin.flush()
        except OSError:
            pass  # (it died at once: wait() tells how)
        return cls(process, said)

    def wait(self) -> int:
        """Its exit code, once it has exited; what it wrote is logged: at WARNING when
        it succeeded (what the migration warned about, as it did in this process before),
        else at DEBUG (the fallback migrates here and reports the real error)."""
        try:
            code = self.process.wait()
        finally:
            self._end()  # (interrupted: the child must not outlive the wait)
        with self.said:
            self.said.seek(0)
            for line in self.said.read().decode(errors="replace").splitlines():
                if line.strip():
                    log.log(logging.WARNING if code == 0 else logging.DEBUG,
                            "migration: %s", line)
        return code

    def stop(self) -> None:
        """Stop it, its transaction rolled back (the block around it raised)."""
        self._end()
        self.said.close()

    def _end(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        assert self.process.stdin is not None
        self.process.stdin.close()


def child_main() -> None:
    """`python -m storage.migrate` (`migrating`'s child): upgrade the database whose
    URL comes first on stdin; exit 0 when done, at once (rolled back) when stdin closes,
    as it does when the parent dies."""
    line = b""
    while not line.endswith(b"\n"):  # (os.read, not sys.stdin: see _exit_at_eof)
        chunk = os.read(0, 4096)
        if not chunk:
            os._exit(3)
        line += chunk
    threading.Thread(target=_exit_at_eof, daemon=True).start()
    code = 1
    try:
        engine = create_db_engine(line.decode().strip())
        try:
            upgrade(engine)
            code = 0
        finally:
            engine.dispose()
    except BaseException:  # (os._exit below would swallow it: the parent logs it)
        traceback.print_exc()
    finally:
        sys.stderr.flush()
        # Not the interpreter's shutdown: the watcher is still blocked in its read.
        os._exit(code)


def _exit_at_eof() -> None:
    """The parent closed its end (it died, or stopped waiting): stop, committing nothing.
    On the raw descriptor: a daemon thread blocked in sys.stdin's buffered read can abort
    the interpreter's shutdown."""
    while os.read(0, 4096):
        pass
    os._exit(4)


def at_head(engine: Engine) -> bool:
    """Whether the database is at HEAD (one revision recorded, HEAD's), read without
    Alembic. (A read: on SQLite it waits for no write lock, see storage.db.READS_ONLY.)"""
    with engine.connect().execution_options(**{READS_ONLY: True}) as connection:
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


if __name__ == "__main__":
    child_main()
