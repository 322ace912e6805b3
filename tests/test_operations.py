"""Running it for real: one bot per SQLite file, backup and restore, health and metrics,
JSON logs. (Replicas on PostgreSQL: tests/test_replicas.py.)"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import signal
import sqlite3
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest

from bot.adapters.base import DeliveryError, NotRunning, RetryLater
from bot.app import prepare
from bot.cli import main
from bot.config import ConfigError, Settings
from bot.health import HealthServer
from bot.logjson import JsonFormatter
from tests.conftest import SERVER_URL
from tests.support import RecordingAdapter, run_cli, say
from tests.test_resilience_stop import PROMPT, ROOT, STARTUP, Bot

sqlite_only = pytest.mark.skipif(bool(SERVER_URL), reason="SQLite's own behaviour")


def teampulse(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The real command against the Bot's database in tmp_path."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SLACK_", "TELEGRAM_", "TEAMPULSE_", "DATABASE_"))}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'tp.db'}",
               TEAMPULSE_ORG_FILE=str(ROOT / "org.example.yaml"), PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "bot", "--env-file", "/dev/null", *args],
                          capture_output=True, text=True, env=env, cwd=tmp_path,
                          timeout=60, stdin=subprocess.DEVNULL)


# --- one bot per SQLite file ---------------------------------------------------------------

@pytest.fixture
def running(tmp_path: Path):
    bot = Bot(tmp_path)
    bot.wait_for("/quit")  # it is up and holds the database
    yield bot
    bot.kill()


def test_a_second_bot_on_the_same_sqlite_file_refuses_naming_the_first(
        tmp_path: Path, running: Bot) -> None:
    second = teampulse(tmp_path, "run")
    assert second.returncode == 2
    lines = second.stderr.strip().splitlines()
    assert len(lines) == 1, second.stderr
    assert f"another teampulse process (pid {running.proc.pid}, teampulse run)" in lines[0]
    assert "tp.db" in lines[0] and "PostgreSQL" in lines[0]
    assert running.proc.poll() is None  # the first one runs on, untouched
    # The read-only commands work beside it.
    summary = teampulse(tmp_path, "summary")
    assert summary.returncode == 0, summary.stderr
    assert "2026" in summary.stdout or "W" in summary.stdout


def test_a_killed_bot_leaves_no_stale_lock(tmp_path: Path) -> None:
    first = Bot(tmp_path)
    try:
        first.wait_for("/quit")
        first.proc.send_signal(signal.SIGKILL)
        first.proc.wait(timeout=PROMPT)
    finally:
        first.kill()
    second = Bot(tmp_path)  # the operating system dropped the lock with the process
    try:
        second.wait_for("/quit")
        second.proc.send_signal(signal.SIGTERM)
        assert second.proc.wait(timeout=PROMPT) == 0
    finally:
        second.kill()


def test_the_lock_file_a_killed_bot_left_blocks_neither_restore_nor_move_db(
        tmp_path: Path) -> None:
    """Guard: a bot SIGKILLed leaves `tp.db.lock` behind with its pid written in it. The
    operator's next steps, a restore and a move to a new file, go ahead: neither takes the
    file for a running bot (the pid is only read while the flock is held)."""
    first = Bot(tmp_path)
    try:
        first.wait_for("/quit")
        backup = teampulse(tmp_path, "backup", "saved.db")
        assert backup.returncode == 0, backup.stderr
        first.proc.send_signal(signal.SIGKILL)
        first.proc.wait(timeout=PROMPT)
    finally:
        first.kill()
    assert f"pid {first.proc.pid}" in (tmp_path / "tp.db.lock").read_text()
    restore = teampulse(tmp_path, "restore", "saved.db", "--yes")
    assert restore.returncode == 0, restore.stderr
    moved = teampulse(tmp_path, "move-db", f"sqlite:///{tmp_path / 'new.db'}")
    assert moved.returncode == 0, moved.stderr
    assert "running" not in moved.stderr and str(first.proc.pid) not in moved.stderr


# --- backup and restore ---------------------------------------------------------------------

def test_backup_while_the_bot_runs_and_restore_after_it_stops(tmp_path: Path,
                                                              running: Bot) -> None:
    running.say("/fire checkin alice")
    running.say("/as alice")
    running.say("52000")
    running.wait_for("Question 2 of")
    done = teampulse(tmp_path, "backup", str(tmp_path / "saved.db"))
    assert done.returncode == 0, done.stderr
    assert "backed up" in done.stdout
    # Restoring under a running bot would pull the floor from under it: refused.
    refused = teampulse(tmp_path, "restore", "--yes", str(tmp_path / "saved.db"))
    assert refused.returncode == 2
    assert f"pid {running.proc.pid}" in refused.stderr
    running.proc.send_signal(signal.SIGTERM)
    assert running.proc.wait(timeout=PROMPT) == 0

    # Later the answer is lost (a bad edit, a broken disk) and the backup brings it back.
    with sqlite3.connect(tmp_path / "tp.db") as conn:
        conn.execute("DELETE FROM answers")
    assert running.answers() == []
    restored = teampulse(tmp_path, "restore", "--yes", str(tmp_path / "saved.db"))
    assert restored.returncode == 0, restored.stderr
    assert "restored" in restored.stdout
    assert [(key, number) for key, _, number, _ in running.answers()] == [
        ("kpi:revenue", 52000.0)]


def test_a_backup_from_an_older_version_is_restored_with_every_answer(tmp_path: Path) -> None:
    """An operator restores a backup the previous version made (migration 0005): the
    restore migrates it up to date and the directors' answers and open check-ins are all
    there. (Migrating it used to delete every answer: see tests/test_migrations.py.)"""
    import sqlalchemy as sa

    from storage.db import create_db_engine
    from storage.migrate import head_revision, upgrade

    old = create_db_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(old, "0005_sumperf")
    with old.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO people (id, key, display_name, role, timezone, locale, checks_in, "
            "can_view_summary, active) VALUES (1, 'alice', 'Alice', 'director', 'UTC', 'en', "
            "1, 0, 1)"))
        conn.execute(sa.text(
            "INSERT INTO checkin_rounds (id, person_id, week, questions, status, created_at) "
            "VALUES (1, 1, '2026-W40', '[]', 'open', '2026-10-01 09:00:00')"))
        conn.execute(sa.text(
            "INSERT INTO answers (round_id, question_key, number_value, skipped, answered_at, "
            "updated_at) VALUES (1, 'kpi:revenue', 52000, 0, '2026-10-01 09:05:00', "
            "'2026-10-01 09:05:00')"))
        conn.execute(sa.text(
            "INSERT INTO conversations (person_id, kind, round_id, question_key, editing, "
            "updated_at) VALUES (1, 'checkin', 1, 'kpi:new_customers', 0, "
            "'2026-10-01 09:05:00')"))
    old.dispose()
    restored = teampulse(tmp_path, "restore", "--yes", str(tmp_path / "old.db"))
    assert restored.returncode == 0, restored.stderr
    with sqlite3.connect(tmp_path / "tp.db") as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == \
            head_revision(create_db_engine(f"sqlite:///{tmp_path / 'tp.db'}"))
        assert conn.execute("SELECT round_id, question_key, number_value FROM answers"
                            ).fetchall() == [(1, "kpi:revenue", 52000.0)]
        assert conn.execute("SELECT count(*) FROM conversations").fetchone() == (1,)


def test_restore_refuses_a_backup_from_a_newer_version(tmp_path: Path) -> None:
    assert teampulse(tmp_path, "migrate").returncode == 0
    assert teampulse(tmp_path, "backup", str(tmp_path / "saved.db")).returncode == 0
    with sqlite3.connect(tmp_path / "saved.db") as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0099_from_the_future'")
    with sqlite3.connect(tmp_path / "tp.db") as conn:
        conn.execute("CREATE TABLE marker (x INTEGER)")  # to see nothing was replaced
    refused = teampulse(tmp_path, "restore", "--yes", str(tmp_path / "saved.db"))
    assert refused.returncode == 2
    assert "'0099_from_the_future'" in refused.stderr and "does not know" in refused.stderr
    with sqlite3.connect(tmp_path / "tp.db") as conn:
        assert conn.execute("SELECT count(*) FROM marker").fetchone() == (0,)
    (tmp_path / "junk.db").write_text("not a database")
    junk = teampulse(tmp_path, "restore", "--yes", str(tmp_path / "junk.db"))
    assert junk.returncode == 2 and "is not a teampulse backup" in junk.stderr
    exists = teampulse(tmp_path, "backup", str(tmp_path / "saved.db"))
    assert exists.returncode == 2 and "exists already" in exists.stderr


def test_restore_of_a_folder_says_it_is_a_folder_not_that_nothing_is_there(
        tmp_path: Path) -> None:
    """`teampulse restore backups/ --yes` (the folder, not the file in it) was told
    'backups: no such file', though the folder is there; `restore ""` named '.' so."""
    assert teampulse(tmp_path, "migrate").returncode == 0
    (tmp_path / "backups").mkdir()
    for given, shown in ((str(tmp_path / "backups"), str(tmp_path / "backups")), ("", ".")):
        refused = teampulse(tmp_path, "restore", "--yes", given)
        assert refused.returncode == 2
        assert refused.stderr == (f"teampulse: {shown} is a folder; give the backup file "
                                  "(the one 'teampulse backup FILE' wrote)\n")
    assert sorted(p.name for p in tmp_path.iterdir() if "before-restore" in p.name) == []


def since_a_backup(tmp_path: Path) -> Path:
    """A database with a backup (saved.db) and one thing written after it: what a restore
    by mistake would lose. Returns the backup."""
    assert teampulse(tmp_path, "migrate").returncode == 0
    with sqlite3.connect(tmp_path / "tp.db") as db:
        db.execute("CREATE TABLE notes (x TEXT)")
        db.execute("INSERT INTO notes VALUES ('before the backup')")
        db.executemany("INSERT INTO notes VALUES (?)", [("x" * 3000,)] * 200)  # pages
    db.close()
    saved = tmp_path / "saved.db"
    assert teampulse(tmp_path, "backup", str(saved)).returncode == 0
    with sqlite3.connect(tmp_path / "tp.db") as db:
        db.execute("INSERT INTO notes VALUES ('since the backup')")
    db.close()
    return saved


def notes(path: Path) -> list[str]:
    """The short notes in a database (the filler left out)."""
    with sqlite3.connect(path) as db:
        found = [x for (x,) in db.execute("SELECT x FROM notes ORDER BY rowid") if len(x) < 100]
    db.close()
    return found


def safety_copies(tmp_path: Path) -> list[Path]:
    """The restores' copies, oldest first. (Not by name: two in one second are '…Z.db' and
    '…Z-2.db', and '-' sorts before '.': the order the test failed on now and then.)"""
    return sorted(tmp_path.glob("tp.before-restore-*.db"), key=lambda p: p.stat().st_mtime_ns)


def test_restore_not_on_a_terminal_without_yes_is_refused_and_changes_nothing(
        tmp_path: Path) -> None:
    """restore replaced the database, and everything written since the backup, without a
    question: one typo in a script or at a prompt lost a week. Run where it cannot ask (a
    script, cron, a pipe) it now needs --yes: without it, one line naming --yes, exit 2,
    and the database as it was, byte for byte, with no copy or staging file left."""
    saved = since_a_backup(tmp_path)
    before = (tmp_path / "tp.db").read_bytes()
    refused = teampulse(tmp_path, "restore", str(saved))
    assert (refused.returncode, refused.stdout) == (2, "")
    assert refused.stderr == (
        f"teampulse: restore replaces the database at {tmp_path / 'tp.db'} and asks first; "
        "not on a terminal, so nothing was changed: run it again with --yes to restore "
        "without the question\n")
    assert (tmp_path / "tp.db").read_bytes() == before
    assert notes(tmp_path / "tp.db") == ["before the backup", "since the backup"]
    assert not safety_copies(tmp_path)
    assert not list(tmp_path.glob("*.restoring*"))


def on_a_terminal(tmp_path: Path, answer: str, *args: str) -> subprocess.CompletedProcess[str]:
    """`teampulse ARGS` with a terminal (a pty) as its standard input, `answer` typed."""
    import pty

    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SLACK_", "TELEGRAM_", "TEAMPULSE_", "DATABASE_"))}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'tp.db'}",
               TEAMPULSE_ORG_FILE=str(ROOT / "org.example.yaml"), PYTHONPATH=str(ROOT))
    typing, terminal = pty.openpty()
    try:
        proc = subprocess.Popen([sys.executable, "-m", "bot", "--env-file", "/dev/null", *args],
                                stdin=terminal, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, env=env, cwd=tmp_path)
        os.write(typing, answer.encode())
        out, err = proc.communicate(timeout=60)
    finally:
        os.close(typing)
        os.close(terminal)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def test_restore_on_a_terminal_asks_first_and_keeps_the_database_it_replaces(
        tmp_path: Path) -> None:
    """On a terminal restore asks first, naming the database and the backup (size, date,
    revision): 'n' (or just Enter) changes nothing. 'y' restores, after keeping the
    database as it was beside it, named with the time, its path printed; restoring that
    copy brings back what was written since the backup."""
    saved = since_a_backup(tmp_path)
    db = tmp_path / "tp.db"
    before = db.read_bytes()
    for answer in ("n\n", "\n"):
        declined = on_a_terminal(tmp_path, answer, "restore", str(saved))
        assert (declined.returncode, declined.stdout) == (1, ""), declined.stderr
        question, _, said = declined.stderr.partition("Restore? [y/N] ")
        assert re.fullmatch(
            rf"This replaces the database {re.escape(str(db))} \([\d.]+ [kMG]B, last written "
            rf"\d{{4}}-\d\d-\d\d \d\d:\d\d \S+\) with the backup {re.escape(str(saved))} "
            r"\([\d.]+ [kMG]B, last written [^)]+, revision \w+\)\.\n"
            r"Everything written to the database since that backup leaves it; a copy of the "
            r"database as it is now is kept beside it first\.\n", question), question
        assert said == "teampulse: restore cancelled; nothing was changed\n"
        assert db.read_bytes() == before and not safety_copies(tmp_path)

    done = on_a_terminal(tmp_path, "y\n", "restore", str(saved))
    assert done.returncode == 0, done.stderr
    [copy] = safety_copies(tmp_path)
    assert re.fullmatch(r"tp\.before-restore-\d{8}T\d{6}Z\.db", copy.name)
    assert done.stdout.splitlines()[0] == (
        f"kept the database as it was in {copy} (to go back: teampulse restore {copy})")
    assert notes(db) == ["before the backup"]  # the backup's
    assert notes(copy) == ["before the backup", "since the backup"]
    back = teampulse(tmp_path, "restore", "--yes", str(copy))
    assert back.returncode == 0, back.stderr
    assert notes(db) == ["before the backup", "since the backup"]
    assert len(safety_copies(tmp_path)) == 2  # going back kept the restored one too


@pytest.mark.parametrize("moment", ["staged", "kept", "overwrite"])
def test_a_restore_killed_half_way_leaves_the_database_and_its_copy(
        tmp_path: Path, moment: str) -> None:
    """A restore SIGKILLed (kill -9, the OOM killer, a closed SSH session) after staging
    the backup, after keeping the copy, or half-way through writing the backup over the
    database: the database holds what it held, the copy (once made) holds it too, and the
    restore run again finishes."""
    saved = since_a_backup(tmp_path)
    db = tmp_path / "tp.db"
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SLACK_", "TELEGRAM_", "TEAMPULSE_", "DATABASE_"))}
    env.update(DATABASE_URL=f"sqlite:///{db}",
               TEAMPULSE_ORG_FILE=str(ROOT / "org.example.yaml"), PYTHONPATH=str(ROOT))
    killed = subprocess.run(
        [sys.executable, "-m", "tests.kill_restore", moment, "--env-file", "/dev/null",
         "restore", "--yes", str(saved)],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60,
        stdin=subprocess.DEVNULL)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert notes(db) == ["before the backup", "since the backup"]
    copies = safety_copies(tmp_path)
    if moment == "staged":
        assert copies == []
    else:
        assert killed.stdout == (f"kept the database as it was in {copies[0]} (to go "
                                 f"back: teampulse restore {copies[0]})\n")
        assert notes(copies[0]) == ["before the backup", "since the backup"]
    again = teampulse(tmp_path, "restore", "--yes", str(saved))
    assert again.returncode == 0, again.stderr
    assert notes(db) == ["before the backup"]
    assert not list(tmp_path.glob("*.restoring*"))  # what the kill left is gone


def test_backup_on_postgresql_points_to_pg_dump(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://u@127.0.0.1:1/teampulse")
    assert main(["--env-file", "/dev/null", "backup",
                 str(tmp_path / "x.db")]) == 2
    assert "pg_dump" in capsys.readouterr().err
    assert not (tmp_path / "x.db").exists()
    # restore is SQLite's: on PostgreSQL it points to pg_restore before asking anything.
    assert main(["--env-file", "/dev/null", "restore", str(tmp_path / "x.db")]) == 2
    assert "pg_restore" in capsys.readouterr().err


# --- health and metrics ---------------------------------------------------------------------

@pytest.fixture
async def health(bot):
    server = HealthServer(bot, "127.0.0.1", 0)
    await server.start()
    yield f"http://127.0.0.1:{server.port}"
    await server.stop()


async def get(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, await response.text()


def sample(metrics: str, name: str) -> float:
    """The value of one sample line ('name{labels}') in a scrape; 0 if absent."""
    for line in metrics.splitlines():
        if line.startswith(name + " ") or (line.startswith(name + "{") and " " in line):
            head, value = line.rsplit(" ", 1)
            if head == name:
                return float(value)
    return 0.0


async def test_health_metrics_count_what_the_bot_did(bot, chat, health, clock) -> None:
    assert await get(f"{health}/healthz") == (200, "ok\n")
    status, body = await get(f"{health}/readyz")
    assert status == 503  # registered but not started: not ready to serve
    assert json.loads(body)["platforms"] == {"console": "stopped"}
    bot.platform_state["console"] = "connected"  # as `run` marks it once started
    status, body = await get(f"{health}/readyz")
    assert status == 200
    assert json.loads(body) == {"ready": True, "database": "ok",
                                "platforms": {"console": "connected"}, "role": "single"}

    await bot.run_checkins()  # three directors prompted
    await say(bot, "alice", "52000", event_id="e1")
    await say(bot, "alice", "52000", event_id="e1")  # a redelivery
    chat.fail_next = [RetryLater(30), DeliveryError("boom")]
    await say(bot, "bruno", "41000")  # its reply waits: rate limited

    status, text = await get(f"{health}/metrics")
    assert status == 200
    sent = len(chat.sent)
    assert sample(text, 'teampulse_messages_sent_total{platform="console"}') == sent
    assert sample(text, 'teampulse_rate_limit_waits_total{platform="console"}') == 1
    assert sample(text, 'teampulse_events_deduplicated_total{platform="console"}') == 1
    assert sample(text, 'teampulse_handler_seconds_count{platform="console"}') == 3
    assert sample(text, 'teampulse_outbox_depth{platform="console"}') == 1
    clock.advance(timedelta(seconds=90))
    _, text = await get(f"{health}/metrics")
    assert sample(text, 'teampulse_outbox_oldest_age_seconds{platform="console"}') >= 90
    # Nothing anyone typed, and no one's name, is in the metrics.
    # (The answer as a number of its own: a timing such as 0.0121765200019 is no leak.)
    assert not re.search(r"(?<![\d.])52000(?!\d)", text)
    assert "alice" not in text and "Bruno" not in text

    await bot.deliver()  # the wait is over: the next attempt fails (counted), then retries
    clock.advance(timedelta(seconds=60))
    await bot.deliver()
    _, text = await get(f"{health}/metrics")
    assert sample(text, 'teampulse_messages_failed_total{platform="console"}') == 1
    assert sample(text, 'teampulse_outbox_depth{platform="console"}') == 0


async def test_readyz_says_the_database_is_unreachable(bot, health, monkeypatch) -> None:
    from sqlalchemy import create_engine

    monkeypatch.setattr(bot, "engine", create_engine(
        "postgresql+psycopg://u@127.0.0.1:1/none?connect_timeout=2"))
    status, body = await get(f"{health}/readyz")
    assert status == 503
    report = json.loads(body)
    assert report["ready"] is False and report["database"].startswith("unreachable")
    assert (await get(f"{health}/healthz"))[0] == 200  # alive all the same


async def test_jobs_run_are_counted(bot, chat, health) -> None:
    """README, *Health and metrics*: `teampulse_jobs_run_total{job,outcome}` counts the
    scheduled jobs. The check-in is the job the scheduler runs, one per timezone (the
    count was kept in the per-person job only, which no longer runs: a running bot's
    check-in jobs counted nothing)."""
    from bot import jobs
    from bot.scheduler import ZONE_JOB_FUNC

    assert ZONE_JOB_FUNC == "bot.jobs:checkin_zone_job"  # what the scheduler runs
    jobs.bind(bot)
    try:
        await jobs.checkin_zone_job("America/New_York")
        await jobs.reminder_job()
        await jobs.honours_job()
        await jobs.round_requests_job()
        await jobs.oneonone_job()
        await jobs.pulse_job()
        await jobs.digest_job()
        await jobs.monthly_review_job()
        await jobs.review_schedule_job()
        await jobs.review_held_job()
        await jobs.crm_watch_job()
    finally:
        jobs.bind(None)
    _, text = await get(f"{health}/metrics")
    for job in ("checkin", "reminders", "honours", "round_requests", "oneonones", "pulse",
                "digests", "monthly_review", "review_schedule", "review_held", "crm_watch"):
        assert sample(text, f'teampulse_jobs_run_total{{job="{job}",outcome="ok"}}') == 1, job


class LogLines(logging.Handler):
    """The `bot` loggers' records as they come, for a test awaiting one (from any thread)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.records: list[logging.LogRecord] = []
        self._loop = asyncio.get_running_loop()
        self._changed = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        self._loop.call_soon_threadsafe(self._changed.set)

    async def first(self, needle: str, task: asyncio.Task[None]) -> logging.LogRecord:
        """The first record whose message contains `needle`, once logged; fails at once if
        `task` (the bot) ends first. The bound only ends a hang."""
        async with asyncio.timeout(STARTUP):
            while True:
                found = [r for r in self.records if needle in r.getMessage()]
                if found:
                    return found[0]
                if task.done():
                    task.result()  # its exception, if any
                    pytest.fail(f"the bot stopped before logging {needle!r}")
                self._changed.clear()
                changed = asyncio.ensure_future(self._changed.wait())
                await asyncio.wait({changed, task}, return_when=asyncio.FIRST_COMPLETED)
                changed.cancel()


