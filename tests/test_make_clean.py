"""`make clean` as a developer meets it: after a bot was killed (kill -9, a closed
terminal), the SQLite database goes with every file SQLite and teampulse keep beside it.

Before, `make clean` removed `data/*.db` alone and left the killed bot's write-ahead log
(`-wal`), its shared memory (`-shm`) and its lock file (`.lock`) behind it.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SERVER_URL

ROOT = Path(__file__).resolve().parents[1]
pytestmark = [
    pytest.mark.skipif(bool(SERVER_URL), reason="SQLite's own files"),
    pytest.mark.skipif(shutil.which("make") is None, reason="needs make"),
]


def test_make_clean_removes_the_database_with_the_files_a_killed_bot_left_beside_it(
        tmp_path: Path) -> None:
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / ".venv").mkdir()  # (a stand-in: the real one is this suite's)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SLACK_", "TELEGRAM_", "TEAMPULSE_", "DATABASE_"))}
    env.update(DATABASE_URL="sqlite:///data/teampulse.db", PYTHONPATH=str(ROOT),
               TEAMPULSE_ORG_FILE=str(ROOT / "org.example.yaml"))
    # `teampulse run`, SIGKILLed by itself once its first write after the start committed:
    # the lock file held, the write-ahead log not yet folded into the database.
    killed = subprocess.run([sys.executable, "-m", "tests.kill_bot", "run", "first-committed"],
                            input="", capture_output=True, text=True, env=env, cwd=tmp_path,
                            timeout=120)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    data = tmp_path / "data"
    left = {f.name for f in data.iterdir()}
    assert {"teampulse.db", "teampulse.db-wal", "teampulse.db-shm",
            "teampulse.db.lock"} <= left, left
    (data / "notes.txt").write_text("not teampulse's\n", encoding="utf-8")

    done = subprocess.run(["make", "clean"], capture_output=True, text=True, cwd=tmp_path,
                          timeout=60)

    assert done.returncode == 0, done.stderr
    assert sorted(f.name for f in data.iterdir()) == ["notes.txt"]
    assert not (tmp_path / ".venv").exists()
