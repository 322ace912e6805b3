"""`teampulse restore`, SIGKILLed by itself at one precise moment of the restore.

    python -m tests.kill_restore MOMENT [teampulse arguments...]

runs the CLI (`bot.cli.main`, as `python -m bot` does) with a hook in storage/backup.py
that sends the process SIGKILL when the restore reaches MOMENT (see tests/kill_move.py for
the same about move-db). MOMENT is one of:

  staged      the backup is copied beside the database and migrated; nothing else done
  kept        the copy of the database as it was is made (and its path printed); the
              database not yet written
  overwrite   half-way through writing the backup over the database (SQLite's online
              backup, page by page, inside its one transaction)
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path
from typing import Any

import storage.backup as backup
from bot.cli import main
from tests.kill_move import die


class _HalfWay:
    """A connection whose `backup` copies a few pages at a time and dies half-way."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def backup(self, target: sqlite3.Connection, **_: object) -> None:
        def progress(_status: int, remaining: int, total: int) -> None:
            if remaining < total // 2:
                die()

        self.conn.backup(target, pages=5, progress=progress)

    def close(self) -> None:
        self.conn.close()


def install(moment: str) -> None:
    """Patch storage.backup so the process dies at `moment`."""
    if moment == "staged":
        real_stage = backup._stage

        def stage(*args: Any) -> None:
            real_stage(*args)
            die()

        backup._stage = stage
    elif moment == "kept":
        def overwrite(*_args: Any) -> None:
            sys.stdout.flush()  # the copy's path, printed once it was made
            die()

        backup._overwrite = overwrite
    elif moment == "overwrite":
        real_overwrite = backup._overwrite
        real_connect = sqlite3.connect

        def overwrite(staging: Path, target: Path, copy: Path | None) -> None:
            def connect(database: Any, *args: Any, **kwargs: Any) -> Any:
                conn = real_connect(database, *args, **kwargs)
                # The staged backup is the source of the copy: it is the one slowed down.
                return _HalfWay(conn) if Path(database) == staging else conn

            backup.sqlite3.connect = connect  # type: ignore[assignment]
            real_overwrite(staging, target, copy)

        backup._overwrite = overwrite
    else:
        raise SystemExit(f"unknown moment {moment!r}")


if __name__ == "__main__":
    install(sys.argv[1])
    raise SystemExit(main(sys.argv[2:]))