async def test_run_serves_health_on_its_own_port(settings, clock, monkeypatch) -> None:
    """`teampulse run` with HEALTH_PORT (no Slack listener): /readyz says 503 "starting"
    until start-up is over (on PostgreSQL the election decided), then 200 with the role;
    the endpoints stop with the bot."""
    from dataclasses import replace

    import bot.app
    from bot.app import run

    # Start-up held just before the scheduler starts: what a load balancer sees then.
    held, resume = asyncio.Event(), asyncio.Event()
    real_start_scheduler = bot.app.start_scheduler

    async def start_scheduler(*args: object, **kwargs: object) -> object:
        held.set()
        await resume.wait()
        return await real_start_scheduler(*args, **kwargs)

    monkeypatch.setattr(bot.app, "start_scheduler", start_scheduler)
    lines = LogLines()
    logger = logging.getLogger("bot")
    logger.addHandler(lines)
    level = logger.level
    logger.setLevel(logging.INFO)
    stop = asyncio.Event()
    task = asyncio.create_task(run(replace(settings, health_port=0, health_host="127.0.0.1",
                                           console=False), clock=clock, stop=stop))
    try:
        port = (await lines.first("health and metrics on", task)).args[1]  # type: ignore[index]
        async with asyncio.timeout(STARTUP):
            await asyncio.wait({asyncio.ensure_future(held.wait()), task},
                               return_when=asyncio.FIRST_COMPLETED)
        assert held.is_set(), "the bot stopped before starting its scheduler"
        status, body = await get(f"http://127.0.0.1:{port}/readyz")
        assert status == 503 and json.loads(body)["role"] == "starting"
        assert (await get(f"http://127.0.0.1:{port}/healthz"))[0] == 200  # alive all along
        resume.set()
        await lines.first("teampulse is running on", task)
        status, body = await get(f"http://127.0.0.1:{port}/readyz")
        # One process: on SQLite "single"; on PostgreSQL it is the leader of one.
        assert status == 200 and json.loads(body)["role"] == ("leader" if SERVER_URL else "single")
    finally:
        resume.set()
        stop.set()
        await task
        logger.removeHandler(lines)
        logger.setLevel(level)
    with pytest.raises(aiohttp.ClientConnectionError):
        await get(f"http://127.0.0.1:{port}/healthz")


