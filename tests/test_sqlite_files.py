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
from contextlib import closing
from pathlib import Path

import pytest

from storage.migrate import HEAD
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
    # A run that ends while another connection is still open (the suite on a loaded
    # machine) may leave its -wal and -shm behind; with them there SQLite reads and writes
    # the database in a read-only folder, and the tests below mean the folder as a clean
    # stop leaves it: the last connection's close folds them in and removes them.
    with closing(sqlite3.connect(folder / "teampulse.db")) as db:
        db.execute("SELECT count(*) FROM sqlite_master").fetchall()
    assert sorted(f.name for f in folder.iterdir()) == ["teampulse.db", "teampulse.db.lock"]
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


# --- a first start with an org file that cannot be read --------------------------------------

EXAMPLE = (ROOT / "org.example.yaml").read_text(encoding="utf-8")
NAMED = "org:\n  name: Northwind Sales\n"
#: The example org file broken three ways, and the lines `teampulse` says about each.
BROKEN = {
    "not YAML": (EXAMPLE.replace(NAMED, "org:\n  name: Northwind: Sales\n", 1),
                 "  - org.yaml:19: column 18: not valid YAML (mapping values are not allowed "
                 "in this context)"),
    "unknown field": (EXAMPLE.replace(NAMED, NAMED + "  frobnicate: 1\n", 1),
                      "  - org.yaml:20: org: frobnicate: unknown field (check the spelling; the "
                      "fields here: name, summary_viewers, admins, timezone, locale, kudos)"),
    "repeated key": (EXAMPLE.replace(NAMED, NAMED + "  name: Southwind\n", 1),
                     "  - line 20: key 'name' is repeated in the same entry (first on line 19); "
                     "YAML would silently keep only the last one"),
}


def broken_org(folder: Path, how: str) -> dict[str, str]:
    """./org.yaml broken `how`; the settings that name it."""
    (folder / "org.yaml").write_text(BROKEN[how][0], encoding="utf-8")
    return {"TEAMPULSE_ORG_FILE": "org.yaml"}


def assert_refused(done: subprocess.CompletedProcess[str], how: str) -> None:
    """Exit code 2, and the problem named in the file, its line and nothing else."""
    assert done.returncode == 2, done.stderr
    assert done.stderr == ("teampulse: org.yaml: 1 problem in the org file:\n"
                           f"{BROKEN[how][1]}\n"), done.stderr


def left_in(data: Path) -> list[str]:
    """What is in ./data besides the instance lock (which must be free: empty)."""
    lock = data / "teampulse.db.lock"
    assert not lock.exists() or lock.read_text() == ""
    return sorted(f.name for f in data.iterdir() if f != lock)


@pytest.mark.parametrize("how", BROKEN)
def test_a_first_start_with_a_broken_org_file_names_the_problem_and_leaves_no_database(
        tmp_path: Path, how: str) -> None:
    """A fresh machine, and the org file has a typo: `run` said what is wrong with it, but
    left an empty data/teampulse.db behind (made while the file was being read), which
    the next start and commands then took for a database. Now nothing is left but the
    free lock file."""
    done = teampulse(tmp_path, "run", stdin="/quit\n", **broken_org(tmp_path, how))
    assert_refused(done, how)
    assert done.stdout == ""
    assert left_in(tmp_path / "data") == []


@pytest.mark.parametrize("command", [("summary",), ("kudos",), ("digest", "--dry-run"),
                                     ("import-actuals", "--list")])
def test_a_command_with_a_broken_org_file_on_a_fresh_machine_leaves_no_database(
        tmp_path: Path, command: tuple[str, ...]) -> None:
    """The commands that read the org file before they read the database (as `run` does)
    are refused the same way, and leave no database either."""
    done = teampulse(tmp_path, *command, **broken_org(tmp_path, "unknown field"))
    assert_refused(done, "unknown field")
    assert left_in(tmp_path / "data") == []


def test_a_broken_org_file_leaves_a_database_that_was_there_untouched(tmp_path: Path) -> None:
    """The bot has run (a check-in round stored), then the org file is edited wrongly: each
    start and command is refused with the problem, and the database is as it was, byte for
    byte (no file removed, none added)."""
    ran = teampulse(tmp_path, "run", stdin="/fire checkin\n/quit\n")
    assert ran.returncode == 0, ran.stderr
    data = tmp_path / "data"
    before = _digest(data)
    with closing(sqlite3.connect(data / "teampulse.db")) as db:
        assert db.execute("SELECT count(*) FROM checkin_rounds").fetchone()[0] > 0
    for how in BROKEN:
        for command in (("run",), ("summary",)):
            assert_refused(teampulse(tmp_path, *command, stdin="/quit\n",
                                     **broken_org(tmp_path, how)), how)
            assert _digest(data) == before


