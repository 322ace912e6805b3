"""What the operator's commands leave beside a SQLite database they only read: nothing.

`teampulse backup` (and `move-db`, which copies the database the same way) read the
database through a read-only connection. On a database in WAL mode (the bot's) such a
connection creates the `-wal` and `-shm` files it needs and, being read-only, cannot
remove them when it closes: `tp.db-wal` (empty) and `tp.db-shm` stayed beside the
database after every backup and move, and beside a backup file after a restore read it,
as if something still had the database open or part of it were only in the log. The
backup file itself was in WAL mode (the bot's database's, copied with its pages), so
whoever read it next made them too.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from bot.cli import main
from storage.db import create_db_engine
from storage.migrate import upgrade
from tests.conftest import SERVER_URL
from tests.test_operations import teampulse

pytestmark = pytest.mark.skipif(bool(SERVER_URL), reason="SQLite's own files")


def left(folder: Path) -> list[str]:
    """The files in `folder`, lock files aside (flock files, kept on purpose)."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file() and
                  not p.name.endswith(".lock"))


def journal_mode(database: Path) -> str:
    """'wal' or 'delete', read from the file's header (opening it would make -wal, -shm)."""
    with database.open("rb") as file:
        header = file.read(20)
    return {1: "delete", 2: "wal"}[header[18]]


def test_backup_restore_and_move_db_leave_no_wal_or_shm_beside_any_file(
        tmp_path: Path) -> None:
    ran = teampulse(tmp_path, "run")  # the bot's database (WAL), as a clean stop leaves it
    assert ran.returncode == 0, ran.stderr
    assert left(tmp_path) == ["tp.db"]

    backed = teampulse(tmp_path, "backup", "saved.db")
    assert backed.returncode == 0, backed.stderr
    assert left(tmp_path) == ["saved.db", "tp.db"]
    # One file, whoever reads it next (not in WAL mode, which reading makes -wal/-shm for).
    assert journal_mode(tmp_path / "saved.db") == "delete"

    moved = teampulse(tmp_path, "move-db", f"sqlite:///{tmp_path / 'new' / 'tp.db'}")
    assert moved.returncode == 0, moved.stderr
    assert left(tmp_path) == ["new/tp.db", "saved.db", "tp.db"]

    restored = teampulse(tmp_path, "restore", "saved.db", "--yes")
    assert restored.returncode == 0, restored.stderr
    kept = [name for name in left(tmp_path) if ".before-restore-" in name]
    assert len(kept) == 1
    assert left(tmp_path) == sorted(["new/tp.db", "saved.db", "tp.db", *kept])
    assert journal_mode(tmp_path / kept[0]) == "delete"
    assert journal_mode(tmp_path / "tp.db") == "wal"  # the bot's database stays the bot's


def test_a_backup_made_by_an_earlier_version_is_restored_leaving_nothing_beside_it(
        tmp_path: Path) -> None:
    """A backup in WAL mode (every backup before this fix): restore reads it read-only."""
    assert teampulse(tmp_path, "run").returncode == 0
    old = tmp_path / "backups" / "old.db"
    old.parent.mkdir()
    shutil.copyfile(tmp_path / "tp.db", old)
    assert journal_mode(old) == "wal"
    restored = teampulse(tmp_path, "restore", str(old), "--yes")
    assert restored.returncode == 0, restored.stderr
    assert left(old.parent) == ["old.db"]


def test_a_backup_while_the_bot_runs_leaves_the_bot_s_write_ahead_log_to_it(
        tmp_path: Path) -> None:
    """Another connection open on the database (the bot's): its -wal and -shm are its own
    and stay, and what it wrote but had not checkpointed is in the backup."""
    assert teampulse(tmp_path, "migrate").returncode == 0
    with closing(sqlite3.connect(tmp_path / "tp.db")) as bot:
        bot.execute("PRAGMA wal_autocheckpoint=0")  # what it writes stays in the log
        bot.execute("CREATE TABLE written_meanwhile (x)")
        bot.execute("INSERT INTO written_meanwhile VALUES (1)")
        bot.commit()
        assert (tmp_path / "tp.db-wal").stat().st_size > 0
        backed = teampulse(tmp_path, "backup", "saved.db")
        assert backed.returncode == 0, backed.stderr
        assert {"tp.db-wal", "tp.db-shm"} <= set(left(tmp_path))
        assert bot.execute("SELECT x FROM written_meanwhile").fetchall() == [(1,)]
    with closing(sqlite3.connect(tmp_path / "saved.db")) as saved:
        assert saved.execute("SELECT x FROM written_meanwhile").fetchall() == [(1,)]


def test_migrate_closes_its_connections_before_it_returns(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    """`teampulse migrate` left its engine to the garbage collector: until it ran (in a
    process, at exit; in a program calling bot.cli.main, whenever), the database's -wal
    and -shm stayed, and with them a connection holding the file open."""
    db = tmp_path / "tp.db"
    engine = create_db_engine(f"sqlite:///{db}")
    upgrade(engine, "0018_kudoslabel")  # one migration still to run
    engine.dispose()
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{db}")
    assert main(["--env-file", os.devnull, "migrate"]) == 0
    assert left(tmp_path) == ["tp.db"]