def test_health_settings(monkeypatch) -> None:
    settings = Settings.from_mapping({"HEALTH_PORT": "9100", "LOG_FORMAT": "json"})
    assert settings.health_port == 9100 and settings.log_format == "json"
    assert Settings.from_mapping({}).health_port is None  # off by default
    with pytest.raises(ConfigError, match="LOG_FORMAT='xml'"):
        Settings.from_mapping({"LOG_FORMAT": "xml"})
    with pytest.raises(ConfigError, match="HEALTH_PORT"):
        Settings.from_mapping({"HEALTH_PORT": "0"})


# --- JSON logs ------------------------------------------------------------------------------

def test_json_log_lines_carry_no_exception_text() -> None:
    formatter = JsonFormatter()
    try:
        raise ValueError("Alice typed: my secret answer")
    except ValueError:
        record = logging.getLogger("teampulse.test").makeRecord(
            "teampulse.test", logging.ERROR, __file__, 1, "handling a %s event failed",
            ("slack",), sys.exc_info())
    line = formatter.format(record)
    entry = json.loads(line)
    assert entry["level"] == "ERROR" and entry["logger"] == "teampulse.test"
    assert entry["message"] == "handling a slack event failed"
    assert entry["exception"] == "ValueError" and entry["stack"]
    assert "secret answer" not in line and "\n" not in line


