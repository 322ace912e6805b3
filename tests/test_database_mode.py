"""The SQLite database holds people's answers, blockers and anonymous pulse data: a file the
bot creates is its owner's alone, whatever the umask; one it finds open to others is said
once at start, not changed."""

from __future__ import annotations

import os
import signal
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import SERVER_URL
from tests.test_operations import teampulse
from tests.test_resilience_stop import PROMPT, Bot

pytestmark = pytest.mark.skipif(bool(SERVER_URL), reason="SQLite's own files")


@pytest.fixture
def loose_umask() -> Iterator[None]:
    """The usual umask (0022), under which a file is made readable by everyone."""
    before = os.umask(0o022)
    yield
    os.umask(before)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def stopped(bot: Bot) -> str:
    """Stop the bot as a service manager does; its stderr."""
    bot.proc.send_signal(signal.SIGTERM)
    assert bot.proc.wait(timeout=PROMPT) == 0
    return bot.stop_output()


def started_and_stopped(folder: Path) -> str:
    """`teampulse run` in `folder` until it reads the console, then stopped; its stderr."""
    bot = Bot(folder)
    try:
        bot.wait_for("/quit")
        return stopped(bot)
    finally:
        bot.kill()


def test_the_database_a_first_start_creates_is_readable_by_its_owner_alone(
        tmp_path: Path, loose_umask: None) -> None:
    bot = Bot(tmp_path)
    try:
        bot.wait_for("/quit")
        # Its write-ahead log and shared memory too: SQLite gives them the file's mode.
        for name in ("tp.db", "tp.db-wal", "tp.db-shm"):
            assert mode(tmp_path / name) == 0o600, name
        err = stopped(bot)
    finally:
        bot.kill()
    assert "chmod" not in err
    assert mode(tmp_path / "tp.db") == 0o600


def test_a_database_a_cli_command_creates_is_private_too(tmp_path: Path,
                                                         loose_umask: None) -> None:
    done = teampulse(tmp_path, "migrate")
    assert done.returncode == 0, done.stderr
    assert mode(tmp_path / "tp.db") == 0o600


def test_an_existing_database_others_can_read_is_warned_about_once_and_left_as_it_is(
        tmp_path: Path, loose_umask: None) -> None:
    """The operator's file, the operator's choice (a group that backs it up, say): it is
    not changed under them, but they are told once, with the command that fixes it."""
    assert teampulse(tmp_path, "migrate").returncode == 0
    db = tmp_path / "tp.db"
    db.chmod(0o644)
    err = started_and_stopped(tmp_path)
    warned = [line for line in err.splitlines() if "chmod" in line]
    assert len(warned) == 1, err
    assert " WARNING " in warned[0]
    assert f"{db} can be read by other users (mode 0644)" in warned[0]
    assert warned[0].endswith(f"chmod 600 {db}")
    assert mode(db) == 0o644


def test_a_private_database_gets_no_warning(tmp_path: Path, loose_umask: None) -> None:
    assert teampulse(tmp_path, "migrate").returncode == 0
    (tmp_path / "tp.db").chmod(0o600)
    assert "chmod" not in started_and_stopped(tmp_path)


def test_a_restore_to_a_new_place_makes_the_database_private(tmp_path: Path,
                                                             loose_umask: None) -> None:
    """A server rebuilt from last night's backup: the database the restore writes (and
    the copy it stages beside it meanwhile) is its owner's alone."""
    assert teampulse(tmp_path, "migrate").returncode == 0
    assert teampulse(tmp_path, "backup", "saved.db").returncode == 0
    (tmp_path / "tp.db").unlink()
    restored = teampulse(tmp_path, "restore", "saved.db", "--yes")
    assert restored.returncode == 0, restored.stderr
    assert mode(tmp_path / "tp.db") == 0o600
