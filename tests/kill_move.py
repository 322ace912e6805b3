"""`teampulse move-db`, SIGKILLed by itself at one precise moment of the move.

    python -m tests.kill_move MOMENT [teampulse arguments...]

runs the CLI (`bot.cli.main`, as `python -m bot` does) with a hook in storage/move.py
that sends the process SIGKILL when the move reaches MOMENT, so a test kills it at the
worst moment without timing anything. MOMENT is one of:

  snapshot          the source's copy (`<db>.moving`) is made; the target not yet touched
  creating          the target's tables are created: at the COMMIT that creates them,
                    before it is sent
  created           the target's tables are created and committed; no row copied yet
  batch:TABLE:N     about to write the Nth batch of TABLE (N-1 batches written, uncommitted)
  after:TABLE       every row of TABLE written, the next table not begun (uncommitted)
  commit            every row written (PostgreSQL: sequences moved): at the target's COMMIT,
                    before it is sent
  committed         the target's COMMIT done; before the snapshot is removed and the report
  none              no kill (the rerun an operator makes afterwards)

and one that holds rather than kills, for a test to act at that moment:

  hold:snapshot     the snapshot is made: writes HELD on stderr, then goes on once a line
                    comes on stdin (an event between processes, not a timing)
  hold:created      the same once the target's tables are created (every lock of the move
                    taken, PostgreSQL's too), before any row is copied
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Any

from sqlalchemy import Connection, Engine, event
from sqlalchemy.engine import make_url

import storage.move as move
from bot.cli import main


def die() -> None:
    """SIGKILL this process: no handler, no cleanup, no flush."""
    os.kill(os.getpid(), signal.SIGKILL)


#: What a held move writes on stderr when it holds (see hold:snapshot).
HELD = "kill_move: held"


def hold() -> None:
    """Say so on stderr, then wait for a line on stdin."""
    print(HELD, file=sys.stderr, flush=True)
    sys.stdin.readline()


def install(moment: str, target_url: str) -> None:
    """Patch storage.move so the process dies (or holds) at `moment`."""
    kind, _, arg = moment.partition(":")
    if moment == "hold:snapshot":
        real_backup = move.backup

        def held_backup(url: str, copy: Any) -> Any:
            real_backup(url, copy)
            hold()

        move.backup = held_backup
    elif moment == "hold:created":
        real_held_upgrade = move.upgrade

        def held_upgrade(engine: Engine) -> None:
            real_held_upgrade(engine)
            hold()

        move.upgrade = held_upgrade
    elif kind == "snapshot":
        real_backup = move.backup

        def backup(url: str, copy: Any) -> Any:
            real_backup(url, copy)
            die()

        move.backup = backup
    elif kind == "created":
        real_upgrade = move.upgrade

        def upgrade(engine: Engine) -> None:
            real_upgrade(engine)
            die()

        move.upgrade = upgrade
    elif kind == "batch":
        table, n = arg.rsplit(":", 1)
        real_insert = move._insert_batch
        seen = 0

        def insert_batch(dst: Connection, statement: Any, rows: Any) -> None:
            nonlocal seen
            if statement.table.name == table:
                seen += 1
                if seen == int(n):
                    die()
            real_insert(dst, statement, rows)

        move._insert_batch = insert_batch
    elif kind == "creating":
        database = make_url(target_url).database

        @event.listens_for(Engine, "commit")
        def before_first_commit(conn: Connection) -> None:
            # The only COMMIT to the target before the copy's is the migrations'.
            if conn.engine.url.database == database:
                die()
    elif kind in ("after", "commit"):
        real_copy_table = move._copy_table
        last = move.tables()[-1].name
        done = False

        def copy_table(src: Connection, dst: Connection, table: Any, batch_rows: int) -> int:
            nonlocal done
            copied = real_copy_table(src, dst, table, batch_rows)
            if table.name == arg:
                die()
            done = table.name == last
            return copied

        move._copy_table = copy_table
        database = make_url(target_url).database

        @event.listens_for(Engine, "commit")
        def before_commit(conn: Connection) -> None:
            # The source's snapshot commits its read first; the target's COMMIT is ours.
            if done and conn.engine.url.database == database:
                die()
    elif kind == "committed":
        real_copy = move._copy

        def copy(*args: Any) -> Any:
            real_copy(*args)
            die()

        move._copy = copy
    elif kind != "none":
        raise SystemExit(f"unknown moment {moment!r}")


if __name__ == "__main__":
    argv = sys.argv[2:]
    install(sys.argv[1], argv[-1])
    raise SystemExit(main(argv))