def test_log_format_json_makes_the_bots_log_json_lines(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SLACK_", "TELEGRAM_", "TEAMPULSE_", "DATABASE_"))}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'tp.db'}", LOG_FORMAT="json",
               LOG_LEVEL="INFO", TEAMPULSE_ORG_FILE=str(ROOT / "org.example.yaml"),
               PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-m", "bot", "--env-file", "/dev/null", "run"],
                          input="/as alice\nmy private words\n/quit\n", capture_output=True,
                          text=True, env=env, cwd=tmp_path, timeout=60)
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert lines, "no log at INFO"
    for line in lines:
        entry = json.loads(line)  # every line is one JSON object
        assert {"time", "level", "logger", "message"} <= set(entry)
    assert "my private words" not in done.stderr


# --- a follower (replicas on PostgreSQL) ----------------------------------------------------

async def test_a_follower_records_the_reply_and_wakes_the_leader_instead_of_sending(
        bot, chat) -> None:
    kicks: list[str] = []

    async def kick() -> None:
        kicks.append("kick")

    bot.role, bot.delivers, bot.leader_kick = "follower", False, kick
    await say(bot, "grace", "/help")
    assert chat.sent == []  # nothing sent by a follower...
    assert kicks == ["kick"]  # ...the leader is woken instead
    await say(bot, "grace", "/checkin send")  # a round asked on a follower: left to the leader
    assert chat.sent == []
    with bot.unit() as ctx:
        from storage.round_requests import RoundRequest

        assert [r.status for r in ctx.session.query(RoundRequest)] == ["queued"]
    bot.role, bot.delivers = "leader", True  # it becomes the leader: all of it goes out
    await bot.run_round_requests()
    await bot.deliver()
    assert len(chat.to("grace")) >= 2  # the /help reply and the round's report
    assert chat.to("alice") and chat.to("bruno")  # the round reached the directors