def test_an_empty_database_file_that_was_there_is_not_removed(tmp_path: Path) -> None:
    """A database file there before the start is never removed, even one holding nothing
    (an earlier version's failed first start left it so, or the operator created it)."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "teampulse.db").touch()
    assert_refused(teampulse(tmp_path, "run", stdin="/quit\n",
                             **broken_org(tmp_path, "unknown field")), "unknown field")
    assert left_in(data) == ["teampulse.db"]


CRM_OWNER = '\ncrm:\n  owners: {"z.old@northwind.example": zed}\n'


def test_after_a_first_start_refused_the_fixed_org_file_starts_as_on_a_fresh_machine(
        tmp_path: Path) -> None:
    """The operator fixes the file the first start refused: `check-org` reads it as on a
    fresh machine (it said the database 'could not be read (OperationalError)', the
    empty file the failed start had left), and `run` starts, creating the database with
    the org's people."""
    org = tmp_path / "org.yaml"
    settings = broken_org(tmp_path, "unknown field")
    org.write_text(org.read_text(encoding="utf-8") + CRM_OWNER, encoding="utf-8")
    assert teampulse(tmp_path, "run", stdin="/quit\n", **settings).returncode == 2
    org.write_text(EXAMPLE + CRM_OWNER, encoding="utf-8")

    fresh = tmp_path / "fresh"
    fresh.mkdir()
    (fresh / "org.yaml").write_text(EXAMPLE + CRM_OWNER, encoding="utf-8")
    checked, on_a_fresh_machine = (teampulse(where, "check-org", **settings)
                                   for where in (tmp_path, fresh))
    assert checked.returncode == on_a_fresh_machine.returncode == 0
    assert (checked.stdout, checked.stderr) == (on_a_fresh_machine.stdout,
                                                on_a_fresh_machine.stderr)
    assert "(there is no database yet)" in checked.stdout

    ran = teampulse(tmp_path, "run", stdin="/quit\n", **settings)
    assert ran.returncode == 0, ran.stderr
    assert "You are Grace Chen (grace)" in ran.stdout
    assert left_in(tmp_path / "data") == ["teampulse.db"]
    with closing(sqlite3.connect(tmp_path / "data" / "teampulse.db")) as db:
        assert db.execute("SELECT version_num FROM alembic_version").fetchall() == [
            (HEAD,)]
        assert db.execute("SELECT count(*) FROM people").fetchone()[0] == 7


def test_a_database_url_naming_a_folder_says_it_is_a_folder(tmp_path: Path) -> None:
    """DATABASE_URL=sqlite:///data, the data folder itself: every command said 'cannot use
    the database at sqlite:///data: OperationalError: unable to open database file', which
    says neither that it is a folder nor what to write instead."""
    (tmp_path / "data").mkdir()
    for command in (("run",), ("summary",), ("migrate",)):
        assert_one_line_and_exit_2(
            teampulse(tmp_path, *command, stdin="/quit\n", DATABASE_URL="sqlite:///data"),
            "teampulse: DATABASE_URL: data is a folder, not a SQLite database file; name a "
            "file in it, such as sqlite:///data/teampulse.db")
    assert list((tmp_path / "data").iterdir()) == []


def test_run_on_a_database_it_cannot_write_says_so_before_the_console_greets(
        tmp_path: Path, data: Path) -> None:
    """`make run` on a database this user may only read (the file, or its folder with the
    lock file an earlier run left): the console greeted the operator, listed its commands,
    and only then stopped with the line saying why, as if the chat had broken. Now the line
    alone, before anything starts."""
    database = data / "teampulse.db"
    database.chmod(0o444)
    done = teampulse(tmp_path, "run", stdin="/quit\n")
    assert_one_line_and_exit_2(
        done, "teampulse: DATABASE_URL: cannot write the SQLite database data/teampulse.db "
        "(the file is read-only for this user, or on a read-only disk); make it writable for "
        "the user teampulse runs as, or give a path teampulse may write to")
    assert done.stdout == ""
    database.chmod(0o644)
    data.chmod(0o555)
    before = _digest(data)
    done = teampulse(tmp_path, "run", stdin="/quit\n")
    assert_one_line_and_exit_2(done, FOLDER_LINE)
    assert done.stdout == ""
    assert _digest(data) == before


def test_a_database_another_program_holds_a_write_on_says_so(tmp_path: Path) -> None:
    """A sqlite3 shell (or a database browser) left in a write transaction on the bot's file:
    `run`, `migrate` and `summary` each said 'cannot use the database at sqlite:///data/
    teampulse.db: OperationalError: database is locked', which names neither the file nor
    what holds it; and no teampulse process does (a second bot is refused before this)."""
    assert teampulse(tmp_path, "migrate").returncode == 0
    database = tmp_path / "data" / "teampulse.db"
    before = _digest(database.parent)
    with closing(sqlite3.connect(database, isolation_level=None)) as shell:
        shell.execute("BEGIN EXCLUSIVE")
        for command in (("run",), ("migrate",)):
            assert_one_line_and_exit_2(
                teampulse(tmp_path, *command, stdin="/quit\n"),
                "teampulse: DATABASE_URL: the SQLite database data/teampulse.db is locked by "
                "another program that holds a write on it (a sqlite3 shell, or a database "
                "browser with changes not yet saved); close it or let it finish, then run "
                "the command again")
        shell.execute("ROLLBACK")
    assert {name: digest for name, digest in _digest(database.parent).items()
            if name in before} == before
