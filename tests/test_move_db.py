"""`teampulse move-db TARGET_URL`, from the operator's side: every row of every table
arrives in the new database (SQLite always, PostgreSQL with TEST_DATABASE_URL), the bot
on it shows what it showed before and goes on writing, a move that is refused or fails
leaves the target as it was, and the password never shows."""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

import storage.move
from bot.app import prepare
from bot.cli import main
from bot.clock import FakeClock
from bot.config import Settings
from bot.scheduler import build_scheduler, sync_org_jobs
from storage.db import create_db_engine
from storage.instance_lock import InstanceLock
from storage.migrate import current_revision, head_revision, upgrade
from storage.move import tables
from tests.conftest import FRIDAY_4PM_NY, SERVER_URL, _admin
from tests.kill_move import HELD
from tests.support import TEST_ORG, WAIT, RecordingAdapter, say
from tests.test_checkin import ALICE_ANSWERS, answer_all
from tests.test_kudos import kudo
from tests.test_migrations import _revisions, _value, fill_every_table

#: Put into the PostgreSQL target's URL (the test server trusts, so it is never checked):
#: it must not appear in anything the command prints or logs.
SECRET = "tp-s3cret-pw"


@pytest.fixture(params=["sqlite", "postgresql"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a new, empty database to move into."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'new' / 'teampulse.db'}"
        return
    if not SERVER_URL:
        pytest.skip("PostgreSQL target: set TEST_DATABASE_URL")
    name = f"teampulse_test_{uuid.uuid4().hex[:12]}"
    _admin(f"CREATE DATABASE {name}")
    url = make_url(SERVER_URL).set(database=name)
    if not url.password:
        url = url.set(password=SECRET)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        _admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """DATABASE_URL: the SQLite database in use, at the newest revision, empty."""
    url = f"sqlite:///{tmp_path / 'data' / 'teampulse.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    engine = create_db_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


def move(tmp_path: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run `teampulse move-db ARGS` in-process: (exit code, stdout, stderr)."""
    out = io.StringIO()
    code = main(["--env-file", "/dev/null", "move-db", *args], stdout=out)
    return code, out.getvalue(), capsys.readouterr().err


def contents(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every one of our tables, in key order (JSON as its stored text)."""
    engine = create_db_engine(url)
    try:
        with engine.connect() as conn:
            present = set(sa.inspect(conn).get_table_names())
            return {t.name: [tuple(r) for r in conn.execute(sa.select(*(
                sa.cast(c, sa.Text) if isinstance(c.type, sa.JSON) else c
                for c in t.columns)).order_by(*t.primary_key.columns))]
                for t in tables() if t.name in present}
    finally:
        engine.dispose()


def empty(url: str) -> bool:
    return not any(contents(url).values())


def fill(url: str, people: int = 1) -> None:
    """A row in every table, and `people` people (for batches of several)."""
    engine = create_db_engine(url)
    fill_every_table(engine)
    metadata = sa.MetaData()
    metadata.reflect(engine, only=["people"])
    with engine.begin() as conn:
        for n in range(2, people + 1):
            conn.execute(metadata.tables["people"].insert().values(
                {c.name: _value(c, n) for c in metadata.tables["people"].columns}))
    engine.dispose()


def test_every_row_of_every_table_arrives(source: str, target: str, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str],
                                          caplog: pytest.LogCaptureFixture,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    fill(source, people=5)
    monkeypatch.setattr(storage.move, "BATCH_ROWS", 2)  # people come in three batches
    before = contents(source)
    assert all(before.values()) and len(before["people"]) == 5
    caplog.set_level(logging.DEBUG)
    code, out, err = move(tmp_path, capsys, target)
    assert code == 0, err
    assert contents(target) == before
    assert contents(source) == before  # the database in use is left as it was
    engine = create_db_engine(target)
    assert current_revision(engine) == head_revision(engine)
    engine.dispose()
    shown = target.replace(SECRET, "***")
    lines = out.splitlines()
    assert lines[0] == f"copied {source} (revision {head_revision(engine)}) into {shown}:"
    assert "  people " in out and out.split("  people ")[1].split()[0] == "5"
    total = len(before) + 4
    assert re.search(rf"\n  total +{total} rows in {len(before)} tables\n", out), out
    assert lines[-1] == f"DATABASE_URL={shown}"
    if SECRET in target:
        assert "your password in place of ***" in lines[-2]
    assert SECRET not in out + err + caplog.text


async def test_the_bot_on_the_new_database_shows_the_same_and_writes_on(
        target: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], clock: Any,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A team runs on SQLite for a while, the operator moves it, and the bot started on the
    new database shows the GM the same week and Alice her kudos, then sends the next
    week's check-in and takes her answers (on PostgreSQL only if the ids handed out
    were moved on past the copied ones)."""
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'old.db'}", org_file=TEST_ORG)
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    old, engine = prepare(settings, clock)
    chat = RecordingAdapter()
    old.register(chat)
    await old.run_checkins()  # 2026-W48
    await answer_all(old, "alice", ALICE_ANSWERS)
    await answer_all(old, "li", ALICE_ANSWERS)
    await kudo(old, "bruno", "/kudos @alice for closing Acme #customer-first", group=True)
    await old.drain()
    await say(old, "grace", "/summary 2026-W48")
    summary = chat.last("grace")
    await say(old, "alice", "/kudos me")
    kudos = chat.last("alice")
    assert "wins: Closed Acme" in summary and "kudos 0 given, 1 received" in summary
    assert "Support: #1 Budget: Travel budget" in summary and "closing Acme" in kudos
    jobs = stored_jobs(old, engine)
    assert "checkin:tz:America/New_York" in jobs and "honours" in jobs
    engine.dispose()  # the bot is stopped

    code, _, err = move(tmp_path, capsys, target)
    assert code == 0, err

    new, engine = prepare(replace(settings, database_url=target), clock)
    chat = RecordingAdapter()
    new.register(chat)
    try:
        # The scheduler's pickled jobs were not copied; the start rebuilds the same ones.
        assert "apscheduler_jobs" not in sa.inspect(engine).get_table_names()
        assert stored_jobs(new, engine) == jobs
        await say(new, "grace", "/summary 2026-W48")
        assert chat.last("grace") == summary
        await say(new, "alice", "/kudos me")
        assert chat.last("alice") == kudos
        clock.advance(timedelta(days=7))
        run = await new.run_checkins()  # 2026-W49: new rounds, new messages
        assert run.results["alice"] == "prompted"
        await answer_all(new, "alice", ALICE_ANSWERS)
        await say(new, "grace", "/summary 2026-W49")
        assert "2026-W49" in chat.last("grace")
        assert "✅ Alice Martin — checked in" in chat.last("grace")
    finally:
        engine.dispose()


def stored_jobs(bot: Any, engine: sa.Engine) -> set[str]:
    """The jobs a start of the bot syncs into its database (as bot/scheduler.py does)."""
    scheduler = build_scheduler(engine, bot.settings.grace_period)
    scheduler.start(paused=True)
    try:
        sync_org_jobs(scheduler, bot)
        return {job.id for job in scheduler.get_jobs(jobstore="default")}
    finally:
        scheduler.shutdown(wait=False)


def test_a_target_that_holds_data_is_refused(source: str, target: str, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    fill(source)
    engine = create_db_engine(target)
    upgrade(engine)
    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO people (id, key, display_name, role, timezone, locale, checks_in, "
            "can_view_summary, active) VALUES (7, 'zoe', 'Zoe', 'director', 'UTC', 'en', "
            ":t, :f, :t)"), {"t": True, "f": False})
    engine.dispose()
    before = contents(target)
    code, out, err = move(tmp_path, capsys, target)
    assert code == 2 and out == ""
    assert err.count("\n") == 1
    assert "already holds data (in people)" in err and "nothing was changed" in err
    assert SECRET not in err
    assert contents(target) == before


@pytest.mark.parametrize("spelling", ["as_set", "relative", "through_a_link"])
def test_a_move_into_the_sqlite_file_in_use_itself_is_refused(
        source: str, spelling: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """`teampulse move-db` given DATABASE_URL's own file (a slip when copying the line, or
    the same file by another path) printed "already holds every row of … a move into it
    finished before; nothing was copied" and the DATABASE_URL line to switch to: no move
    had ever been made. It is refused as on PostgreSQL, naming why."""
    fill(source, people=2)
    before = contents(source)
    path = Path(make_url(source).database or "")
    monkeypatch.chdir(tmp_path)
    if spelling == "relative":
        target = f"sqlite:///{path.relative_to(tmp_path)}"
    elif spelling == "through_a_link":
        (tmp_path / "link").symlink_to(path.parent)
        target = f"sqlite:///{tmp_path / 'link' / path.name}"
    else:
        target = source
    code, out, err = move(tmp_path, capsys, target)
    assert (code, out) == (2, "")
    assert err == (f"teampulse: the target database at {target} is the database in use "
                   "(DATABASE_URL) itself; move-db copies it into another, empty database, "
                   "nothing was changed\n")
    assert contents(source) == before
    assert sorted(p.name for p in path.parent.iterdir()) == ["teampulse.db"]


def test_a_move_into_the_postgresql_database_in_use_itself_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The same on PostgreSQL (guard: found by the move's own lock on the database)."""
    if not SERVER_URL:
        pytest.skip("PostgreSQL source: set TEST_DATABASE_URL")
    name = f"teampulse_test_{uuid.uuid4().hex[:12]}"
    _admin(f"CREATE DATABASE {name}")
    url = make_url(SERVER_URL).set(database=name)
    source = (url if url.password else url.set(password=SECRET)).render_as_string(
        hide_password=False)
    try:
        engine = create_db_engine(source)
        upgrade(engine)
        engine.dispose()
        fill(source, people=2)
        before = contents(source)
        monkeypatch.setenv("DATABASE_URL", source)
        code, out, err = move(tmp_path, capsys, source)
        assert (code, out) == (2, "")
        assert err == (f"teampulse: the target database at {source.replace(SECRET, '***')} "
                       "is the database in use (DATABASE_URL) itself; move-db copies it into "
                       "another, empty database, nothing was changed\n")
        assert contents(source) == before
    finally:
        _admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_a_database_not_up_to_date_is_not_moved(tmp_path: Path, target: str,
                                                capsys: pytest.CaptureFixture[str],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    engine = create_db_engine(url)
    upgrade(engine, _revisions()[-1])  # the version before this one
    engine.dispose()
    code, out, err = move(tmp_path, capsys, target)
    assert code == 2 and out == ""
    assert err.count("\n") == 1
    assert f"not {head_revision(engine)}: run 'teampulse migrate' first" in err
    # The target was not even touched: no tables, and no SQLite file.
    if target.startswith("sqlite"):
        assert not Path(make_url(target).database or "").exists()
    else:
        probe = create_db_engine(target)
        assert sa.inspect(probe).get_table_names() == []
        probe.dispose()


@pytest.mark.parametrize(("url", "says"), [
    ("teampulse.db", "TARGET_URL is not a database URL"),
    ("postgresql+psycopg://tp:p@ss@127.0.0.1:1/teampulse",
     "TARGET_URL has an '@' before the host that is not percent-encoded"),
    ("oracle+nosuch://tp:p@db/teampulse", "unknown database backend or driver"),
    (f"postgresql+psycopg://tp:{SECRET}@127.0.0.1:1/teampulse",
     "cannot use the target database at postgresql+psycopg://tp:***@127.0.0.1:1/teampulse: "
     "OperationalError"),
    # A generated password's '#' (SQLAlchemy reads it as part of the password): printed whole.
    (f"postgresql+psycopg://tp:Xk#{SECRET}@127.0.0.1:1/teampulse",
     "cannot use the target database at postgresql+psycopg://tp:***@127.0.0.1:1/teampulse: "
     "OperationalError"),
    # A port that is no number: a traceback.
    (f"postgresql+psycopg://tp:{SECRET}@127.0.0.1:5432x/teampulse",
     "TARGET_URL's port is not a number"),
])
def test_a_bad_or_unreachable_target_url_is_refused(url: str, says: str, source: str,
                                                    tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    fill(source)
    code, out, err = move(tmp_path, capsys, url)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and says in err
    assert SECRET not in err and "p@ss" not in err


@pytest.mark.parametrize("stop", ["refused", "ctrl-c"])
def test_a_move_that_fails_half_way_leaves_the_target_empty_and_runs_again(
        stop: str, source: str, target: str, tmp_path: Path,
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """A row the target refuses on the third table, or Ctrl-C there: the two tables
    already written are rolled back with the rest, and the move runs again."""
    fill(source)
    before = contents(source)
    real = storage.move._insert_batch
    seen: list[str] = []

    def stopped_on_the_third_table(dst: Any, statement: Any, rows: Any) -> None:
        table = statement.table.name
        if table not in seen:
            seen.append(table)
        if len(seen) == 3:
            if stop == "ctrl-c":
                raise KeyboardInterrupt
            raise sa.exc.IntegrityError("INSERT", {}, Exception("a row was refused"))
        real(dst, statement, rows)

    monkeypatch.setattr(storage.move, "_insert_batch", stopped_on_the_third_table)
    code, out, err = move(tmp_path, capsys, target)
    assert out == ""
    if stop == "ctrl-c":
        assert code == 130
    else:
        assert code == 1
        assert err.count("\n") == 1
        assert f"copying {seen[2]} into {target.replace(SECRET, '***')} failed (" in err
        assert "run move-db again" in err and SECRET not in err
    assert empty(target)
    assert not list(tmp_path.glob("data/*.moving*"))  # the source's snapshot went too

    monkeypatch.setattr(storage.move, "_insert_batch", real)
    code, _, err = move(tmp_path, capsys, target)
    assert code == 0, err
    assert contents(target) == before


def files_under(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*"))


def test_a_target_that_is_not_a_database_is_refused_and_leaves_nothing_beside_it(
        source: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A TARGET_URL naming the wrong file (the notes, not the new database): refused in one
    line, the file as it was; before, a `notes.txt.lock` was left beside it for good."""
    fill(source)
    folder = tmp_path / "docs"
    folder.mkdir()
    notes = folder / "notes.txt"
    notes.write_text("move to PostgreSQL on Friday\n")
    code, out, err = move(tmp_path, capsys, f"sqlite:///{notes}")
    assert (code, out) == (2, "")
    assert err == (f"teampulse: cannot use the target database at sqlite:///{notes}: "
                   "DatabaseError: file is not a database\n")
    assert files_under(folder) == [notes]
    assert notes.read_text() == "move to PostgreSQL on Friday\n"


def test_a_failed_move_into_a_new_sqlite_file_leaves_neither_it_nor_its_lock_or_folder(
        source: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A move into a new file that fails (a row refused): the file it made (with its empty
    tables), the lock beside it and the folders made for it all go; run again, it moves."""
    fill(source)
    before = contents(source)
    path = tmp_path / "new" / "deeper" / "teampulse.db"

    def refused(*_args: Any) -> None:
        raise sa.exc.IntegrityError("INSERT", {}, Exception("a row was refused"))

    real = storage.move._insert_batch
    monkeypatch.setattr(storage.move, "_insert_batch", refused)
    code, out, err = move(tmp_path, capsys, f"sqlite:///{path}")
    assert (code, out) == (1, "")
    assert err.count("\n") == 1
    assert f"the target holds none of it (the new file {path} is removed)" in err
    assert not (tmp_path / "new").exists()

    monkeypatch.setattr(storage.move, "_insert_batch", real)
    code, _, err = move(tmp_path, capsys, f"sqlite:///{path}")
    assert code == 0, err
    assert contents(f"sqlite:///{path}") == before


def test_a_bot_left_running_cannot_make_the_copy_inconsistent(
        source: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """What the bot writes while the copy runs is not half in it: the target is the
    database as it was when move-db started. The command says a bot is running."""
    fill(source)
    before = contents(source)
    lock = InstanceLock(Path(make_url(source).database or ""))
    lock.acquire("teampulse run")  # as the running bot holds it
    real = storage.move._insert_batch

    def the_bot_writes_meanwhile(dst: Any, statement: Any, rows: Any) -> None:
        if statement.table.name == "people":  # once the copy is under way
            with sqlite3.connect(make_url(source).database or "") as conn:
                conn.execute(
                    "INSERT INTO kudos (id, giver_id, recipient_id, reason, \"values\", "
                    "platform, given_at) SELECT id + 100, giver_id, recipient_id, 'later', "
                    "\"values\", platform, given_at FROM kudos WHERE id = 1")
                conn.execute("DELETE FROM answers")
        real(dst, statement, rows)

    monkeypatch.setattr(storage.move, "_insert_batch", the_bot_writes_meanwhile)
    target = f"sqlite:///{tmp_path / 'new.db'}"
    try:
        code, _, err = move(tmp_path, capsys, target)
    finally:
        lock.release()
    assert code == 0, err
    assert "a bot is running on" in err and "stop it before you switch" in err
    assert contents(target) == before
    assert len(contents(source)["kudos"]) == len(before["kudos"]) + 1


def test_postgresql_refusing_a_row_changes_nothing(source: str, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """SQLite never checked a column's length; PostgreSQL does: the move stops, names the
    table, and the target is left empty."""
    if not SERVER_URL:
        pytest.skip("PostgreSQL target: set TEST_DATABASE_URL")
    fill(source)
    with sqlite3.connect(make_url(source).database or "") as conn:
        conn.execute("UPDATE people SET key = ?", ("k" * 100,))
    name = f"teampulse_test_{uuid.uuid4().hex[:12]}"
    _admin(f"CREATE DATABASE {name}")
    target = make_url(SERVER_URL).set(database=name).render_as_string(hide_password=False)
    try:
        code, _, err = move(tmp_path, capsys, target)
        assert code == 1
        assert "copying people into" in err and "value too long" in err
        assert empty(target)
    finally:
        _admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_a_lost_connection_to_postgresql_leaves_the_target_empty(
        source: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The server drops move-db's connection half-way through a table (a restart, a
    failover, an administrator's pg_terminate_backend): the move stops with one line
    naming the table, the target holds no row, and run again it finishes."""
    if not SERVER_URL:
        pytest.skip("PostgreSQL target: set TEST_DATABASE_URL")
    fill(source, people=5)
    before = contents(source)
    monkeypatch.setattr(storage.move, "BATCH_ROWS", 2)  # people come in three batches
    name = f"teampulse_test_{uuid.uuid4().hex[:12]}"
    _admin(f"CREATE DATABASE {name}")
    target = make_url(SERVER_URL).set(database=name).render_as_string(hide_password=False)
    real = storage.move._insert_batch
    people = 0

    def connection_lost(dst: Any, statement: Any, rows: Any) -> None:
        nonlocal people
        people += statement.table.name == "people"
        if people == 2:
            _admin("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                   f"WHERE datname = '{name}'")
        real(dst, statement, rows)

    monkeypatch.setattr(storage.move, "_insert_batch", connection_lost)
    try:
        code, out, err = move(tmp_path, capsys, target)
        assert code == 1 and out == ""
        assert err.count("\n") == 1
        assert f"copying people into {target} failed (OperationalError" in err
        assert "the target holds none of it" in err and "run move-db again" in err
        assert empty(target)
        monkeypatch.setattr(storage.move, "_insert_batch", real)
        code, _, err = move(tmp_path, capsys, target)
        assert code == 0, err
        assert contents(target) == before
    finally:
        _admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_a_postgresql_database_moves_too(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Any database in use moves, read in one transaction: here PostgreSQL to SQLite."""
    if not SERVER_URL:
        pytest.skip("PostgreSQL source: set TEST_DATABASE_URL")
    name = f"teampulse_test_{uuid.uuid4().hex[:12]}"
    _admin(f"CREATE DATABASE {name}")
    url = make_url(SERVER_URL).set(database=name)
    source = (url if url.password else url.set(password=SECRET)).render_as_string(
        hide_password=False)
    try:
        engine = create_db_engine(source)
        upgrade(engine)
        engine.dispose()
        fill(source, people=3)
        monkeypatch.setenv("DATABASE_URL", source)
        target = f"sqlite:///{tmp_path / 'back.db'}"
        code, out, err = move(tmp_path, capsys, target)
        assert code == 0, err
        assert contents(target) == contents(source)
        assert out.startswith(f"copied {source.replace(SECRET, '***')} (revision ")
        assert SECRET not in out + err
    finally:
        _admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_a_postgresql_database_is_read_as_one_moment(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A bot left running on PostgreSQL writes while the copy runs (a kudos given, the
    answers deleted, after the copy has begun): the copy is the database as it was when
    the reading began (one REPEATABLE READ transaction), none of it half in."""
    if not SERVER_URL:
        pytest.skip("PostgreSQL source: set TEST_DATABASE_URL")
    name = f"teampulse_test_{uuid.uuid4().hex[:12]}"
    _admin(f"CREATE DATABASE {name}")
    source = make_url(SERVER_URL).set(database=name).render_as_string(hide_password=False)
    bot_engine = create_db_engine(source)
    try:
        upgrade(bot_engine)
        fill(source, people=3)
        before = contents(source)
        real = storage.move._insert_batch

        def the_bot_writes_meanwhile(dst: Any, statement: Any, rows: Any) -> None:
            if statement.table.name == "people":  # the copy is under way
                with bot_engine.begin() as conn:
                    conn.execute(sa.text(
                        "INSERT INTO kudos (id, giver_id, recipient_id, reason, \"values\", "
                        "platform, given_at) SELECT id + 100, giver_id, recipient_id, "
                        "'later', \"values\", platform, given_at FROM kudos WHERE id = 1"))
                    conn.execute(sa.text("DELETE FROM answers"))
            real(dst, statement, rows)

        monkeypatch.setattr(storage.move, "_insert_batch", the_bot_writes_meanwhile)
        monkeypatch.setenv("DATABASE_URL", source)
        target = f"sqlite:///{tmp_path / 'new.db'}"
        code, _, err = move(tmp_path, capsys, target)
        assert code == 0, err
        assert contents(target) == before
        after = contents(source)
        assert len(after["kudos"]) == len(before["kudos"]) + 1 and not after["answers"]
    finally:
        bot_engine.dispose()
        _admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_help_gives_the_steps_and_says_to_stop_the_bot(capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    with pytest.raises(SystemExit) as done:
        main(["move-db", "--help"])
    assert done.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "1. stop the bot; 2. teampulse backup" in text
    assert "put the DATABASE_URL line it prints in .env; 5. start the bot" in text
    assert "Stop the bot first" in text and "sent a second time" in text


# --- A move-db process SIGKILLed at the worst moments -------------------------------------

ROOT = Path(__file__).parent.parent

#: Where tests/kill_move.py kills the real `move-db` process (see there). The history
#: below copies its 9,538 answers in ten batches of 1,000, after people and checkin_rounds.
KILLED_AT = ["snapshot", "creating", "created", "batch:answers:4", "after:answers", "commit",
             "committed"]


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, tuple[str, str]]:
    """A SQLite database the bot wrote half a year into (60 directors, 1,484 rounds,
    9,538 answers, away periods, a week's check-ins, kudos, a support request), the bot
    stopped; and what the GM's /summary and Alice's /kudos me show on it."""
    from bench.summary import fill as fill_history

    path = tmp_path_factory.mktemp("history") / "teampulse.db"
    settings = Settings(database_url=f"sqlite:///{path}", org_file=TEST_ORG)

    async def write() -> None:
        bot, engine = prepare(settings, FakeClock(FRIDAY_4PM_NY))
        bot.register(RecordingAdapter())
        fill_history(bot, engine, 60, 26, seed=5, template="alice", now=bot.clock.now())
        await bot.run_checkins()
        await answer_all(bot, "alice", ALICE_ANSWERS)
        await kudo(bot, "bruno", "/kudos @alice for closing Acme #customer-first", group=True)
        await bot.drain()
        engine.dispose()

    asyncio.run(write())
    seen = asyncio.run(shown(settings.database_url))
    assert "Director 10" in seen[0] and "closing Acme" in seen[1]
    return path, seen


async def shown(url: str) -> tuple[str, str]:
    """Start the bot on `url`: the GM's /summary and Alice's /kudos me; then stop it."""
    # The history's 60 directors are in no org file (bench.summary.fill writes them to
    # the people table): the org file takes them out at once, which a start holds back
    # (bot/org_guard.py) unless applied on purpose, as `teampulse apply-org --yes` does.
    bot, engine = prepare(Settings(database_url=url, org_file=TEST_ORG),
                          FakeClock(FRIDAY_4PM_NY), allow_removals=True)
    chat = RecordingAdapter()
    bot.register(chat)
    try:
        await say(bot, "grace", "/summary")
        await say(bot, "alice", "/kudos me")
        return chat.last("grace"), chat.last("alice")
    finally:
        engine.dispose()


def move_process(tmp_path: Path, source: str, target: str,
                 moment: str = "none") -> subprocess.CompletedProcess[str]:
    """`teampulse move-db TARGET` as a real process, killed by itself at `moment`."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SLACK_", "TELEGRAM_", "TEAMPULSE_", "DATABASE_URL"))}
    env.update(DATABASE_URL=source, PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "-m", "tests.kill_move", moment, "--env-file", "/dev/null",
         "move-db", target],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300, check=False)


def target_empty(target: str) -> bool:
    """No row in the target (a SQLite target's file may not even exist yet)."""
    path = make_url(target).database or ""
    if target.startswith("sqlite") and not Path(path).exists():
        return True
    return empty(target)


def killed_move(tmp_path: Path, made: Path, target: str,
                moment: str) -> tuple[Path, dict[str, list[tuple[Any, ...]]]]:
    """The database in use (a copy of `made`) and its rows, after a move-db into `target`
    was SIGKILLed at `moment`; checks that the kill changed not a byte of it, and that
    it reported nothing the operator would act on."""
    db = tmp_path / "data" / "teampulse.db"
    db.parent.mkdir()
    shutil.copyfile(made, db)
    source = f"sqlite:///{db}"
    before, raw = contents(source), db.read_bytes()
    killed = move_process(tmp_path, source, target, moment)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert "DATABASE_URL=" not in killed.stdout  # nothing told the operator to switch
    assert db.read_bytes() == raw
    assert contents(source) == before
    if moment == "committed":
        assert contents(target) == before  # the commit made it whole
    else:
        assert target_empty(target)  # nothing copied counts until the commit
    return db, before


def empty_as_told(refusal: str, target: str) -> None:
    """Do what move-db's refusal of a target holding other data says to do."""
    url = make_url(target)
    if url.get_backend_name() == "sqlite":
        path = url.database or ""
        assert f"if that data is not needed, delete {path} (with any -wal and -shm file " \
               "beside it) and run move-db again" in refusal
        for name in (path, path + "-wal", path + "-shm"):
            Path(name).unlink(missing_ok=True)
    else:
        assert (f"if that data is not needed, drop it and create it empty (dropdb "
                f"{url.database}; createdb -O OWNER {url.database}) and run move-db "
                "again") in refusal
        _admin(f"DROP DATABASE {url.database} WITH (FORCE)", f"CREATE DATABASE {url.database}")


@pytest.mark.parametrize("moment", KILLED_AT)
async def test_a_move_killed_at_the_worst_moment_leaves_a_safe_state(
        moment: str, history: tuple[Path, tuple[str, str]], target: str,
        tmp_path: Path) -> None:
    """The operator's move-db is SIGKILLed (OOM killer, a closed SSH session, kill -9),
    and they start the bot on the old database again: it shows what it showed. The
    target holds no row, and move-db run again finishes the move; or, killed after its
    commit, every row, and since the bot has written on the old database meanwhile, move-db
    run again refuses the now stale target, saying how to empty it; done, the move
    finishes. The bot on the target then shows what it showed."""
    made, seen = history
    db, _ = killed_move(tmp_path, made, target, moment)
    source = f"sqlite:///{db}"
    assert await shown(source) == seen  # the operator's bot starts on it as before

    again = move_process(tmp_path, source, target)
    if moment == "committed":
        assert again.returncode == 2 and again.stdout == ""
        assert again.stderr.count("\n") == 1
        assert "already holds data (in outbox, people, away_periods and 7 more) that is " \
               "not the database in use as it is now; move-db only fills an empty " \
               "database, nothing was changed" in again.stderr
        empty_as_told(again.stderr, target)
        again = move_process(tmp_path, source, target)
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith(f"copied {source} (revision ")
    assert again.stdout.splitlines()[-1] == f"DATABASE_URL={target.replace(SECRET, '***')}"
    assert contents(target) == contents(source)
    assert not list(db.parent.glob("*.moving*"))  # the killed move's snapshot is gone
    assert await shown(target) == seen


async def test_a_move_killed_after_its_commit_is_found_finished(
        history: tuple[Path, tuple[str, str]], target: str, tmp_path: Path) -> None:
    """Killed after the commit, before it printed the DATABASE_URL line: run again, it
    finds every row already in the target, says the move finished, changes nothing and
    prints the line to use; the bot on the target shows what it showed."""
    made, seen = history
    db, before = killed_move(tmp_path, made, target, "committed")
    source = f"sqlite:///{db}"
    assert (db.parent / "teampulse.db.moving").exists()  # what the kill left behind
    # ... with its lock file, still naming the killed move: the lock went with the process.
    lock = db.parent / "teampulse.db.move-db.lock"
    assert re.fullmatch(r"pid \d+, teampulse move-db\n", lock.read_text())

    again = move_process(tmp_path, source, target)
    assert again.returncode == 0, again.stderr
    shown_target = target.replace(SECRET, "***")
    lines = again.stdout.splitlines()
    engine = create_db_engine(source)
    revision = current_revision(engine)
    engine.dispose()
    assert lines[0] == (f"{shown_target} already holds every row of {source} (revision "
                        f"{revision}): a move into it finished before; nothing was copied:")
    assert re.search(r"\n  answers +9,538\n", again.stdout), again.stdout
    assert lines[-1] == f"DATABASE_URL={shown_target}"
    assert contents(target) == before == contents(source)
    assert not list(db.parent.glob("*.moving*"))
    assert await shown(target) == seen


def test_a_second_move_from_the_same_file_is_refused_while_the_first_finishes(
        source: str, target: str, tmp_path: Path) -> None:
    """Two move-db at once from one SQLite file (a second terminal, a retry while the
    first still runs): the second is refused at once, in one line naming the first, and
    touches nothing; the first, whose snapshot the second used to delete under it (it then
    failed, its target empty), finishes with every row."""
    fill(source, people=5)
    before = contents(source)
    db = Path(make_url(source).database or "")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SLACK_", "TELEGRAM_", "TEAMPULSE_", "DATABASE_URL"))}
    env.update(DATABASE_URL=source, PYTHONPATH=str(ROOT))
    first = subprocess.Popen(
        [sys.executable, "-m", "tests.kill_move", "hold:snapshot", "--env-file",
         "/dev/null", "move-db", target],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=env, cwd=tmp_path)
    try:
        assert first.stderr is not None
        said = ""
        while HELD not in said:  # until its snapshot is made and it holds (or it ended)
            line = first.stderr.readline()
            assert line, f"the first move ended before its snapshot: {said}"
            said += line
        other = tmp_path / "other" / "teampulse.db"
        second = move_process(tmp_path, source, f"sqlite:///{other}")
        assert (db.parent / "teampulse.db.moving").exists()  # the first's, untouched
        out, err = first.communicate("go on\n", timeout=WAIT)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    assert (second.returncode, second.stdout) == (2, "")
    assert second.stderr == (f"teampulse: another move-db from {db} is running (pid "
                             f"{first.pid}, teampulse move-db); let it finish (or stop it), "
                             "then run move-db again if needed; nothing was changed\n")
    assert not other.parent.exists()  # its target not even created
    assert first.returncode == 0, err
    assert out.splitlines()[-1] == f"DATABASE_URL={target.replace(SECRET, '***')}"
    assert contents(target) == before == contents(source)
    assert not list(db.parent.glob("*.moving*"))
    # The first's lock went with it: a move now is not refused (that target is done).
    again = move_process(tmp_path, source, target)
    assert again.returncode == 0, again.stderr
    assert "a move into it finished before; nothing was copied" in again.stdout


@pytest.mark.parametrize("moment", ["batch:answers:4", "commit"])
async def test_a_move_from_postgresql_killed_half_way_changes_nothing_there(
        moment: str, history: tuple[Path, tuple[str, str]], tmp_path: Path) -> None:
    """PostgreSQL in use, moved to SQLite, the move SIGKILLed in the middle of the answers
    or at the SQLite file's COMMIT: the database in use holds what it held and the bot on
    it shows the same; the new file holds no row, and move-db run again finishes."""
    if not SERVER_URL:
        pytest.skip("PostgreSQL source: set TEST_DATABASE_URL")
    made, seen = history
    name = f"teampulse_test_{uuid.uuid4().hex[:12]}"
    _admin(f"CREATE DATABASE {name}")
    source = make_url(SERVER_URL).set(database=name).render_as_string(hide_password=False)
    try:
        storage.move.move_database(f"sqlite:///{made}", source)
        before = contents(source)
        target = f"sqlite:///{tmp_path / 'back.db'}"
        killed = move_process(tmp_path, source, target, moment)
        assert killed.returncode == -signal.SIGKILL, killed.stderr
        assert contents(source) == before
        assert target_empty(target)
        assert await shown(source) == seen
        again = move_process(tmp_path, source, target)
        assert again.returncode == 0, again.stderr
        assert contents(target) == contents(source)
        assert await shown(target) == seen
    finally:
        _admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")



# --- Two moves at once on PostgreSQL: the second is refused -------------------------------

@contextlib.contextmanager
def held_move(tmp_path: Path, source: str, target: str) -> Iterator[subprocess.Popen[str]]:
    """`teampulse move-db TARGET` as a real process, holding once the target's tables are
    created (every lock taken, no row copied) until the test lets it go on."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SLACK_", "TELEGRAM_", "TEAMPULSE_", "DATABASE_URL"))}
    env.update(DATABASE_URL=source, PYTHONPATH=str(ROOT))
    first = subprocess.Popen(
        [sys.executable, "-m", "tests.kill_move", "hold:created", "--env-file", "/dev/null",
         "move-db", target],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=env, cwd=tmp_path)
    try:
        assert first.stderr is not None
        said = ""
        while HELD not in said:
            line = first.stderr.readline()
            assert line, f"the first move ended before it held: {said}"
            said += line
        yield first
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()


@contextlib.contextmanager
def postgresql_database() -> Iterator[str]:
    """A new, empty PostgreSQL database's URL (its password, if any, SECRET)."""
    if not SERVER_URL:
        pytest.skip("PostgreSQL: set TEST_DATABASE_URL")
    name = f"teampulse_test_{uuid.uuid4().hex[:12]}"
    _admin(f"CREATE DATABASE {name}")
    url = make_url(SERVER_URL).set(database=name)
    try:
        yield (url if url.password else url.set(password=SECRET)).render_as_string(
            hide_password=False)
    finally:
        _admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_a_second_move_into_the_same_postgresql_database_is_refused(tmp_path: Path) -> None:
    """Two move-db into one PostgreSQL database from two SQLite files (two operators, or
    the wrong .env in a second terminal): both found it empty and both filled it, the
    first failing on the second's rows or the target holding a mix. The second is refused
    at once, in one line naming the first (exit 2), and the first finishes with its rows."""
    with postgresql_database() as target:
        sources = []
        for name in ("one", "two"):
            url = f"sqlite:///{tmp_path / name / 'teampulse.db'}"
            engine = create_db_engine(url)
            upgrade(engine)
            engine.dispose()
            fill(url, people=2 if name == "one" else 4)
            sources.append(url)
        with held_move(tmp_path, sources[0], target) as first:
            second = move_process(tmp_path, sources[1], target)
            out, err = first.communicate("go on\n", timeout=WAIT)
        shown = target.replace(SECRET, "***")
        assert (second.returncode, second.stdout) == (2, "")
        assert second.stderr == (f"teampulse: another move-db into {shown} is running (pid "
                                 f"{first.pid}, teampulse move-db); let it finish (or stop "
                                 "it), then run move-db again if needed; nothing was "
                                 "changed\n")
        assert SECRET not in second.stderr
        assert first.returncode == 0, err
        assert out.splitlines()[-1] == f"DATABASE_URL={shown}"
        assert contents(target) == contents(sources[0])
        # The first's lock went with it: the same move again finds its rows there.
        again = move_process(tmp_path, sources[0], target)
        assert again.returncode == 0, again.stderr
        assert "a move into it finished before; nothing was copied" in again.stdout


def test_a_second_move_from_the_same_postgresql_database_is_refused(tmp_path: Path) -> None:
    """Two move-db at once from one PostgreSQL database in use (a retry while the first
    still runs): the second is refused at once, in one line naming the first (exit 2), its
    target not even created; the first finishes with every row."""
    with postgresql_database() as source:
        engine = create_db_engine(source)
        upgrade(engine)
        engine.dispose()
        fill(source, people=3)
        target = f"sqlite:///{tmp_path / 'one.db'}"
        other = tmp_path / "other" / "teampulse.db"
        with held_move(tmp_path, source, target) as first:
            second = move_process(tmp_path, source, f"sqlite:///{other}")
            out, err = first.communicate("go on\n", timeout=WAIT)
        assert out.splitlines()[-1] == f"DATABASE_URL={target}"
        shown = source.replace(SECRET, "***")
        assert (second.returncode, second.stdout) == (2, "")
        assert second.stderr == (f"teampulse: another move-db from {shown} is running (pid "
                                 f"{first.pid}, teampulse move-db); let it finish (or stop "
                                 "it), then run move-db again if needed; nothing was "
                                 "changed\n")
        assert not other.parent.exists()
        assert first.returncode == 0, err
        assert contents(target) == contents(source)


# --- A SQLite target: one move into it at a time, and never under a running bot ----------

def two_sources(tmp_path: Path) -> list[str]:
    """Two SQLite databases in use, up to date, holding different rows."""
    sources = []
    for name, people in (("one", 2), ("two", 4)):
        url = f"sqlite:///{tmp_path / name / 'teampulse.db'}"
        engine = create_db_engine(url)
        upgrade(engine)
        engine.dispose()
        fill(url, people=people)
        sources.append(url)
    return sources


def test_a_second_move_into_the_same_sqlite_file_is_refused(tmp_path: Path) -> None:
    """Two move-db into one new SQLite file from two sources (the wrong .env in a second
    terminal): the second found it empty (the first had created the tables and was
    copying), filled it and committed; the first then failed on the second's rows, saying
    the target held none of it. The second is refused at once, in one line naming the first
    (exit 2), and the first finishes with its rows; a bot started on the file meanwhile is
    refused too, naming the move."""
    sources = two_sources(tmp_path)
    path = tmp_path / "new" / "teampulse.db"
    target = f"sqlite:///{path}"
    with held_move(tmp_path, sources[0], target) as first:
        second = move_process(tmp_path, sources[1], target)
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("SLACK_", "TELEGRAM_", "TEAMPULSE_", "DATABASE_URL"))}
        env.update(DATABASE_URL=target, PYTHONPATH=str(ROOT),
                   TEAMPULSE_ORG_FILE=str(ROOT / "org.example.yaml"))
        early_bot = subprocess.run(
            [sys.executable, "-m", "bot", "--env-file", "/dev/null", "run"],
            capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60,
            stdin=subprocess.DEVNULL, check=False)
        out, err = first.communicate("go on\n", timeout=WAIT)
    assert (second.returncode, second.stdout) == (2, "")
    assert second.stderr == (f"teampulse: another move-db into {path} is running (pid "
                             f"{first.pid}, teampulse move-db); let it finish (or stop it), "
                             "then run move-db again if needed; nothing was changed\n")
    assert early_bot.returncode == 2
    assert f"(pid {first.pid}, teampulse move-db) is using {path}" in early_bot.stderr
    assert first.returncode == 0, err
    assert out.splitlines()[-1] == f"DATABASE_URL={target}"
    assert contents(target) == contents(sources[0])


def test_a_move_into_a_sqlite_file_a_bot_runs_on_is_refused_naming_the_bot(
        tmp_path: Path) -> None:
    """The operator started the bot on the new file before moving into it (the .env
    changed first): move-db refused it as holding data and said to delete the file the
    running bot was using. It now names the bot, and says to stop it; nothing changes,
    and the bot runs on."""
    from tests.test_resilience_stop import Bot

    [source, _] = two_sources(tmp_path)
    running = Bot(tmp_path)  # on tmp_path/tp.db, the target
    try:
        running.wait_for("/quit")  # up, its people synced into the file
        target = f"sqlite:///{running.db}"
        before = contents(target)
        refused = move_process(tmp_path, source, target)
        assert (refused.returncode, refused.stdout) == (2, ""), refused.stderr
        assert refused.stderr == (
            f"teampulse: a bot is running on the target database {running.db} (pid "
            f"{running.proc.pid}, teampulse run); move-db only fills a database no bot "
            "uses: stop that bot, and if the file holds nothing you need, delete it (with "
            "any -wal and -shm file beside it) and run move-db again; nothing was changed\n")
        # None of the source's rows came in. (The running bot may write meanwhile on its
        # own clock: a month's first days send the monthly reviews, a Friday its round.)
        after, copied = contents(target), contents(source)
        assert all(not (set(after[t]) - set(before[t])) & set(copied[t]) for t in after)
        assert running.proc.poll() is None
    finally:
        running.kill()