def test_a_backup_to_a_place_it_cannot_write_says_so_and_leaves_nothing(tmp_path: Path) -> None:
    """A backup into a folder that is a file (or /proc) had ended in a traceback."""
    assert teampulse(tmp_path, "migrate").returncode == 0
    (tmp_path / "afile").write_text("x")
    for target in (tmp_path / "afile" / "saved.db", Path("/proc/saved.db")):
        done = teampulse(tmp_path, "backup", str(target))
        assert done.returncode == 2, done.stderr
        assert done.stderr.startswith(f"teampulse: cannot write the backup {target}: ")
        assert len(done.stderr.splitlines()) == 1, done.stderr
        assert not target.exists()


@pytest.mark.parametrize("host", ["127.0.0.1", "no-such-host.invalid"])
def test_a_health_port_in_use_or_a_host_that_is_not_here_stops_start_up_in_one_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, host: str) -> None:
    """HEALTH_PORT taken by another program (or a typo in HEALTH_HOST) had ended start-up
    with an OSError traceback and exit code 1."""
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        monkeypatch.setenv("HEALTH_HOST", host)
        monkeypatch.setenv("HEALTH_PORT", str(port))
        done = teampulse(tmp_path, "run")
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(
        f"teampulse: HEALTH_HOST/HEALTH_PORT: cannot listen on {host}:{port}: "), lines


