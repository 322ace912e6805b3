"""The operator's SQLite file as DATABASE_URL names it: one file for every command (a path
from `~` too), and a folder or file this user may not write named in one line, exit code 2,
nothing changed.

The permissions are real (chmod); run as root, the command meets them as any other user
would (tests/plain_user.py).
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import SERVER_URL
from tests.plain_user import as_a_plain_user, skip_unless_permissions_apply

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(bool(SERVER_URL), reason="SQLite's own files")

def teampulse(cwd: Path, *args: str, stdin: str = "",
              **settings: str) -> subprocess.CompletedProcess[str]:
    """The real command, DATABASE_URL=sqlite:///data/teampulse.db (the default) in `cwd`
    unless `settings` say otherwise."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SLACK_", "TELEGRAM_", "TEAMPULSE_", "DATABASE_"))}
    env.update(DATABASE_URL="sqlite:///data/teampulse.db", PYTHONPATH=str(ROOT),
               TEAMPULSE_ORG_FILE=str(ROOT / "org.example.yaml"))
    env.update(settings)
    return subprocess.run([sys.executable, "-m", "bot", "--env-file", "/dev/null", *args],
                          input=stdin, capture_output=True, text=True, env=env, cwd=cwd,
                          timeout=120, preexec_fn=as_a_plain_user)


@pytest.fixture
def data(tmp_path: Path) -> Iterator[Path]:
    """./data, to be made read-only by the test; writable again afterwards for clean-up."""
    folder = tmp_path / "data"
    folder.mkdir()
    skip_unless_permissions_apply(folder)
    ran = teampulse(tmp_path, "run", stdin="")  # the database, as a first start leaves it
    assert ran.returncode == 0, ran.stderr
    yield folder
    folder.chmod(0o755)
    for file in folder.iterdir():
        file.chmod(0o644)


def _digest(folder: Path) -> dict[str, str]:
    return {f.name: hashlib.sha256(f.read_bytes()).hexdigest() for f in folder.iterdir()}


def assert_one_line_and_exit_2(done: subprocess.CompletedProcess[str], line: str) -> None:
    assert done.returncode == 2, done.stderr
    assert done.stderr == line + "\n", done.stderr  # one line, no traceback


FOLDER_LINE = ("teampulse: DATABASE_URL: cannot write in data, the folder of the SQLite "
               "database data/teampulse.db (no permission, or a read-only disk; SQLite writes "
               "its journal beside the database, and teampulse run its lock file); make it "
               "writable for the user teampulse runs as, or give a path teampulse may write to")


def test_run_in_a_read_only_data_folder_on_first_start_says_so_in_one_line(tmp_path: Path,
                                                                            data: Path) -> None:
    """First start, nothing in ./data yet (an empty volume mounted read-only, or owned by
    another user): `run` ended in a PermissionError traceback and exit code 1 while making
    its lock file; `migrate` and `summary` said only 'unable to open database file'."""
    for file in data.iterdir():
        file.unlink()
    data.chmod(0o555)
    for command in (("run",), ("migrate",), ("summary",)):
        assert_one_line_and_exit_2(teampulse(tmp_path, *command, stdin="/quit\n"),
                                   FOLDER_LINE)
    assert list(data.iterdir()) == []


def test_every_command_on_a_database_in_a_read_only_folder_names_the_folder(
        tmp_path: Path, data: Path) -> None:
    """The database is there (the bot ran before), the folder turned read-only since: SQLite
    cannot write its journal beside it. `run` crashed on its lock file (or, the lock file
    left by an earlier run, said 'attempt to write a readonly database'); `summary` said
    that too. Each now names the folder, and the database is untouched."""
    (data / "teampulse.db.lock").unlink()
    data.chmod(0o555)
    before = _digest(data)
    for command in (("run",), ("summary",), ("kudos",)):
        assert_one_line_and_exit_2(teampulse(tmp_path, *command, stdin="/quit\n"),
                                   FOLDER_LINE)
    data.chmod(0o755)
    (data / "teampulse.db.lock").touch()  # as an earlier run leaves it
    data.chmod(0o555)
    assert_one_line_and_exit_2(teampulse(tmp_path, "run", stdin="/quit\n"), FOLDER_LINE)
    assert _digest(data) == {**before, "teampulse.db.lock": _digest(data)["teampulse.db.lock"]}


def test_a_read_only_database_file_is_named_as_the_file(tmp_path: Path, data: Path) -> None:
    """The folder writable, the file not (copied in with the wrong owner, say): `run`
    said 'cannot use the database at sqlite:///data/teampulse.db: OperationalError: attempt
    to write a readonly database', which does not say it is the file's permissions."""
    database = data / "teampulse.db"
    database.chmod(0o444)
    before = database.read_bytes()
    assert_one_line_and_exit_2(
        teampulse(tmp_path, "run", stdin="/quit\n"),
        "teampulse: DATABASE_URL: cannot write the SQLite database data/teampulse.db (the "
        "file is read-only for this user, or on a read-only disk); make it writable for the "
        "user teampulse runs as, or give a path teampulse may write to")
    assert database.read_bytes() == before


def test_a_database_url_from_the_home_folder_is_one_file_for_every_command(
        tmp_path: Path) -> None:
    """DATABASE_URL=sqlite:///~/teampulse/tp.db: the lock file (and backup, move-db) read
    '~' as the home folder, SQLite as a folder named '~' in the working directory. So
    `migrate` and `run` said 'unable to open database file' after leaving a lock file in
    the home folder. Now every command uses ~/teampulse/tp.db."""
    home, work = tmp_path / "home", tmp_path / "work"
    home.mkdir()
    work.mkdir()
    where = {"DATABASE_URL": "sqlite:///~/teampulse/tp.db", "HOME": str(home)}
    migrated = teampulse(work, "migrate", **where)
    assert migrated.returncode == 0, migrated.stderr
    ran = teampulse(work, "run", stdin="/fire checkin\n/quit\n", **where)
    assert ran.returncode == 0, ran.stderr
    assert not (work / "~").exists()
    assert (home / "teampulse" / "tp.db.lock").is_file()
    backed = teampulse(work, "backup", "copy.db", **where)
    assert backed.returncode == 0, backed.stderr
    assert f"backed up {home / 'teampulse' / 'tp.db'} to copy.db" in backed.stdout
    # The round the console sent is in the file the backup copied: one database.
    with sqlite3.connect(work / "copy.db") as copy:
        assert copy.execute("SELECT count(*) FROM checkin_rounds").fetchone()[0] > 0


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
def test_run_on_a_database_in_memory_is_refused_in_one_line(url: str, tmp_path: Path) -> None:
    """DATABASE_URL=sqlite:// (SQLAlchemy's in-memory SQLite): `run` greeted the console,
    then stopped on 'no such table: round_requests' (each connection had an empty database
    of its own). Now one line saying what to give instead, before anything starts."""
    done = teampulse(tmp_path, "run", stdin="/quit\n", DATABASE_URL=url)
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    assert done.stderr == (
        f"teampulse: DATABASE_URL {url} is a SQLite database in memory, which the bot cannot "
        "run on (each of its connections would have its own, and everything is lost when it "
        "stops): give a file, such as sqlite:///data/teampulse.db (nothing was run)\n")