@pytest.mark.parametrize("failure", [
    RuntimeError("the migration would leave 1 row(s) in answers pointing at rows that do not "
                 "exist; nothing was changed"),
    KeyboardInterrupt(),  # the operator's Ctrl-C, or a kill, half-way through
])
def test_a_restore_that_fails_while_migrating_leaves_the_database_as_it_was(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        failure: BaseException) -> None:
    """The backup used to be copied over the database first and migrated after: a migration
    that failed (refused, a full disk, a Ctrl-C) left the old backup in place of the
    database, unmigrated, with a traceback or a line saying nothing was changed."""
    import storage.migrate

    assert teampulse(tmp_path, "migrate").returncode == 0
    with sqlite3.connect(tmp_path / "tp.db") as conn:
        conn.execute("CREATE TABLE marker (x INTEGER)")  # today's database, to recognise
    old = tmp_path / "old.db"
    with sqlite3.connect(old) as conn:  # a backup an older version made
        conn.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
        conn.execute("INSERT INTO alembic_version VALUES ('0005_sumperf')")

    def failing(engine, revision="head"):
        raise failure

    monkeypatch.setattr(storage.migrate, "upgrade", failing)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'tp.db'}")
    monkeypatch.setenv("TEAMPULSE_ORG_FILE", str(ROOT / "org.example.yaml"))
    code = main(["--env-file", "/dev/null", "restore", "--yes", str(old)])
    err = capsys.readouterr().err
    if isinstance(failure, KeyboardInterrupt):
        assert code == 130
    else:
        assert code == 2 and len(err.strip().splitlines()) == 1, err
        assert "could not be brought up to date" in err and "was not changed" in err
    with sqlite3.connect(tmp_path / "tp.db") as conn:
        assert conn.execute("SELECT count(*) FROM marker").fetchone() == (0,)
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] != \
            "0005_sumperf"
    assert not [p for p in tmp_path.iterdir() if ".restoring" in p.name]  # none left


def test_a_backup_killed_half_way_leaves_nothing_that_looks_like_a_backup(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A backup killed mid-copy had left a partial SQLite file at the target's name, which
    the operator would keep as the night's backup (and a restore could choke on)."""
    from storage import backup as backup_module

    assert teampulse(tmp_path, "migrate").returncode == 0
    url = f"sqlite:///{tmp_path / 'tp.db'}"
    with sqlite3.connect(tmp_path / "tp.db") as db:  # some pages to copy
        db.execute("CREATE TABLE filler (x TEXT)")
        db.executemany("INSERT INTO filler VALUES (?)", [("x" * 3000,)] * 200)
    real_connect = sqlite3.connect

    class Killed(BaseException):
        """A SIGKILL as the process sees it: no except clause runs."""

    class HalfWay:
        def __init__(self, conn: sqlite3.Connection) -> None:
            self.conn = conn

        def backup(self, target: sqlite3.Connection, **_: object) -> None:
            def progress(status: int, remaining: int, total: int) -> None:
                if remaining < total // 2:
                    raise Killed

            self.conn.backup(target, pages=10, progress=progress)

        def close(self) -> None:
            self.conn.close()

    def connect(*args: object, **kwargs: object) -> object:
        conn = real_connect(*args, **kwargs)  # type: ignore[arg-type]
        return HalfWay(conn) if kwargs.get("uri") else conn  # the source, read-only

    monkeypatch.setattr(backup_module.sqlite3, "connect", connect)
    target = tmp_path / "nightly" / "teampulse-2026-11-30.db"
    with pytest.raises(Killed):
        backup_module.backup(url, target)
    assert not target.exists()
    partial = target.with_name(target.name + ".partial")
    assert partial.exists()  # what the killed one left, under a name no backup has
    monkeypatch.setattr(backup_module.sqlite3, "connect", real_connect)
    done = teampulse(tmp_path, "backup", str(target))  # the next night's run
    assert done.returncode == 0, done.stderr
    assert not partial.exists()  # README: the next backup to that name removes the .partial
    with sqlite3.connect(target) as db:
        assert db.execute("SELECT count(*) FROM filler").fetchone() == (200,)
    # An existing backup is never written over, by a whole copy or a half one.
    before = target.read_bytes()
    monkeypatch.setattr(backup_module.sqlite3, "connect", connect)
    with pytest.raises(backup_module.DatabaseSetupError, match="exists already"):
        backup_module.backup(url, target)
    assert target.read_bytes() == before


def test_restore_names_the_copies_earlier_restores_left(tmp_path: Path) -> None:
    """Each restore keeps the database it replaced, and teampulse never deletes one (each
    is the only way back from its restore): so a third restore tells the operator the two
    copies earlier restores left beside the database, with their size, to delete once
    not needed (they piled up unseen, each as large as the database)."""
    saved = since_a_backup(tmp_path)
    first = teampulse(tmp_path, "restore", "--yes", str(saved))
    assert first.returncode == 0, first.stderr
    assert "earlier cop" not in first.stdout  # nothing before it
    second = teampulse(tmp_path, "restore", "--yes", str(saved))
    assert second.returncode == 0, second.stderr
    [one, two] = safety_copies(tmp_path)
    assert re.search(rf"^1 earlier copy kept by restore is beside it \([\d.]+ [kMG]B in "
                     rf"all\), to delete once not needed:\n  {re.escape(str(one))}$",
                     second.stdout, re.M), second.stdout
    third = teampulse(tmp_path, "restore", "--yes", str(saved))
    assert third.returncode == 0, third.stderr
    lines = third.stdout.splitlines()
    at = lines.index(next(line for line in lines if "earlier copies" in line))
    assert re.fullmatch(r"2 earlier copies kept by restore are beside it \([\d.]+ [kMG]B in "
                        r"all\), to delete once not needed:", lines[at])
    assert lines[at + 1:] == [f"  {one}", f"  {two}"]
    assert len(safety_copies(tmp_path)) == 3  # reported, never pruned



@sqlite_only
async def test_a_restore_does_not_send_again_what_was_sent_since_the_backup(
        bot, chat, clock, settings, tmp_path: Path) -> None:
    """A backup made while the week's check-in questions waited in the outbox (the chat
    platform down for a while) holds them still to send. They went out once it was back;
    restoring that backup later sent them all again, every director asked twice for the
    week. The restore takes what the database it replaces sent since as sent, and says
    so; a database that never sent them (lost, say) gets them sent once."""
    chat.fail_next = [NotRunning(0) for _ in range(50)]  # the platform is down
    await bot.run_checkins()
    saved = tmp_path / "saved.db"
    assert run_cli(settings, "backup", str(saved))[0] == 0
    chat.fail_next = []
    await bot.outbox.flush()
    assert sorted(s.target.address for s in chat.sent) == ["alice", "bruno", "li"]
    bot.engine.dispose()

    code, out = run_cli(settings, "restore", "--yes", str(saved))
    assert code == 0
    assert "3 messages waiting to be sent in the backup were sent (or given up) since it " \
           "was made, as the database it replaced records: not sent again" in out
    again, engine = prepare(settings, clock)
    try:
        after = RecordingAdapter()
        again.register(after)
        await again.outbox.flush()
        assert after.sent == []
        await say(again, "alice", "52000")  # her round is as the backup had it
        assert "Question 2 of" in after.last("alice")
    finally:
        engine.dispose()

    # The database is lost: the backup restored in its place sends what it holds, once.
    database = tmp_path / "teampulse.db"
    for path in (database, *tmp_path.glob("teampulse.db-*")):
        path.unlink()
    code, out = run_cli(settings, "restore", "--yes", str(saved))
    assert code == 0 and "not sent again" not in out
    again, engine = prepare(settings, clock)
    try:
        after = RecordingAdapter()
        again.register(after)
        await again.outbox.flush()
        assert sorted(s.target.address for s in after.sent) == ["alice", "bruno", "li"]
    finally:
        engine.dispose()


def test_sizes_read_as_a_file_manager_shows_them() -> None:
    from bot.cli import _size_text

    assert [_size_text(n) for n in (2_500, 999_499, 999_950, 2_250_000, 999_960_000,
                                    1_250_000_000)] == [
        "3 kB", "999 kB", "1.0 MB", "2.3 MB", "1.0 GB", "1.3 GB"]


def test_restore_rounds_the_copies_size_half_up(tmp_path: Path) -> None:
    """2,250,000 bytes of earlier copies read 2.3 MB, as a file manager shows them
    (a half rounded up, as every figure teampulse prints), not ".1f"'s 2.2 MB."""
    saved = since_a_backup(tmp_path)
    assert teampulse(tmp_path, "restore", "--yes", str(saved)).returncode == 0
    [kept] = safety_copies(tmp_path)
    # Another copy beside it (an older restore's), so the two come to 2.25 MB exactly.
    older = tmp_path / "tp.before-restore-20200101T000000Z.db"
    older.write_bytes(b"\0" * (2_250_000 - kept.stat().st_size))
    second = teampulse(tmp_path, "restore", "--yes", str(saved))
    assert second.returncode == 0, second.stderr
    assert "2 earlier copies kept by restore are beside it (2.3 MB in all)" in second.stdout, \
        second.stdout

def test_two_backups_to_one_name_at_once_never_leave_a_half_copy_under_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two backups to the same name at once (a nightly cron job still running when the
    next starts, a second terminal): the second removed the first's .partial and wrote its
    own there; the first, finishing, renamed the second's half-written copy to the backup's
    name and said 'backed up'. Killed then, the second left that half copy as the night's
    backup. Now the second is refused while the first runs, and the backup is whole."""
    import threading

    from storage import backup as backup_module

    assert teampulse(tmp_path, "migrate").returncode == 0
    url = f"sqlite:///{tmp_path / 'tp.db'}"
    with sqlite3.connect(tmp_path / "tp.db") as db:
        db.execute("CREATE TABLE filler (x TEXT)")
        db.executemany("INSERT INTO filler VALUES (?)", [("x" * 3000,)] * 400)
    real_connect = sqlite3.connect
    first_half_way, first_may_finish = threading.Event(), threading.Event()

    class Killed(BaseException):
        """A SIGKILL as the process sees it: no except clause runs."""

    class Copying:
        """The source's connection, copying page by page with a pause for the test."""

        def __init__(self, conn: sqlite3.Connection) -> None:
            self.conn = conn

        def backup(self, target: sqlite3.Connection, **_: object) -> None:
            first = threading.current_thread().name == "first"

            def progress(status: int, remaining: int, total: int) -> None:
                if remaining < total // 2:
                    if first and not first_half_way.is_set():
                        first_half_way.set()
                        assert first_may_finish.wait(30)
                    elif not first:
                        first_may_finish.set()  # the first ends while the second copies
                        raise Killed

            self.conn.backup(target, pages=10, progress=progress)

        def close(self) -> None:
            self.conn.close()

    def connect(*args: object, **kwargs: object) -> object:
        conn = real_connect(*args, **kwargs)  # type: ignore[arg-type]
        return Copying(conn) if kwargs.get("uri") else conn

    monkeypatch.setattr(backup_module.sqlite3, "connect", connect)
    target = tmp_path / "nightly" / "teampulse.db"
    said: list[object] = []

    def first() -> None:
        try:
            said.append(backup_module.backup(url, target))
        except BaseException as exc:  # the test reads what happened
            said.append(exc)

    thread = threading.Thread(target=first, name="first")
    thread.start()
    assert first_half_way.wait(30)
    try:
        with pytest.raises(backup_module.DatabaseSetupError,
                           match=f"another backup to {re.escape(str(target))} is running"):
            backup_module.backup(url, target)
    except Killed:
        pass  # the old code: it copied over the first's file, and died half-way
    finally:
        first_may_finish.set()
        thread.join(30)
    monkeypatch.setattr(backup_module.sqlite3, "connect", real_connect)
    assert said and not isinstance(said[0], BaseException), said
    with real_connect(target) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert db.execute("SELECT count(*) FROM filler").fetchone() == (400,)
    assert not target.with_name(target.name + ".partial").exists()


def test_a_backup_and_the_copy_kept_before_a_restore_are_readable_by_their_owner_alone(
        tmp_path: Path) -> None:
    """Every answer, note and name of the org is in a backup: it was made readable by every
    user of the machine (0644), whatever the database's own file allowed."""
    assert teampulse(tmp_path, "migrate").returncode == 0
    saved = tmp_path / "saved.db"
    done = teampulse(tmp_path, "backup", str(saved))
    assert done.returncode == 0, done.stderr
    assert saved.stat().st_mode & 0o077 == 0, oct(saved.stat().st_mode)
    restored = teampulse(tmp_path, "restore", "--yes", str(saved))
    assert restored.returncode == 0, restored.stderr
    kept = list(tmp_path.glob("*.before-restore-*.db"))
    assert kept and all(p.stat().st_mode & 0o077 == 0 for p in kept), kept
